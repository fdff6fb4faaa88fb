#!/usr/bin/env node
/**
 * A reference point, not a peer: the naive loop the issue compares against
 * (one undici Client and one tough-cookie jar per session, `request()` and a
 * full body read, sessions looping concurrently), charged like the other
 * runners. The engine's distance from it is what its own layers cost.
 *
 *   node naive-runner.mjs --url http://127.0.0.1:8080 --path /cookie --sessions 50 --duration 5
 */
import { CookieJar } from 'tough-cookie';
import { Client } from 'undici';
import { loadWindow, referenceArgs, scheduleWindow } from './reference-loop.mjs';

const { url, path, sessions, durationS, warmupS } = referenceArgs();
const href = new URL(path, url).href;

let requests = 0;
let errors = 0;
let running = true;
// The load window starts here: nothing below but function definitions until the loops start.
let load = loadWindow('naive', sessions);

async function loop() {
  const client = new Client(url, { keepAliveTimeout: 90_000 });
  const jar = new CookieJar();
  while (running) {
    const start = performance.now();
    try {
      const cookie = await jar.getCookieString(href);
      const { statusCode, headers, body } = await client.request({
        method: 'GET',
        path,
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
    if ((requests & 15) === 0) load.latencies.push(performance.now() - start);
  }
  await client.close();
}

scheduleWindow(
  { warmupS, durationS },
  () => {
    requests = 0;
    errors = 0;
    load = loadWindow('naive', sessions);
  },
  () => (running = false),
);
await Promise.all(Array.from({ length: sessions }, loop));
load.report({ requests, errors });
