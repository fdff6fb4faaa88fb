import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript, renderHtmlReport } from './html-report.js';
import type { RunReport } from './report.js';

/** A report written by a real `engine run --demo -s 20 -d 3s --out`. */
const demo = JSON.parse(readFileSync(new URL('../test/fixtures/demo-report.json', import.meta.url), 'utf8')) as RunReport;

/** The text of `<script ...>` elements, in order. */
const scripts = (html: string): string[] => [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => `${m[1]}|${m[2]!.slice(0, 40)}`);

describe('escaping', () => {
  it('escapes text for HTML content and attributes', () => {
    expect(escapeHtml(`<b a="1">&'`)).toBe('&#60;b a=&#34;1&#34;&#62;&#38;&#39;');
  });

  it('keeps JSON inside a <script> element: no "<", ">" or "&" left, and it parses back unchanged', () => {
    const value = { name: '</script><script>alert(1)</script>', c: '<!-- & -->', line: '\u2028' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('renderHtmlReport', () => {
  it('is one document whose scripts are only the inlined library, its setup and the data', () => {
    const html = renderHtmlReport(demo);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Nothing is loaded from anywhere: no src, no stylesheet link, a CSP that forbids fetching.
    expect(html).not.toMatch(/\s(src|srcset)\s*=/i);
    expect(html).not.toMatch(/<link[^>]+rel="stylesheet"/i);
    expect(html).toContain(`content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"`);
    const found = scripts(html);
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^ type="application\/json" id="chart-data"\|/);
    expect(found[1]).toMatch(/uPlot/);
    const data = JSON.parse(/<script type="application\/json" id="chart-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { t: number[]; charts: { id: string; values: (number | null)[][] }[] };
    expect(data.t).toEqual(demo.timeline.map((e) => e.t));
    expect(data.charts.map((c) => c.id)).toEqual(['chart-throughput', 'chart-latency', 'chart-sessions']);
    expect(data.charts[0]!.values[0]).toEqual(demo.timeline.map((e) => e.rps));
    expect(data.charts[2]!.values[0]).toEqual(demo.timeline.map((e) => e.active_sessions));
    // Per-step rows in the scenario's order.
    expect([...html.matchAll(/<tr><td>(login|me|counter)<\/td>/g)].map((m) => m[1])).toEqual(['login', 'me', 'counter']);
  });

  it('renders markup in report values as text, never as elements', () => {
    const report = { ...demo, target: 'http://x/<img src=x onerror=alert(1)>', steps: { '</script><b>': demo.steps['me']! }, config: { note: '</pre><i>' } };
    const html = renderHtmlReport(report);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('</script><b>');
    expect(html).not.toContain('</pre><i>');
    expect(html).toContain('&#60;/script&#62;&#60;b&#62;');
    expect(scripts(html)).toHaveLength(3);
  });

  it('shows thresholds with their values and a verdict, and checks with pass rates, when the report has them', () => {
    const report = {
      ...demo,
      thresholds: [
        { expr: 'p(95)<300ms', value: 2.1, ok: true },
        { expr: 'error_rate<1%', value: 0.025, ok: false },
        { expr: 'p(99){step:never}<1s', value: null, ok: false },
      ],
      checks: { 'me.status is 200': { passes: 99, fails: 1 } },
    } as RunReport;
    const html = renderHtmlReport(report);
    expect(html).toMatch(/<div class="verdict fail" id="verdict" data-crossed="2">thresholds: 2 of 3 crossed<\/div>/);
    expect(html).toMatch(/<td><code>p\(95\)&#60;300ms<\/code><\/td><td class="num">2.10 ms<\/td><td class="ok">✓ pass<\/td>/);
    expect(html).toMatch(/<td><code>error_rate&#60;1%<\/code><\/td><td class="num">2.5%<\/td><td class="crossed">✗ fail<\/td>/);
    expect(html).toMatch(/<td><code>p\(99\)\{step:never\}&#60;1s<\/code><\/td><td class="num">no data<\/td><td class="crossed">/);
    expect(html).toMatch(/<td>me.status is 200<\/td><td class="num">99<\/td><td class="num">1<\/td><td class="num">99.0%<\/td>/);
    expect(html).toContain('data-metric="checks" data-value="0.99">99.0%');

    const passing = renderHtmlReport({ ...report, thresholds: [{ expr: 'rps>1', value: 5, ok: true }] } as RunReport);
    expect(passing).toContain('thresholds: all 1 passed');
  });

  it('shows the session state in a tile: restored, saved, and a failed final save in red', () => {
    const state = { kind: 'file', location: 'state.json', name: null, reset: false, restored: 20, proxies_replaced: 0, saved: 20, saves: 3, errors: 0, final_saved: true, last_error: null } as const;
    expect(renderHtmlReport({ ...demo, session_state: state })).toMatch(
      /<div class="tile"><dt>session state<\/dt><dd data-metric="session_state.restored" data-value="20">20 restored<\/dd><dd class="note">20 saved<\/dd>/,
    );
    expect(renderHtmlReport({ ...demo, session_state: { ...state, final_saved: false, errors: 3 } })).toMatch(/<div class="tile bad"><dt>session state<\/dt>.*final save failed/);
    expect(renderHtmlReport(demo)).not.toContain('session state');
  });

  it('notes pre-connected sessions in the sessions tile when the report has them', () => {
    const tile = (html: string): string => /<div class="tile[^"]*"><dt>sessions<\/dt>.*?<\/div>/.exec(html)?.[0] ?? '';
    const sessions = { configured: 20, created: 20, failed_to_create: 0, preconnected: 18 };
    expect(tile(renderHtmlReport({ ...demo, sessions }))).toMatch(/data-value="20">20<\/dd><dd class="note">18 pre-connected<\/dd>/);
    expect(tile(renderHtmlReport({ ...demo, sessions: { ...sessions, created: 17, failed_to_create: 3 } }))).toMatch(
      /^<div class="tile bad">.*<dd class="note">18 pre-connected, 3 failed to start<\/dd>/,
    );
    // The demo fixture predates the field: no note.
    expect(tile(renderHtmlReport(demo))).not.toContain('note');
    expect(tile(renderHtmlReport(demo))).toContain('data-metric="sessions.created"');
  });

  it('notes the warm-up beside the startup in the duration tile, apart from every figure', () => {
    const tile = (html: string): string => /<div class="tile[^"]*"><dt>duration<\/dt>.*?<\/div>/.exec(html)?.[0] ?? '';
    const warmup = { duration: 2, iterations: 4000, requests: 4000, failed: 3, dropped: 0 };
    expect(tile(renderHtmlReport({ ...demo, startup: 2.6, warmup }))).toMatch(
      /<dd class="note">startup 2\.6 s \(warm-up 2\.0 s: 4,000 requests, 3 failed, not counted here\)<\/dd>/,
    );
    expect(tile(renderHtmlReport({ ...demo, startup: 0.6 }))).toMatch(/<dd class="note">startup 0\.6 s<\/dd>/);
  });

  it('leaves thresholds and checks out for reports without them', () => {
    const html = renderHtmlReport(demo);
    expect(html).not.toContain('id="verdict"');
    expect(html).not.toContain('id="thresholds"');
    expect(html).not.toContain('id="checks"');
  });

  it('says so instead of drawing charts when the timeline is empty', () => {
    const html = renderHtmlReport({ ...demo, timeline: [] });
    expect(html).toContain('no timeline in this report');
    expect(scripts(html)).toHaveLength(0);
  });
});
