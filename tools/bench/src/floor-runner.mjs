#!/usr/bin/env node
/**
 * A reference point, not a peer: the cheapest possible use of undici. One
 * undici Client per connection, `dispatch()` with a do-nothing handler and a
 * callback loop (no promise, no cookie jar, no header object, body dropped).
 * No engine built on undici can spend less per request than this; the
 * distance from it to autocannon is undici's own cost.
 *
 *   node floor-runner.mjs --url http://127.0.0.1:8080 --path / --sessions 50 --duration 5
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from 'undici';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    path: { type: 'string', default: '/' },
    sessions: { type: 'string', default: '50' },
    duration: { type: 'string', default: '5' },
  },
});
if (!values.url) throw new Error('--url is required');
const sessions = Number(values.sessions);
const origin = new URL(values.url).origin;

let requests = 0;
let errors = 0;
let running = true;
let open = sessions;
let allDone;
const done = new Promise((resolve) => (allDone = resolve));
const latencies = [];

function connection() {
  const client = new Client(origin, { keepAliveTimeout: 90_000 });
  const opts = { origin, path: values.path, method: 'GET', headers: {} };
  let start = 0;
  const handler = {
    // undici's own (legacy) handler interface: no wrapper, raw headers untouched.
    onConnect() {
      // nothing to keep: this loop never aborts a request
    },
    onHeaders(status) {
      if (status >= 400) errors++;
      return true;
    },
    onData() {
      return true;
    },
    onComplete() {
      finish();
    },
    onError() {
      errors++;
      finish();
    },
  };
  const finish = () => {
    requests++;
    if ((requests & 15) === 0) latencies.push(performance.now() - start);
    next();
  };
  const next = () => {
    if (!running) {
      client.close().then(() => {
        if (--open === 0) allDone();
      });
      return;
    }
    start = performance.now();
    client.dispatch(opts, handler);
  };
  next();
}

const cpuBefore = process.cpuUsage();
const started = performance.now();
setTimeout(() => (running = false), Number(values.duration) * 1000);
for (let i = 0; i < sessions; i++) connection();
await done;
const elapsedS = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(
  `${JSON.stringify({
    tool: 'floor',
    model: 'closed',
    sessions,
    requests,
    errors,
    elapsedS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    p50Ms: Math.round(pct(50) * 1000) / 1000,
    p99Ms: Math.round(pct(99) * 1000) / 1000,
    peakRssKiB: m ? Number(m[1]) : undefined,
  })}\n`,
);
process.exit(0);
