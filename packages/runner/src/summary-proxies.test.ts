import { describe, expect, it } from 'vitest';
import type { ProxyReport } from '@session-engine/proxy';
import { formatSummary } from './summary.js';
import { testReport } from '../test/report-fixture.js';

function row(overrides: Partial<ProxyReport>): ProxyReport {
  return { proxy: 'http://10.0.0.1:8080', source: 'p.txt', line: 1, weight: 1, requests: 10, failed: 0, failovers: 0, circuit: 'closed', unhealthy_ms: 0, ...overrides };
}

function summary(proxies: ProxyReport[]): string {
  return formatSummary(
    testReport({ proxies }),
  );
}

describe('formatSummary: proxies', () => {
  it('counts the circuits at the end, the failovers and the connection failures', () => {
    const text = summary([row({}), row({ line: 2, circuit: 'open', failed: 3, failovers: 2 }), row({ line: 3, circuit: 'removed', failovers: 1 }), row({ line: 4, circuit: 'half_open' })]);
    expect(text).toMatch(/^ {2}proxies {5}4: 1 closed, 1 half-open, 1 open, 1 removed at the end {3}failovers 3 {3}connection failures 3$/m);
  });

  it('has no proxies line without proxies', () => {
    expect(summary([])).not.toMatch(/proxies/);
  });
});
