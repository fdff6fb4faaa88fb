/**
 * Test doubles: a virtual clock (time moves only when every pending
 * callback has run, straight to the next timer), fake sessions, a fake
 * session manager and a metrics recorder. Runs are therefore deterministic:
 * assertions are about counts and order in virtual time, never about ms of
 * wall time.
 */
import type { DropCause, SchedulerMetrics, SchedulerSession, SessionRequest, SessionResponse, SessionSource, SessionState } from '../src/index.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

const flushIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class VirtualClock {
  t = 0;
  #timers: Timer[] = [];
  #seq = 0;
  /** Every sleep requested (ms), in order. */
  readonly sleeps: number[] = [];

  now = (): number => this.t;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      // Like node:timers/promises: an abort ends the wait, and the listener
      // goes when the wait ends either way (the scheduler's signals live for
      // the whole run).
      const onAbort = (): void => {
        this.#timers = this.#timers.filter((x) => x !== timer);
        resolve();
      };
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  /** Moves time to the earliest timer and fires every timer due then; false if none is pending. */
  fireNext(): boolean {
    if (this.#timers.length === 0) return false;
    this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const first = this.#timers[0] as Timer;
    this.t = Math.max(this.t, first.at);
    const due = this.#timers.filter((x) => x.at <= this.t);
    this.#timers = this.#timers.filter((x) => x.at > this.t);
    for (const timer of due) timer.resolve();
    return true;
  }

  /**
   * Runs the virtual world until `promise` settles: let every callback run,
   * then jump to the next timer. Throws if nothing can make progress.
   */
  async run<T>(promise: Promise<T>, options: { until?: number; onTick?: () => void } = {}): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => {
      settled = true;
    });
    tracked.catch(() => undefined);
    for (let guard = 0; guard < 1_000_000; guard++) {
      for (let i = 0; i < 3 && !settled; i++) await flushIo();
      if (settled) return tracked;
      if (options.until !== undefined && this.t >= options.until) return tracked;
      options.onTick?.();
      if (!this.fireNext()) {
        await flushIo();
        if (!settled) throw new Error(`virtual world is stuck at t=${this.t}`);
      }
    }
    throw new Error('virtual run did not finish');
  }

  /** Runs until virtual time reaches `t` (or nothing is pending). */
  async runUntil(t: number): Promise<void> {
    while (this.t < t) {
      for (let i = 0; i < 3; i++) await flushIo();
      const next = [...this.#timers].sort((a, b) => a.at - b.at)[0];
      if (next === undefined || next.at > t) {
        this.t = t;
        break;
      }
      this.fireNext();
    }
    for (let i = 0; i < 3; i++) await flushIo();
  }
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string;
  /** Thrown instead of answering. */
  error?: Error;
  /** Virtual ms the request takes (default 10). */
  latency?: number;
}

export function response(status: number, headers: Record<string, string | string[]> = {}, body = ''): SessionResponse {
  const buffer = Buffer.from(body);
  return {
    status,
    headers: { 'set-cookie': [], ...headers },
    body: buffer,
    bytes: buffer.length,
    url: 'http://fake.test/',
    redirects: 0,
    text: () => buffer.toString(),
    json: <T>() => JSON.parse(buffer.toString()) as T,
  };
}

/** The network error shape `@session-engine/session` throws. */
export function networkError(causeCode = 'ECONNREFUSED'): Error {
  return Object.assign(new Error(`connect ${causeCode}`), { code: 'SE_ERR_SESSION_REQUEST', causeCode });
}

export class FakeSession implements SchedulerSession {
  readonly id: number;
  state: SessionState = 'active';
  inFlight = 0;
  maxInFlight = 0;
  readonly requests: SessionRequest[] = [];
  reply: (n: number, req: SessionRequest) => FakeReply = () => ({ status: 200 });
  readonly #clock: VirtualClock;

  constructor(id: number, clock: VirtualClock) {
    this.id = id;
    this.#clock = clock;
  }

  async request(req: SessionRequest): Promise<SessionResponse> {
    const n = this.requests.push(req);
    const reply = this.reply(n, req);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await this.#clock.sleep(reply.latency ?? 10);
    this.inFlight--;
    if (reply.error !== undefined) throw reply.error;
    return response(reply.status ?? 200, reply.headers, reply.body);
  }

  pause(): void {
    if (this.state !== 'active') throw new Error(`cannot pause from ${this.state}`);
    this.state = 'paused';
  }

  resume(): void {
    if (this.state !== 'paused') throw new Error(`cannot resume from ${this.state}`);
    this.state = 'active';
  }
}

export class FakeSessions implements SessionSource<FakeSession> {
  readonly map = new Map<number, FakeSession>();

  constructor(clock: VirtualClock, n: number) {
    for (let id = 1; id <= n; id++) this.map.set(id, new FakeSession(id, clock));
  }

  get(id: number): FakeSession | undefined {
    return this.map.get(id);
  }

  ids(): number[] {
    return [...this.map.keys()].sort((a, b) => a - b);
  }

  count(): number {
    return this.map.size;
  }

  all(): FakeSession[] {
    return [...this.map.values()];
  }
}

export interface RecordedRequest {
  outcome: 'success' | 'failure';
  kind?: string;
  status: number;
  latencyMicros: number;
  bytes: number;
  step: string | undefined;
}

export class MetricsRecorder implements SchedulerMetrics {
  readonly requests: RecordedRequest[] = [];
  retries = 0;
  dropped = 0;
  readonly droppedByCause: Record<DropCause, number> = { no_idle_session: 0, pool_full: 0 };
  readonly active: number[] = [];

  recordSuccess(status: number, latencyMicros: number, bytes = 0, step?: string): void {
    this.requests.push({ outcome: 'success', status, latencyMicros, bytes, step });
  }

  recordExpected(status: number, latencyMicros: number, bytes = 0, step?: string): void {
    this.requests.push({ outcome: 'success', kind: 'expected', status, latencyMicros, bytes, step });
  }

  recordFailure(kind: string, latencyMicros: number, status = 0, bytes = 0, step?: string): void {
    this.requests.push({ outcome: 'failure', kind, status, latencyMicros, bytes, step });
  }

  recordRetry(): void {
    this.retries++;
  }

  readonly checks: [name: string, ok: boolean][] = [];

  recordCheck(name: string, ok: boolean): void {
    this.checks.push([name, ok]);
  }

  recordDropped(cause: DropCause): void {
    this.dropped++;
    this.droppedByCause[cause]++;
  }

  setActiveSessions(n: number): void {
    this.active.push(n);
  }
}

export function config(overrides: Partial<{ rate: number; duration: number; iterations: number; max_retries: number; stages: { duration: number; target: number }[] }> = {}) {
  return { rate: 0, duration: 0, iterations: 0, max_retries: 3, stages: [], ...overrides };
}
