import { describe, expect, it } from 'vitest';
import { parseSoakOutput, renderSoak } from '../src/soak.mjs';
import { BAR, leastSquaresSlope, parseSoakDuration, summariseSoak } from '../src/soak-stats.mjs';

const MiB = 2 ** 20;

/** Samples every 5 s for `seconds`, heap and RSS from the given functions of t. */
function samples(seconds: number, heap: (t: number) => number, rss: (t: number) => number) {
  return Array.from({ length: seconds / 5 + 1 }, (_, i) => ({ t: i * 5, heapUsed: heap(i * 5), rss: rss(i * 5) }));
}

describe('parseSoakDuration', () => {
  it('takes seconds, minutes and hours', () => {
    expect(parseSoakDuration('600')).toBe(600);
    expect(parseSoakDuration('90s')).toBe(90);
    expect(parseSoakDuration('10m')).toBe(600);
    expect(parseSoakDuration('1.5h')).toBe(5_400);
  });

  it('refuses what is not a duration', () => {
    expect(() => parseSoakDuration('10 minutes')).toThrow(/--soak takes a duration/);
    expect(() => parseSoakDuration('0m')).toThrow(/longer than 0/);
  });
});

describe('leastSquaresSlope', () => {
  it('recovers the slope of a noisy line', () => {
    const points = Array.from({ length: 100 }, (_, i): [number, number] => [i, 3 * i + 7 + (i % 2 === 0 ? 1 : -1)]);
    expect(leastSquaresSlope(points)).toBeCloseTo(3, 2);
  });

  it('is undefined without two distinct x', () => {
    expect(leastSquaresSlope([[1, 2]])).toBeUndefined();
    expect(leastSquaresSlope([[1, 2], [1, 5]])).toBeUndefined();
  });
});

describe('summariseSoak', () => {
  it('meets the bar for flat memory, leaving the warm-up out', () => {
    // Grows fast during the first minute, then flat with noise.
    const s = summariseSoak(
      samples(600, (t) => (t < 60 ? 10 * MiB + t * MiB : 70 * MiB + (t % 10 === 0 ? 50_000 : -50_000)), (t) => (t < 60 ? 100 * MiB : 150 * MiB + (t % 3) * MiB)),
      60,
    );
    expect(s.samples).toBe(109);
    expect(s.fromS).toBe(60);
    expect(Math.abs(s.heapSlopeBytesPerMin!)).toBeLessThan(BAR.heapBytesPer10Min / 10);
    expect(s.rss!.pct).toBeCloseTo((2 / 150) * 100, 5);
    expect(s).toMatchObject({ heapOk: true, rssOk: true, ok: true });
  });

  it('fails the bar for a heap that grows 2 MiB per 10 minutes, and for RSS that varies by more than 10%', () => {
    const s = summariseSoak(samples(600, (t) => 50 * MiB + (t / 600) * 2 * MiB, (t) => 100 * MiB + (t / 600) * 20 * MiB), 60);
    expect(s.heapSlopeBytesPerMin! * 10).toBeCloseTo(2 * MiB, -2);
    expect(s).toMatchObject({ heapOk: false, rssOk: false, ok: false });
  });

  it('reports RSS before GC (garbage included) beside the bar, without judging it', () => {
    const flat = samples(300, () => 50 * MiB, () => 150 * MiB).map((x) => ({ ...x, rssBeforeGc: x.t % 10 === 0 ? 150 * MiB : 225 * MiB }));
    const s = summariseSoak(flat, 60);
    expect(s.rssBeforeGc).toMatchObject({ min: 150 * MiB, max: 225 * MiB });
    expect(s.rssBeforeGc!.pct).toBeCloseTo(50, 5);
    expect(s).toMatchObject({ rssOk: true, ok: true });
    // Samples from a runner that did not record it (an older checkout): no range.
    expect(summariseSoak(samples(300, () => 50 * MiB, () => 150 * MiB), 60).rssBeforeGc).toBeUndefined();
  });
});

describe('the soak runner output and report', () => {
  it('reads the sample lines and the result line, ignoring anything else', () => {
    const out = [
      '{"sample":{"t":0,"heapUsed":1,"rss":2}}',
      'a warning',
      '{"sample":{"t":5,"heapUsed":3,"rss":4}}',
      '{"result":{"model":"open","requests":10}}',
      '',
    ].join('\n');
    expect(parseSoakOutput(out)).toEqual({
      samples: [
        { t: 0, heapUsed: 1, rss: 2 },
        { t: 5, heapUsed: 3, rss: 4 },
      ],
      result: { model: 'open', requests: 10 },
    });
  });

  it('renders one row per model, before rows first, with the verdict', () => {
    const model = (name: string, slope: number) => ({
      model: name,
      result: { requests: 600_000, durationS: 600, errors: 0, dropped: 0 },
      summary: summariseSoak(samples(600, (t) => 50 * MiB + (t / 60) * slope, () => 100 * MiB), 60),
    });
    const soak = (engine: string, slope: number) => ({
      date: '2026-11-28T09:00:00.000Z',
      command: 'npm run bench -- --soak 10m',
      engine,
      durationS: 600,
      sessions: 1000,
      rate: 3000,
      sampleS: 5,
      warmupS: 60,
      target: 'nginx',
      node: 'v20.20.2',
      machine: { nproc: 2, cpu: 'cpu', loadStart: '0', loadEnd: '0' },
      models: [model('closed', slope), model('open', slope)],
    });
    const text = renderSoak(soak('after', 0), soak('before', 1 * MiB));
    const rows = text.split('\n').filter((line) => /^\| (closed|open) \|/.test(line));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/^\| closed \| before \| 1000 \| 0 \| 0 \| .* \| 1024\.0 \| 10240\.0 \| .* \| no \(heap\) \|$/);
    expect(rows[3]).toMatch(/^\| open \| after \| .* \| yes \|$/);
  });
});
