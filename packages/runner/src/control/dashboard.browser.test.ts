/**
 * The live dashboard in a real browser (Debian's chromium, driven by
 * playwright-core): a real open-model run() serving the control API on
 * loopback; the page logs in with the token, shows the numbers moving,
 * changes the rate and stops the run. Without chromium the test skips with
 * its reason locally and fails in CI (CI=true), where .ci/run installs it.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import type { RunReport } from '../report.js';
import { run } from '../run.js';

function findChromium(): string | undefined {
  const candidates = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

const executablePath = findChromium();
const MISSING = 'chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)';
const TOKEN = 'dashboard-test-token-0123456789abcdef';
/** Page state is read from the test's side every 100 ms, for up to 15 s. */
const POLL = { interval: 100, timeout: 15_000 };

let target: Server | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  target = createServer((req, res) => res.end(req.url === '/fail' ? '' : 'ok'));
  await new Promise<void>((resolve) => target!.listen(0, '127.0.0.1', resolve));
  if (executablePath !== undefined) browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
});

/** A 60 s run() against the test's target serving the control API on a free port; resolves once it listens. */
async function startRun(overrides: Record<string, unknown>): Promise<{ running: Promise<RunReport>; url: string }> {
  const { port } = target!.address() as AddressInfo;
  const config = await loadConfig({
    overrides: { target_url: `http://127.0.0.1:${port}`, duration: '60s', graceful_stop: '2s', control_port: 0, log_level: 'warn', ...overrides },
  });
  let url: string | undefined;
  const running = run({ config, controlToken: TOKEN, logger: createLogger({ level: 'error' }), onControlApi: (api) => (url = api.url) });
  for (let i = 0; i < 200 && url === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (url === undefined) throw new Error('the control API did not start listening within 5 s');
  return { running, url };
}

describe('the control dashboard in chromium', () => {
  it.skipIf(executablePath === undefined && process.env['CI'] !== 'true')(`logs in with the token, shows live numbers, changes the rate and stops the run${executablePath ? '' : ` (skipped: ${MISSING})`}`, async () => {
    if (browser === undefined) throw new Error(MISSING);
    const { running, url } = await startRun({ number_of_sessions: 20, rate: 20 });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        // The wrong token's 401 is the browser's own note of an answer the test asked for.
        if (message.type() === 'error' && !message.text().includes('status of 401')) problems.push(message.text());
      });
      await page.goto(url, { waitUntil: 'load' });

      // A wrong token is refused, the right one connects.
      await page.fill('#token', 'wrong');
      await page.click('#login-button');
      await expect.poll(() => page.textContent('#login-message'), POLL).toContain('not accepted');
      await page.fill('#token', TOKEN);
      await page.click('#login-button');
      await page.waitForSelector('#dashboard:not([hidden])');
      expect(await page.evaluate(`sessionStorage.getItem('session-engine-control-token')`)).toBe(TOKEN);

      // The numbers move.
      const requests = async (): Promise<number> => Number((await page.textContent('#requests'))?.replace(/,/g, '') ?? 'NaN');
      await expect.poll(requests, POLL).toBeGreaterThan(0);
      const first = await requests();
      await expect.poll(requests, POLL).toBeGreaterThan(first);
      expect(await page.textContent('#model')).toBe('open');
      expect(await page.textContent('#rate')).toBe('20/s');
      // Charts are drawn (uPlot canvases) once two snapshots arrived.
      await expect.poll(() => page.locator('#chart-rps canvas').count(), POLL).toBeGreaterThan(0);

      // Change the rate through the form.
      await page.fill('#rate-input', '80');
      await page.click('#rate-apply');
      await expect.poll(() => page.textContent('#rate'), POLL).toBe('80/s');
      expect(await page.textContent('#control-message')).toContain('rate set to 80/s');

      // Stop: the run ends with a report; the page says so.
      await page.click('#stop');
      const report = await running;
      expect(report.reason).toBe('stopped');
      expect(report.total).toBeGreaterThan(first);
      await expect.poll(() => page.textContent('#state'), POLL).toBe('ended');
      expect(problems).toEqual([]);
    } finally {
      await running.catch(() => undefined);
    }
  }, 60_000);

  it.skipIf(executablePath === undefined && process.env['CI'] !== 'true')(`shows a warm-up as warming up, with its numbers moving, and stops the run from it${executablePath ? '' : ` (skipped: ${MISSING})`}`, async () => {
    if (browser === undefined) throw new Error(MISSING);
    const { running, url } = await startRun({ number_of_sessions: 4, warmup: '60s' });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(url, { waitUntil: 'load' });
      await page.evaluate(`sessionStorage.setItem('session-engine-control-token', ${JSON.stringify(TOKEN)})`);
      await page.reload({ waitUntil: 'load' });
      await page.waitForSelector('#dashboard:not([hidden])');
      await expect.poll(() => page.textContent('#state'), POLL).toBe('warming up');
      const requests = async (): Promise<number> => Number((await page.textContent('#requests'))?.replace(/,/g, '') ?? 'NaN');
      await expect.poll(requests, POLL).toBeGreaterThan(0);
      // A change waits for the window: the page shows the engine's reason.
      await page.click('#pause');
      await expect.poll(() => page.textContent('#control-message'), POLL).toContain('warming up');
      await page.click('#stop');
      const report = await running;
      expect(report).toMatchObject({ reason: 'stopped', total: 0 });
      expect(report.warmup!.requests).toBeGreaterThan(0);
      await expect.poll(() => page.textContent('#state'), POLL).toBe('ended');
      expect(problems).toEqual([]);
    } finally {
      await running.catch(() => undefined);
    }
  }, 60_000);
});
