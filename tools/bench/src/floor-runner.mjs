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
import { Client } from 'undici';
import { loadWindow, referenceArgs, scheduleWindow } from './reference-loop.mjs';

const { url, path, sessions, durationS, warmupS } = referenceArgs();
const origin = new URL(url).origin;

let requests = 0;
let errors = 0;
let running = true;
let open = sessions;
let allDone;
const done = new Promise((resolve) => (allDone = resolve));
// The load window starts here: nothing below but function definitions until the loops start.
let load = loadWindow('floor', sessions);

function connection() {
  const client = new Client(origin, { keepAliveTimeout: 90_000 });
  const opts = { origin, path, method: 'GET', headers: {} };
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
    // Every 16th latency is enough for percentiles and keeps the array small.
    if ((requests & 15) === 0) load.latencies.push(performance.now() - start);
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

scheduleWindow(
  { warmupS, durationS },
  () => {
    requests = 0;
    errors = 0;
    load = loadWindow('floor', sessions);
  },
  () => (running = false),
);
for (let i = 0; i < sessions; i++) connection();
await done;
load.report({ requests, errors });
process.exit(0);
