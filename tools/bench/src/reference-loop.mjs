/**
 * What the reference runners (naive loop, undici floor) share: their flags
 * and the one JSON line they print, charged like the engine runner
 * (`process.cpuUsage()` over the load window, VmHWM).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** `--url` (required), `--path`, `--sessions`, `--duration` (s), `--warmup` (s of load before the window). */
export function referenceArgs() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      path: { type: 'string', default: '/' },
      sessions: { type: 'string', default: '50' },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '0' },
    },
  });
  if (!values.url) throw new Error('--url is required');
  return { url: values.url, path: values.path, sessions: Number(values.sessions), durationS: Number(values.duration), warmupS: Number(values.warmup) };
}

/** Starts the load window's clocks; `report()` prints the record for it. */
export function loadWindow(tool, sessions) {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  /** Latencies (ms) of a sample of requests, for p50/p99. */
  const latencies = [];
  return {
    latencies,
    report({ requests, errors }) {
      const elapsedS = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      latencies.sort((a, b) => a - b);
      const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      const record = {
        tool,
        model: 'closed',
        sessions,
        requests,
        errors,
        elapsedS,
        cpuS: (cpu.user + cpu.system) / 1e6,
        p50Ms: Math.round(pct(50) * 1000) / 1000,
        p99Ms: Math.round(pct(99) * 1000) / 1000,
        peakRssKiB: m ? Number(m[1]) : undefined,
      };
      process.stdout.write(`${JSON.stringify(record)}\n`);
    },
  };
}

/**
 * With `--warmup`, the same loops run unmeasured first: `startWindow()` when the window starts
 * (reset the counts, open a new `loadWindow`), `stop()` when it ends.
 */
export function scheduleWindow({ warmupS, durationS }, startWindow, stop) {
  if (warmupS > 0) setTimeout(startWindow, warmupS * 1000);
  setTimeout(stop, (warmupS + durationS) * 1000);
}
