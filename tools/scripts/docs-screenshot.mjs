#!/usr/bin/env node
/**
 * Regenerates docs/images/html-report.png: a short embedded demo run writes
 * its HTML report (`engine run --demo --html`), Debian's chromium opens it
 * from file:// (driven by playwright-core; no browser download) and the top
 * of the page is captured. Run it with `npm run docs:screenshot` (it builds
 * the CLI first). Needs chromium: apt-get install -y chromium, or set
 * CHROMIUM_PATH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const output = join(root, 'docs', 'images', 'html-report.png');
const engine = join(root, 'apps', 'cli', 'bin', 'run.js');

const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path && existsSync(path));
if (!executablePath) {
  console.error('docs:screenshot: chromium not found; install it (apt-get install -y chromium) or set CHROMIUM_PATH');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'docs-screenshot-'));
try {
  const html = join(work, 'report.html');
  // The README's demo, shorter: 200 sessions, login -> /api/me -> /api/counter, 5 s, with two
  // thresholds so the picture shows them. 99 (a threshold crossed on a slow machine) still wrote the page.
  const args = ['run', '--demo', '-d', '5s', '--threshold', 'p(95)<500ms', '--threshold', 'error_rate<1%', '--html', html];
  const run = spawnSync(process.execPath, [engine, ...args], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
  if (run.status !== 0 && run.status !== 99) throw new Error(`engine ${args.join(' ')} exited with ${run.status ?? run.signal}`);

  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const problems = [];
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    if (problems.length > 0) throw new Error(`the report page logged errors:\n${problems.join('\n')}`);
    // From the top to the end of the per-step table: headline, thresholds, charts, latency, steps.
    const steps = await page.locator('#steps').boundingBox();
    if (!steps) throw new Error('the report page has no #steps section');
    mkdirSync(dirname(output), { recursive: true });
    await page.screenshot({ path: output, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(steps.y + steps.height + 16) } });
  } finally {
    await browser.close();
  }
  console.error(`docs:screenshot: wrote ${output}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
