#!/usr/bin/env node
/**
 * autocannon in its own process, started like the engine runner so that the
 * two are charged the same way: CPU from `process.cpuUsage()` over the load
 * window, peak RSS from VmHWM. Prints one JSON line on stdout.
 *
 *   node autocannon-runner.mjs --url http://127.0.0.1:8080/ --connections 50 --duration 5 [--rate 20000]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '5' },
    rate: { type: 'string', default: '0' },
    // Seconds of the same load before the measured call, unmeasured (V8 has optimised autocannon by then).
    warmup: { type: 'string', default: '0' },
  },
});
if (!values.url) throw new Error('--url is required');
const rate = Number(values.rate);

const load = (duration) =>
  autocannon({
    url: values.url,
    connections: Number(values.connections),
    duration,
    pipelining: 1,
    // autocannon's open-ish model: a total request rate spread over the connections.
    ...(rate > 0 ? { overallRate: rate } : {}),
  });
if (Number(values.warmup) > 0) await load(Number(values.warmup));
const cpuBefore = process.cpuUsage();
const started = performance.now();
const result = await load(Number(values.duration));
const elapsedS = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));

process.stdout.write(
  `${JSON.stringify({
    tool: 'autocannon',
    model: rate > 0 ? 'open' : 'closed',
    sessions: Number(values.connections),
    // Responses of any status; errors and timeouts are counted apart, as the engine does.
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
    elapsedS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    peakRssKiB: m ? Number(m[1]) : undefined,
  })}\n`,
);
