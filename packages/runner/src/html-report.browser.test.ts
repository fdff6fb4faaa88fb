/**
 * The HTML report opened in a real browser (Debian's chromium, driven by
 * playwright-core; no browser download): a real run against a loopback
 * server, rendered to a file, opened from file://. Without chromium the test
 * skips with its reason locally and fails in CI (CI=true), where .ci/run
 * installs it.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { renderHtmlReport } from './html-report.js';
import type { RunReport } from './report.js';
import { run } from './run.js';
import { formatMs } from './summary.js';

/** CHROMIUM_PATH, else where Debian and Ubuntu install it. */
function findChromium(): string | undefined {
  const candidates = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

const executablePath = findChromium();
const MISSING = 'chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)';

let server: Server | undefined;
let report: RunReport;
let browser: Browser | undefined;
const dir = mkdtempSync(join(tmpdir(), 'html-report-'));

beforeAll(async () => {
  // A target with two steps and some failures, so every part of the page has data.
  let requests = 0;
  server = createServer((req, res) => {
    requests += 1;
    if (req.url === '/login') {
      res.setHeader('content-type', 'application/json');
      res.end('{"token":"t-1"}');
    } else if (requests % 13 === 0) {
      res.statusCode = 503;
      res.end('busy');
    } else {
      res.end('ok');
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = await loadConfig({
    overrides: {
      target_url: `http://127.0.0.1:${port}`,
      number_of_sessions: 4,
      duration: '1500ms',
      timeline_interval: '250ms',
      max_retries: 0,
      log_level: 'error',
      // Markup in a config value must reach the page as text.
      headers: { 'x-note': '</script><b>u</b>' },
      // One that holds and one that the 503s cross; a check that every 13th request fails.
      thresholds: ['p(95)<10s', 'error_rate<1%'],
      scenario: [
        { name: 'login', method: 'POST', path: '/login', json: { user: 'u' }, capture: { token: { json: '$.token' } } },
        { name: 'items', path: '/items', headers: { authorization: 'Bearer {{token}}' }, checks: [{ name: 'is 200', status: 200 }] },
      ],
    },
  });
  report = await run({ config, logMetrics: false, logger: createLogger({ level: 'error' }) });
  if (executablePath !== undefined) browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

describe('HTML report in chromium', () => {
  it('opens offline without errors, draws every chart and shows the report\'s numbers', async (ctx) => {
    if (executablePath === undefined) {
      if (process.env['CI']) throw new Error(`${MISSING}: CI must run the browser test`);
      console.warn(`skipped: ${MISSING}`);
      ctx.skip(MISSING);
    }
    // The run produced what the page shows: several intervals, two steps, failures.
    expect(report.timeline.length).toBeGreaterThan(2);
    expect(report.failed).toBeGreaterThan(0);
    expect(report.thresholds.map((t) => t.ok)).toEqual([true, false]);
    expect(report.checks['items.is 200']?.fails).toBeGreaterThan(0);

    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtmlReport(report));
    const url = pathToFileURL(file).href;
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requested: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(url, { waitUntil: 'load' });

    // Every chart: a canvas of non-zero size with something drawn on it.
    for (const id of ['chart-throughput', 'chart-latency', 'chart-sessions']) {
      const canvas = page.locator(`#${id} canvas`).first();
      const box = await canvas.boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.width, id).toBeGreaterThan(100);
      expect(box!.height, id).toBeGreaterThan(100);
      const painted = await canvas.evaluate((element) => {
        // No DOM types in this project: the canvas, as far as the count needs it.
        const c = element as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
        const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) n += 1;
        return n;
      });
      expect(painted, `${id} has drawn pixels`).toBeGreaterThan(1000);
    }

    // The headline shows the report's numbers.
    const metrics = Object.fromEntries(
      await page.locator('[data-metric]').evaluateAll((elements) => elements.map((e) => [e.getAttribute('data-metric'), [e.textContent, e.getAttribute('data-value')]])),
    ) as Record<string, [string, string]>;
    const count = (text: string): number => Number(text.replace(/[^\d.]/g, ''));
    expect(count(metrics['total']![0])).toBe(report.total);
    expect(count(metrics['success']![0])).toBe(report.success);
    expect(count(metrics['failed']![0])).toBe(report.failed);
    expect(count(metrics['sessions.created']![0])).toBe(report.sessions.created);
    expect(count(metrics['iterations']![0])).toBe(report.iterations);
    expect(count(metrics['rps']![0])).toBe(Math.round(report.rps * 10) / 10);
    expect(metrics['duration']![0]).toBe(`${report.duration.toFixed(1)} s`);
    expect(metrics['error_rate']![0]).toBe(`${((report.failed / report.total) * 100).toFixed(1)}%`);
    for (const p of ['p50', 'p95', 'p99'] as const) expect(metrics[`latency.${p}`]![0]).toBe(formatMs(report.latency[p]));
    expect(Number(metrics['total']![1])).toBe(report.total);
    expect(await page.locator('#target').textContent()).toBe(report.target);
    expect(await page.locator('#steps-table tbody tr').count()).toBe(2);
    // Thresholds: the verdict and one row each; checks with the report's counts.
    expect(await page.locator('#verdict').textContent()).toBe('thresholds: 1 of 2 crossed');
    expect(await page.locator('#thresholds-table tbody tr').allTextContents()).toEqual([
      expect.stringMatching(/^p\(95\)<10s.*✓ pass$/),
      expect.stringMatching(/^error_rate<1%.*✗ fail$/),
    ]);
    const check = report.checks['items.is 200']!;
    expect(await page.locator('#checks-table tbody tr').allTextContents()).toEqual([
      `items.is 200${check.passes.toLocaleString('en-US')}${check.fails.toLocaleString('en-US')}${((check.passes / (check.passes + check.fails)) * 100).toFixed(1)}%`,
    ]);
    // The header value with markup in it stays text: no element was injected.
    expect(await page.locator('#config-json').textContent()).toContain('"x-note": "</script><b>u</b>"');
    expect(await page.locator('body b').count()).toBe(0);

    expect(problems).toEqual([]);
    // Only the file itself: no script, style, font, image or favicon was fetched.
    expect(requested).toEqual([url]);
    await page.close();
  }, 60_000);
});
