/**
 * Before the load: the fd-limit check stops a run that cannot fit before any
 * request, and startup (script, sessions, ...) is reported apart from the
 * load window that `duration` measures.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig, type ConfigInput } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { Metrics } from '@session-engine/metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReport, formatSummary, mergeReports, run, type ReportInput, type RunReport } from '../src/index.js';
import { linuxFdLimits } from '../src/fd-limit.js';
import { startServer, type TestServer } from './server.js';

let server: TestServer;

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  await server.close();
});

function quietLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'warn', destination }), text: () => lines.join('') };
}

function config(overrides: Partial<ConfigInput> & Record<string, unknown>) {
  return parseConfig({ target_url: server.url, number_of_sessions: 2, log_level: 'warn', ...overrides });
}

function reportInput(overrides: Partial<ReportInput> = {}): ReportInput {
  const metrics = new Metrics();
  metrics.recordSuccess(200, 1_000, 10);
  return {
    engine: 't',
    startedAt: new Date('2026-01-01T00:00:00.000Z'),
    finishedAt: new Date('2026-01-01T00:00:05.000Z'),
    reason: 'duration',
    model: 'closed',
    target: 'http://127.0.0.1:1',
    iterations: 1,
    failedIterations: 0,
    interruptedIterations: 0,
    snapshot: metrics.snapshot(),
    sessions: { configured: 1, created: 1, failed_to_create: 0 },
    failureReasons: new Map(),
    timeline: [],
    config: {},
    ...overrides,
  };
}

describe('run(): startup is reported apart from the load window', () => {
  it('a script that takes 1 s to load is startup; duration is the 500 ms of load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-startup-'));
    const script = join(dir, 'slow-load.mjs');
    writeFileSync(
      script,
      'await new Promise((resolve) => setTimeout(resolve, 1000));\n' + "export default async (session, ctx) => { await ctx.request({ path: '/' }); };\n",
    );
    const began = performance.now();
    const report = await run({ config: config({ script, duration: '500ms' }), logger: quietLogger().logger });
    const wallSeconds = (performance.now() - began) / 1000;
    expect(report.reason).toBe('duration');
    expect(report.total).toBeGreaterThan(0);
    expect(report.startup).toBeGreaterThanOrEqual(1);
    // The load window: 500 ms and the last fast request, not the second of loading before it.
    expect(report.duration).toBeGreaterThanOrEqual(0.5);
    expect(report.duration).toBeLessThan(1);
    expect(Date.parse(report.finished_at) - Date.parse(report.started_at)).toBeCloseTo(report.duration * 1000, -1);
    expect(report.startup + report.duration).toBeLessThanOrEqual(wallSeconds);
    expect(report.rps).toBeCloseTo(report.total / report.duration, 0);
  });

  /** What the server had when the load window was about to open (run()'s startGate: where a thread reports ready). */
  async function atStartGate(expectedOpen: number) {
    const seen = { open: -1, requests: -1 };
    const startGate = async (): Promise<void> => {
      // The server's accept can trail the client's connect by a turn of the event loop.
      for (let i = 0; i < 200 && server.openSockets() < expectedOpen; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      seen.open = server.openSockets();
      seen.requests = server.requests();
    };
    return { seen, startGate };
  }

  it("first connects are startup: every session's connection is open before the load window, no request made yet", async () => {
    const gate = await atStartGate(3);
    const report = await run({ config: config({ number_of_sessions: 3, iterations: 6 }), logger: quietLogger().logger, startGate: gate.startGate });
    expect(gate.seen).toEqual({ open: 3, requests: 0 });
    expect(report.sessions).toMatchObject({ created: 3, preconnected: 3 });
    expect(report.total).toBe(6);
  });

  it('preconnect: false leaves connecting to the first requests, in the load window', async () => {
    const gate = await atStartGate(0);
    const report = await run({ config: config({ number_of_sessions: 3, iterations: 6, preconnect: false }), logger: quietLogger().logger, startGate: gate.startGate });
    expect(gate.seen).toEqual({ open: 0, requests: 0 });
    expect(report.sessions).toMatchObject({ created: 3, preconnected: 0 });
    expect(report.total).toBe(6);
  });
});

// This process's real limits; the test needs a hard limit small enough to ask for more sessions than it allows.
const limits = process.platform === 'linux' ? linuxFdLimits().read() : undefined;
const testable = limits !== undefined && Number.isFinite(limits.hard) && limits.hard <= 1_000_000;

describe.runIf(testable)('run(): the file-descriptor limit', () => {
  it('rejects a run with more sessions than the hard limit allows before any request, with the numbers', async () => {
    const { soft, hard } = limits!;
    const started = performance.now();
    const failure = await run({ config: config({ number_of_sessions: hard, duration: '5s' }), logger: quietLogger().logger }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'SE_ERR_RUNNER_FD_LIMIT', needed: hard + 64, hard, soft: hard });
    expect((failure as Error).message).toContain(`needs at least ${hard + 64} file descriptors (${hard} sessions x 1 connection + 64 for the engine)`);
    expect(soft).toBeLessThanOrEqual(hard);
    // Nothing was created or sent: it failed before making sessions (hundreds of thousands would take minutes).
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.requests()).toBe(0);
  });

  it('lets a run that fits go on', async () => {
    const report = await run({ config: config({ number_of_sessions: 3, iterations: 6 }), logger: quietLogger().logger });
    expect(report).toMatchObject({ total: 6, failed: 0 });
  });
});

describe('the startup field in reports', () => {
  it('buildReport keeps it in seconds to the millisecond; the summary shows it on the duration line', () => {
    const report = buildReport(reportInput({ startup: 1.23456 }));
    expect(report.startup).toBe(1.235);
    expect(report.duration).toBe(5);
    expect(Object.keys(report).slice(0, 6)).toEqual(['engine', 'started_at', 'finished_at', 'duration', 'startup', 'reason']);
    expect(formatSummary(report)).toMatch(/^ {2}duration {4}5\.0 s {3}startup 1\.2 s {3}sessions 1 {3}iterations 1$/m);
  });

  it('a report without it (an older one) shows no startup and builds with 0', () => {
    const report = buildReport(reportInput());
    expect(report.startup).toBe(0);
    expect(formatSummary(report)).not.toContain('startup');
  });

  it('mergeReports takes the longest startup of the parts (they waited side by side), and reads older reports as 0', () => {
    const a = buildReport(reportInput({ startup: 0.4 }));
    const b = buildReport(reportInput({ startup: 2.5 }));
    const { startup: _none, ...older } = buildReport(reportInput());
    expect(mergeReports([a, b]).startup).toBe(2.5);
    expect(mergeReports([older as RunReport, a]).startup).toBe(0.4);
    expect(() => mergeReports([a, { ...b, startup: 'slow' } as unknown as RunReport])).toThrowError(/reports\[1\]\.startup is not a number/);
  });
});
