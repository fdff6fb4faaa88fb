import { Metrics } from '@session-engine/metrics';
import type { ProxyReport } from '@session-engine/proxy';
import { describe, expect, it } from 'vitest';
import { mergeReports } from '../merge-reports.js';
import type { LiveSnapshot } from '../run.js';
import { mergeLive, mergeLiveProxies } from './live.js';
import { testReport } from '../../test/report-fixture.js';

const proxyRow = (line: number, figures: Partial<ProxyReport>): ProxyReport => ({
  proxy: `http://***:***@127.0.0.1:80${line}0`,
  source: 'proxies.txt',
  line,
  weight: 1,
  requests: 0,
  failed: 0,
  failovers: 0,
  circuit: 'closed',
  unhealthy_ms: 0,
  ...figures,
});

const live = (proxies?: ProxyReport[]): LiveSnapshot => ({
  phase: 'load',
  elapsed_ms: 1000,
  planned_ms: 5000,
  iterations: 1,
  planned_iterations: 0,
  state: 'running',
  metrics: new Metrics().snapshot(),
  ...(proxies ? { proxies } : {}),
});

// Thread 0 sees proxy 1 healthy and proxy 2 half-open; thread 1 has opened proxy 1's circuit.
const thread0 = [proxyRow(1, { requests: 10, failed: 1, unhealthy_ms: 0 }), proxyRow(2, { requests: 7, failovers: 1, circuit: 'half_open', unhealthy_ms: 1500 })];
const thread1 = [proxyRow(1, { requests: 20, failed: 4, failovers: 2, circuit: 'open', unhealthy_ms: 2500 }), proxyRow(2, { requests: 3, unhealthy_ms: 500 })];

/** The sample lines of one series, without HELP/TYPE. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`));
}

describe('per-proxy rows across threads', () => {
  it('adds counts, keeps the longest time unhealthy and the least healthy circuit', () => {
    const merged = mergeLive([live(thread0), live(thread1)], 0).proxies;
    expect(merged).toEqual([
      proxyRow(1, { requests: 30, failed: 5, failovers: 2, circuit: 'open', unhealthy_ms: 2500 }),
      proxyRow(2, { requests: 10, failovers: 1, circuit: 'half_open', unhealthy_ms: 1500 }),
    ]);
  });

  it('has the figures of the merged report', () => {
    const report = (proxies: ProxyReport[]) =>
      testReport({ proxies });
    expect(mergeLiveProxies([live(thread0), live(thread1)])).toEqual(mergeReports([report(thread0), report(thread1)]).proxies);
  });

  it('leaves proxies out when no thread has a proxy list', () => {
    expect(mergeLive([live(), live()], 0)).not.toHaveProperty('proxies');
    // A thread without its first snapshot's rows yet counts as none.
    expect(mergeLive([live(thread0), live()], 0).proxies).toEqual(mergeLiveProxies([live(thread0)]));
  });

  it('serves the merged rows as the per-proxy Prometheus series of one thread, same names and help', async () => {
    const merged = new Metrics();
    merged.trackProxies(() => mergeLiveProxies([live(thread0), live(thread1)]));
    const text = await merged.prometheus();
    expect(samples(text, 'session_engine_proxy_requests_total')).toEqual([
      'session_engine_proxy_requests_total{proxy="http://***:***@127.0.0.1:8010",line="1"} 30',
      'session_engine_proxy_requests_total{proxy="http://***:***@127.0.0.1:8020",line="2"} 10',
    ]);
    expect(samples(text, 'session_engine_proxy_failures_total')).toContain('session_engine_proxy_failures_total{proxy="http://***:***@127.0.0.1:8010",line="1"} 5');
    expect(samples(text, 'session_engine_proxy_failovers_total')).toContain('session_engine_proxy_failovers_total{proxy="http://***:***@127.0.0.1:8010",line="1"} 2');
    expect(samples(text, 'session_engine_proxy_unhealthy_seconds_total')).toContain(
      'session_engine_proxy_unhealthy_seconds_total{proxy="http://***:***@127.0.0.1:8010",line="1"} 2.5',
    );
    expect(samples(text, 'session_engine_proxy_circuit_state')).toEqual(
      expect.arrayContaining([
        'session_engine_proxy_circuit_state{proxy="http://***:***@127.0.0.1:8010",line="1",state="open"} 1',
        'session_engine_proxy_circuit_state{proxy="http://***:***@127.0.0.1:8010",line="1",state="closed"} 0',
        'session_engine_proxy_circuit_state{proxy="http://***:***@127.0.0.1:8020",line="2",state="half_open"} 1',
      ]),
    );
    // HELP and TYPE lines as one thread's registry writes them, so dashboards and alerts work either way.
    const single = new Metrics();
    single.trackProxies(() => thread0);
    const meta = (t: string) => t.split('\n').filter((line) => /^# (HELP|TYPE) session_engine_proxy_/.test(line));
    expect(meta(text)).toEqual(meta(await single.prometheus()));
    expect(meta(text)).toHaveLength(10);
  });
});
