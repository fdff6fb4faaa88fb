/**
 * The control API's live dashboard, `GET /`: one page shipped in the
 * package (uPlot inlined from the package's own dependency, no CDN). The
 * page holds no data: it asks for the token, keeps it in sessionStorage,
 * reads `GET /v1/events` with it (fetch, since EventSource cannot send an
 * Authorization header) and drives the run through `PATCH /v1/run` and
 * `POST /v1/stop`, like any other client.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let assets: { script: string; style: string } | undefined;

/** uPlot's browser build and stylesheet, read once per process. */
function uplot(): { script: string; style: string } {
  if (assets === undefined) {
    const require = createRequire(import.meta.url);
    assets = {
      script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      style: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  }
  return assets;
}

/** `</script` or `</style` inside inlined code would end the element early. */
function inlineSafe(code: string, tag: 'script' | 'style'): string {
  return code.replace(new RegExp(`</${tag}`, 'gi'), `<\\/${tag}`);
}

const STYLE = `
:root { color-scheme: light; --fg: #1d232b; --muted: #5b6673; --line: #d8dde3; --accent: #2b6cb0; --bad: #c53030; --ok: #2f855a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f6f8fa; }
header { display: flex; align-items: baseline; gap: 16px; padding: 14px 24px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { font-size: 18px; margin: 0; }
main { padding: 16px 24px; max-width: 1320px; }
.badge { padding: 2px 10px; border-radius: 10px; background: #e2e8f0; font-weight: 600; }
.badge.warming_up { background: #bee3f8; } .badge.running { background: #c6f6d5; } .badge.paused { background: #fefcbf; } .badge.stopping, .badge.ended { background: #fed7d7; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 0 0 16px; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.tile dt { color: var(--muted); font-size: 12px; } .tile dd { margin: 2px 0 0; font-size: 20px; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(400px, 1fr)); gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
figcaption { color: var(--muted); font-size: 12px; margin-bottom: 4px; }
section { margin-top: 16px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.controls { display: flex; flex-wrap: wrap; gap: 16px; align-items: end; }
label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
input { font: inherit; padding: 4px 6px; width: 120px; }
button { font: inherit; padding: 5px 12px; border: 1px solid var(--line); border-radius: 4px; background: #fff; cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { color: var(--bad); border-color: var(--bad); }
button:disabled { opacity: .5; cursor: default; }
table { border-collapse: collapse; } td, th { padding: 3px 12px 3px 0; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.message { min-height: 1.4em; margin: 8px 0 0; } .message.error { color: var(--bad); } .message.ok { color: var(--ok); }
#login { max-width: 460px; margin: 48px auto; }
#login input { width: 100%; }
[hidden] { display: none !important; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var KEY = 'session-engine-control-token';
  var $ = function (id) { return document.getElementById(id); };
  var token = sessionStorage.getItem(KEY);
  var data = { t: [], rps: [], failed: [], p50: [], p95: [], p99: [], sessions: [] };
  var charts = null, last = null, current = null, streaming = false;
  var number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

  function say(id, text, kind) { var el = $(id); el.textContent = text; el.className = 'message' + (kind ? ' ' + kind : ''); }
  function headers(body) { var h = { authorization: 'Bearer ' + token }; if (body) h['content-type'] = 'application/json'; return h; }
  function call(method, path, body) {
    return fetch(path, { method: method, headers: headers(body), body: body ? JSON.stringify(body) : undefined }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) { return { status: res.status, ok: res.ok, json: json }; });
    });
  }
  function showLogin(message) {
    streaming = false;
    $('dashboard').hidden = true; $('login').hidden = false;
    say('login-message', message || '', message ? 'error' : '');
  }
  function ms(value) { return value === null || value === undefined ? '-' : number.format(value) + ' ms'; }

  function makeCharts() {
    var width = function (id) { return Math.max(320, $(id).clientWidth - 8); };
    var axis = [{ label: 'elapsed (s)' }, { size: 70 }];
    var opts = function (id, series) { return { width: width(id), height: 220, scales: { x: { time: false } }, axes: axis, series: [{ label: 'elapsed (s)' }].concat(series), legend: { live: false } }; };
    charts = {
      rps: new uPlot(opts('chart-rps', [{ label: 'requests/s', stroke: '#2b6cb0' }, { label: 'failed/s', stroke: '#c53030' }]), [[], [], []], $('chart-rps')),
      latency: new uPlot(opts('chart-latency', [{ label: 'p50', stroke: '#2f855a' }, { label: 'p95', stroke: '#b7791f' }, { label: 'p99', stroke: '#c53030' }]), [[], [], [], []], $('chart-latency')),
      sessions: new uPlot(opts('chart-sessions', [{ label: 'active sessions', stroke: '#6b46c1' }]), [[], []], $('chart-sessions')),
    };
  }

  function render(status, fromStream) {
    current = status;
    $('state').textContent = status.state.replace('_', ' '); $('state').className = 'badge ' + status.state;
    $('model').textContent = status.model;
    $('sessions').textContent = status.sessions.active + ' / ' + status.sessions.target;
    $('rate').textContent = status.rate === null ? '-' : number.format(status.rate) + '/s';
    $('elapsed').textContent = number.format(status.elapsed_ms / 1000) + ' s';
    $('requests').textContent = number.format(status.totals.requests);
    $('failed').textContent = number.format(status.totals.failed);
    $('p50').textContent = ms(status.latency.p50); $('p95').textContent = ms(status.latency.p95); $('p99').textContent = ms(status.latency.p99);
    $('pause').textContent = status.state === 'paused' ? 'Resume' : 'Pause';
    $('rate-input').disabled = $('rate-apply').disabled = status.model !== 'open';
    var rows = Object.keys(status.errors).sort(function (a, b) { return status.errors[b] - status.errors[a]; });
    $('errors-body').innerHTML = '';
    rows.forEach(function (kind) {
      var tr = document.createElement('tr'), a = document.createElement('td'), b = document.createElement('td');
      a.textContent = kind; b.textContent = number.format(status.errors[kind]); b.className = 'n';
      tr.appendChild(a); tr.appendChild(b); $('errors-body').appendChild(tr);
    });
    $('errors-none').hidden = rows.length > 0;
    // Per-second figures from the difference of two snapshots.
    // Charts follow the once-a-second stream only, so their points stay evenly spaced.
    if (!fromStream) return;
    if (last !== null && status.elapsed_ms > last.elapsed_ms) {
      var seconds = (status.elapsed_ms - last.elapsed_ms) / 1000;
      $('rps').textContent = number.format((status.totals.requests - last.totals.requests) / seconds);
      data.t.push(status.elapsed_ms / 1000);
      data.rps.push((status.totals.requests - last.totals.requests) / seconds);
      data.failed.push((status.totals.failed - last.totals.failed) / seconds);
      data.p50.push(status.latency.p50); data.p95.push(status.latency.p95); data.p99.push(status.latency.p99);
      data.sessions.push(status.sessions.active);
      if (data.t.length > 600) Object.keys(data).forEach(function (k) { data[k].shift(); });
      charts.rps.setData([data.t, data.rps, data.failed]);
      charts.latency.setData([data.t, data.p50, data.p95, data.p99]);
      charts.sessions.setData([data.t, data.sessions]);
    }
    last = status;
  }

  function ended() {
    streaming = false;
    $('state').textContent = 'ended'; $('state').className = 'badge ended';
    say('control-message', 'the run has ended: its report is where engine run writes it', 'ok');
    Array.prototype.forEach.call(document.querySelectorAll('.controls button, .controls input'), function (el) { el.disabled = true; });
  }

  function handle(block) {
    var event = 'message', body = '';
    block.split('\\n').forEach(function (line) {
      if (line.indexOf('event: ') === 0) event = line.slice(7);
      else if (line.indexOf('data: ') === 0) body += line.slice(6);
    });
    if (event === 'status') render(JSON.parse(body), true);
    else if (event === 'end') ended();
  }

  function connect() {
    fetch('/v1/events', { headers: headers(false) }).then(function (res) {
      if (res.status === 401) { sessionStorage.removeItem(KEY); return showLogin('that token was not accepted'); }
      if (res.status === 429) return showLogin('too many failed attempts from this address: wait a minute');
      if (!res.ok) { say('control-message', 'the run is not steerable right now (' + res.status + '); retrying', 'error'); return setTimeout(connect, 1000); }
      $('login').hidden = true; $('dashboard').hidden = false;
      if (charts === null) makeCharts();
      streaming = true;
      var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = '';
      var pump = function () {
        return reader.read().then(function (chunk) {
          if (chunk.done) { if (streaming) ended(); return; }
          buffer += decoder.decode(chunk.value, { stream: true });
          var at;
          while ((at = buffer.indexOf('\\n\\n')) >= 0) { handle(buffer.slice(0, at)); buffer = buffer.slice(at + 2); }
          return pump();
        });
      };
      return pump();
    }).catch(function () { if (streaming) ended(); else say('login-message', 'the engine does not answer', 'error'); });
  }

  function change(body, what) {
    call('PATCH', '/v1/run', body).then(function (res) {
      if (res.ok) { render(res.json, false); say('control-message', what, 'ok'); }
      else say('control-message', (res.json.error && res.json.error.message) || ('refused (' + res.status + ')'), 'error');
    });
  }

  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    token = $('token').value.trim();
    if (token === '') return;
    sessionStorage.setItem(KEY, token);
    $('token').value = '';
    connect();
  });
  $('sessions-apply').addEventListener('click', function () { change({ sessions: Number($('sessions-input').value) }, 'sessions set to ' + $('sessions-input').value); });
  $('rate-apply').addEventListener('click', function () { change({ rate: Number($('rate-input').value) }, 'rate set to ' + $('rate-input').value + '/s'); });
  $('pause').addEventListener('click', function () { var pause = !(current && current.state === 'paused'); change({ paused: pause }, pause ? 'paused' : 'resumed'); });
  $('stop').addEventListener('click', function () {
    call('POST', '/v1/stop').then(function (res) {
      say('control-message', res.ok ? 'stopping: in-flight iterations get ' + res.json.graceful_stop_ms + ' ms to finish' : (res.json.error && res.json.error.message) || 'refused', res.ok ? 'ok' : 'error');
    });
  });
  $('logout').addEventListener('click', function () { sessionStorage.removeItem(KEY); location.reload(); });
  if (token) connect(); else showLogin('');
})();
`;

const BODY = `
<header><h1>session-engine control</h1><span class="badge" id="state">-</span><span id="model"></span></header>
<main>
<section id="login" hidden>
  <h2>Control token</h2>
  <p>The token from SESSION_ENGINE_CONTROL_TOKEN, or the one engine run printed once on stderr. It stays in this tab (sessionStorage).</p>
  <form id="login-form"><input id="token" type="password" autocomplete="off" placeholder="token"><p><button class="primary" id="login-button" type="submit">Connect</button></p></form>
  <p class="message" id="login-message"></p>
</section>
<div id="dashboard" hidden>
  <dl class="tiles">
    <div class="tile"><dt>sessions (active / target)</dt><dd id="sessions">-</dd></div>
    <div class="tile"><dt>rate</dt><dd id="rate">-</dd></div>
    <div class="tile"><dt>elapsed</dt><dd id="elapsed">-</dd></div>
    <div class="tile"><dt>requests</dt><dd id="requests">-</dd></div>
    <div class="tile"><dt>requests/s</dt><dd id="rps">-</dd></div>
    <div class="tile"><dt>failed</dt><dd id="failed">-</dd></div>
    <div class="tile"><dt>p50</dt><dd id="p50">-</dd></div>
    <div class="tile"><dt>p95</dt><dd id="p95">-</dd></div>
    <div class="tile"><dt>p99</dt><dd id="p99">-</dd></div>
  </dl>
  <div class="charts">
    <figure><figcaption>Requests and failures per second</figcaption><div id="chart-rps"></div></figure>
    <figure><figcaption>Latency p50 / p95 / p99 since the start (ms)</figcaption><div id="chart-latency"></div></figure>
    <figure><figcaption>Active sessions</figcaption><div id="chart-sessions"></div></figure>
  </div>
  <section><h2>Controls</h2>
    <div class="controls">
      <label>sessions<input id="sessions-input" type="number" min="1" step="1"></label><button id="sessions-apply">Set sessions</button>
      <label>rate (open model)<input id="rate-input" type="number" min="0" step="any"></label><button id="rate-apply">Set rate</button>
      <button id="pause">Pause</button>
      <button class="danger" id="stop">Stop the run</button>
      <button id="logout">Forget the token</button>
    </div>
    <p class="message" id="control-message"></p>
  </section>
  <section><h2>Errors by kind</h2><table><tbody id="errors-body"></tbody></table><p id="errors-none">none</p></section>
</div>
</main>
`;

/** The page and the Content-Security-Policy to send with it (its inline code allowed by a fresh nonce, requests only to this origin). */
export function renderDashboard(): { html: string; csp: string } {
  const nonce = randomBytes(16).toString('base64');
  const { script, style } = uplot();
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    '<title>session-engine control</title>',
    `<style>${inlineSafe(style, 'style')}</style>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    BODY,
    `<script nonce="${nonce}">${inlineSafe(script, 'script')}</script>`,
    `<script nonce="${nonce}">${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // Styles only inline (no nonce: with one, browsers ignore 'unsafe-inline', which uPlot's style attributes need).
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
