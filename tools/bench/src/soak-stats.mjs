/**
 * The arithmetic of a soak: duration parsing, least-squares slope of memory
 * samples after the warm-up, and the verdict against the bar (heap after GC
 * grows less than 1 MB per 10 minutes, RSS stays within 10%).
 */

export const BAR = { heapBytesPer10Min: 1024 * 1024, rssRangePct: 10 };

/** `600`, `600s`, `10m`, `1h` -> seconds. */
export function parseSoakDuration(text) {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(String(text).trim());
  if (!m) throw new Error(`--soak takes a duration like 600s, 10m or 1h, got ${text}`);
  const seconds = Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[m[2] ?? 's'] ?? 1);
  if (!(seconds > 0)) throw new Error(`--soak must be longer than 0, got ${text}`);
  return seconds;
}

/**
 * Ordinary least-squares slope of `y` over `x` (units of y per unit of x);
 * undefined with fewer than two distinct x.
 */
export function leastSquaresSlope(points) {
  const n = points.length;
  if (n < 2) return undefined;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : undefined;
}

/**
 * Summarises the samples (`{ t: s, heapUsed, rss, rssBeforeGc? }`) taken after
 * `warmupS`: slopes in bytes per minute, heap and RSS ranges, and whether the
 * bar is met. The bar's RSS is the one after a full GC has settled (what the
 * engine holds); `rssBeforeGc` (garbage included, it follows the GC cycle) is
 * reported beside it, not judged.
 */
export function summariseSoak(samples, warmupS) {
  const steady = samples.filter((s) => s.t >= warmupS);
  const perMinute = (field) => {
    const slope = leastSquaresSlope(steady.map((s) => [s.t, s[field]]));
    return slope === undefined ? undefined : slope * 60;
  };
  const range = (field) => {
    const values = steady.map((s) => s[field]);
    if (values.length === 0) return undefined;
    const min = Math.min(...values);
    const max = Math.max(...values);
    return { min, max, pct: min > 0 ? ((max - min) / min) * 100 : undefined };
  };
  const heapSlope = perMinute('heapUsed');
  const rss = range('rss');
  const rssBeforeGc = steady.every((s) => s.rssBeforeGc !== undefined) ? range('rssBeforeGc') : undefined;
  const heapOk = heapSlope !== undefined && heapSlope * 10 < BAR.heapBytesPer10Min;
  const rssOk = rss?.pct !== undefined && rss.pct <= BAR.rssRangePct;
  return {
    samples: steady.length,
    fromS: steady[0]?.t,
    toS: steady.at(-1)?.t,
    heapSlopeBytesPerMin: heapSlope,
    rssSlopeBytesPerMin: perMinute('rss'),
    heap: range('heapUsed'),
    rss,
    rssBeforeGc,
    heapOk,
    rssOk,
    ok: heapOk && rssOk,
  };
}
