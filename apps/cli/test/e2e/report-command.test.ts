/** `engine run --html` and the `engine report` commands, run as a user would. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEngine, useTarget, waitForOutput } from './processes.js';

const target = useTarget();
const dir = mkdtempSync(join(tmpdir(), 'engine-report-cmd-'));

describe('engine run --html and engine report', () => {
  it('--html writes the page after the summary; report html renders the same page from --out; report summary prints the same summary', async () => {
    const json = join(dir, 'run.json');
    const html = join(dir, 'run.html');
    const result = await runEngine(['run', '-t', `${target().url}/status/201`, '-s', '2', '-n', '40', '--out', json, '--html', html]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/session-engine run summary/);
    const page = readFileSync(html, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('data-metric="total" data-value="40">40<');

    const rendered = join(dir, 'again.html');
    const fromJson = await runEngine(['report', 'html', json, '-o', rendered]);
    expect(fromJson.code, fromJson.stderr).toBe(0);
    expect(fromJson.stdout).toMatch(/^wrote .*again\.html \(\d+(\.\d)? KiB\)/);
    // Rendering is a function of the report: the same report gives the same page.
    expect(readFileSync(rendered, 'utf8')).toBe(page);

    const summary = await runEngine(['report', 'summary', json]);
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stdout).toBe(result.stdout);
  });

  it('writes --html when a threshold is crossed (exit 99): the page shows which', async () => {
    const html = join(dir, 'crossed.html');
    const result = await runEngine(['run', '-t', `${target().url}/status/500`, '-s', '2', '-n', '10', '--threshold', 'error_rate<1%', '--threshold', 'total>=10', '--html', html]);
    expect(result.code, result.stderr).toBe(99);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<div class="verdict fail" id="verdict" data-crossed="1">thresholds: 1 of 2 crossed</div>');
    expect(page).toMatch(/<td><code>error_rate&#60;1%<\/code><\/td><td class="num">100%<\/td><td class="crossed">/);
  });

  it('checks --html before sending anything: a missing directory is exit 1', async () => {
    const before = (await target().stats()).total_requests;
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '2', '-n', '10', '--html', join(dir, 'missing', 'r.html')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--html .*r\.html: directory .*missing does not exist/);
    expect((await target().stats()).total_requests).toBe(before);
  });

  it('a failed --html write at the end: exit 1, the summary still on stdout', async () => {
    const gone = mkdtempSync(join(tmpdir(), 'engine-html-gone-'));
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '2', '-d', '1500ms', '--html', join(gone, 'r.html')], {
      onStart: (child) => {
        void waitForOutput(child, /run started/).then(() => rmSync(gone, { recursive: true, force: true }));
      },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/session-engine run summary/);
    expect(result.stderr).toMatch(/could not write the HTML report to --html .*r\.html: .*; the report above is complete/);
  });

  it('bad input to report html and report summary: exit 1 with what is wrong and how to fix it', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "total": 1,\n  oops\n}\n');
    const other = join(dir, 'package.json');
    writeFileSync(other, '{"name": "x", "version": "1.0.0"}');
    const cases: [string[], RegExp][] = [
      [['report', 'summary', join(dir, 'nope.json')], /^error: report file .*nope\.json not found .*; check the path, or write one with engine run --out report\.json/],
      [['report', 'html', join(dir, 'nope.json'), '-o', join(dir, 'x.html')], /^error: report file .*nope\.json not found/],
      [['report', 'summary', bad], /^error: .*bad\.json:3:3: not valid JSON: unexpected "o"; expected a property name in double quotes/],
      [['report', 'html', bad, '-o', join(dir, 'x.html')], /^error: .*bad\.json:3:3: not valid JSON/],
      [['report', 'summary', other], /^error: .*package\.json is not a session-engine report/],
      [['report', 'html', bad], /^error: Missing required flag out\nSee: engine report html --help/],
      [['report', 'summary'], /^error: Missing 1 required arg/],
    ];
    for (const [args, message] of cases) {
      const result = await runEngine(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect(existsSync(join(dir, 'x.html'))).toBe(false);
  });

  it('the report topic and its commands have their own help with examples', async () => {
    const topic = await runEngine(['report', '--help']);
    expect(topic.code).toBe(0);
    expect(topic.stdout).toMatch(/report html\s+Render a saved JSON report as one self-contained HTML page/);
    expect(topic.stdout).toMatch(/report summary\s+Print the text summary of a saved JSON report again/);
    for (const command of ['html', 'summary']) {
      const help = await runEngine(['report', command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`EXAMPLES[\\s\\S]*\\$ engine report ${command} report\\.json`));
    }
  });
});
