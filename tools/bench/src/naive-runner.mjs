#!/usr/bin/env node
/**
 * A reference point, not a peer: the naive loop the issue compares against
 * (one undici Client and one tough-cookie jar per session, `request()` and a
 * full body read, sessions looping concurrently), charged like the other
 * runners. The engine's distance from it is what its own layers cost.
 *
 *   node naive-runner.mjs --url http://127.0.0.1:8080 --path /cookie --sessions 50 --duration 5
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CookieJar } from 'tough-cookie';
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
const href = new URL(values.path, values.url).href;

let requests = 0;
let errors = 0;
const latencies = [];
let running = true;

async function loop() {
  const client = new Client(values.url, { keepAliveTimeout: 90_000 });
  const jar = new CookieJar();
  while (running) {
    const start = performance.now();
    try {
      const cookie = await jar.getCookieString(href);
      const { statusCode, headers, body } = await client.request({
        method: 'GET',
        path: values.path,
        headers: cookie ? { cookie } : {},
      });
      await body.arrayBuffer();
      const setCookie = headers['set-cookie'];
      if (setCookie !== undefined) {
        for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) await jar.setCookie(line, href, { ignoreError: true });
      }
      if (statusCode >= 400) errors++;
    } catch {
      errors++;
    }
    requests++;
    // Every 16th latency is enough for percentiles and keeps the array small.
    if ((requests & 15) === 0) latencies.push(performance.now() - start);
  }
  await client.close();
}

const cpuBefore = process.cpuUsage();
const started = performance.now();
setTimeout(() => (running = false), Number(values.duration) * 1000);
await Promise.all(Array.from({ length: sessions }, loop));
const elapsedS = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(
  `${JSON.stringify({
    tool: 'naive',
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
