import { describe, expect, it } from 'vitest';
import { closedRow, renderMarkdown } from '../src/report.mjs';
import { ratios, summarise } from '../src/stats.mjs';

const meta = {
  date: '2026-01-02T03:04:05.000Z',
  args: '--runs 2',
  machine: { nproc: 2, cpu: 'Test CPU', memGiB: 4, os: 'Linux', loadStart: '0.10 0.20 0.30', loadEnd: '0.40 0.50 0.60' },
  versions: { node: 'v20.0.0', target: 'nginx/1.0', wrk: 'wrk 4.1.0', autocannon: '8.0.0', engine: '0.1.0' },
  target: 'nginx',
  cores: { target: 0, generator: 1 },
  pinned: true,
  durationS: 5,
  runs: 2,
  notes: ['a note'],
};

const records = [
  { scenario: 'closed-50', kind: 'closed', tool: 'engine', rps: 1000, reqPerCpuS: 2000, requests: 5000, p50Ms: 1.234, p99Ms: 5, errors: 0, peakRssKiB: 2048 },
  { scenario: 'closed-50', kind: 'closed', tool: 'engine', rps: 3000, reqPerCpuS: 4000, requests: 15000, p50Ms: 1.5, p99Ms: 6, errors: 0, peakRssKiB: 2048 },
  { scenario: 'closed-50', kind: 'closed', tool: 'autocannon', rps: 2000, reqPerCpuS: 3000, requests: 10000, p50Ms: 1, p99Ms: 4, errors: 0 },
  { scenario: 'open-5k', kind: 'open', tool: 'engine', rate: 5000, achievedRate: 4990, rateErrorPct: -0.2, requests: 1, p50Ms: 1, p99Ms: 2, errors: 0, dropped: 3 },
  { scenario: 'idle-500', kind: 'idle', tool: 'engine', scenarioSessions: 500, rssPerSessionKiB: 10.5, heapPerSessionKiB: 6.25, sockets: 500, cookies: 500, totalRssKiB: 102400, errors: 0 },
  { scenario: 'idle-500', kind: 'idle', tool: 'engine', failure: 'engine idle runner failed' },
];

describe('renderMarkdown', () => {
  const groups = summarise(records);
  const md = renderMarkdown({ meta, groups, ratios: ratios(groups) });

  it('states the machine, versions, pinning and method', () => {
    expect(md).toContain('2 CPUs (Test CPU), 4.0 GiB RAM');
    expect(md).toContain('load average at start 0.10 0.20 0.30, at end 0.40 0.50 0.60');
    expect(md).toContain('node v20.0.0, nginx/1.0, wrk 4.1.0, autocannon 8.0.0, engine 0.1.0');
    expect(md).toContain('pinned to CPU 0; generators pinned to CPU 1');
    expect(md).toContain('2 run(s) of 5 s');
  });

  it('shows medians with min-max ranges and the engine/peer ratios', () => {
    expect(md).toContain('| closed-50 | engine | 2,000 (1,000-3,000) | 3,000 (2,000-4,000) |');
    expect(md).toContain('| closed-50 | autocannon | 2,000 | 3,000 |');
    expect(md).toContain('| closed-50 | engine | autocannon | 1.00x | 1.00x |');
  });

  it('has open-model and idle tables, failed runs and notes', () => {
    expect(md).toContain('| open-5k | engine | 5,000 | 4,990 | -0.20 |');
    expect(md).toContain('| idle-500 | 500 | 10.5 | 6.3 | 500 | 500 | 100.0 | 0 | 1/2 |');
    expect(md).toContain('- idle-500 engine: engine idle runner failed');
    expect(md).toContain('- a note');
  });

  it('says whether the open model measured connected sessions or a cold start', () => {
    expect(md).toContain("Cold start (`--open-cold`): the engine's sessions open their connections inside the window.");
    const warm = renderMarkdown({ meta: { ...meta, openWarm: true }, groups, ratios: ratios(groups) });
    expect(warm).toContain('Before the window each engine session made one request');
    expect(warm).not.toContain('Cold start (`--open-cold`)');
  });

  it('contains the closed rows exactly as closedRow renders them (the smoke check relies on it)', () => {
    for (const g of groups.filter((x) => x.kind === 'closed')) expect(md).toContain(`| ${closedRow(g).join(' | ')} |`);
  });
});
