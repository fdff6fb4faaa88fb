#!/usr/bin/env node
/**
 * Regenerates docs/images/control-dashboard.png: the embedded demo runs with
 * the control API (`engine run --demo --control-port 0`), Debian's chromium
 * (driven by playwright-core; no browser download) opens the dashboard,
 * logs in with the token, waits for a few seconds of charts and captures the
 * page; then the run is stopped through the API. Run it with
 * `npm run docs:dashboard-screenshot` (it builds the CLI first). Needs
 * chromium: apt-get install -y chromium, or set CHROMIUM_PATH.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const output = join(root, 'docs', 'images', 'control-dashboard.png');
const engine = join(root, 'apps', 'cli', 'bin', 'run.js');

const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path && existsSync(path));
if (!executablePath) {
  console.error('docs:dashboard-screenshot: chromium not found; install it (apt-get install -y chromium) or set CHROMIUM_PATH');
  process.exit(1);
}

const token = randomBytes(24).toString('base64url');
// The demo's login scenario, 100 sessions, long enough for the picture; stopped through the API below.
const child = spawn(process.execPath, [engine, 'run', '--demo', '-s', '100', '-d', '60s', '--control-port', '0', '--json'], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, NO_COLOR: '1', SESSION_ENGINE_CONTROL_TOKEN: token },
});
const exited = new Promise((resolve) => child.once('exit', resolve));
try {
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no control API URL on stderr:\n${seen}`)), 30_000);
    child.stderr.on('data', (chunk) => {
      seen += chunk.toString();
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"control API listening"/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`engine exited (${code}) before its control API listened:\n${seen}`)));
  });

  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
    const problems = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(url, { waitUntil: 'load' });
    await page.fill('#token', token);
    await page.click('#login-button');
    await page.waitForSelector('#dashboard:not([hidden])');
    // A few seconds of history in the charts, with one live change in them.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await page.fill('#sessions-input', '150');
    await page.click('#sessions-apply');
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    if (problems.length > 0) throw new Error(`the dashboard logged errors:\n${problems.join('\n')}`);
    mkdirSync(dirname(output), { recursive: true });
    await page.screenshot({ path: output, fullPage: true });
  } finally {
    await browser.close();
  }
  await fetch(`${url}/v1/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  await exited;
  console.error(`docs:dashboard-screenshot: wrote ${output}`);
} finally {
  if (child.exitCode === null) child.kill('SIGINT');
}
