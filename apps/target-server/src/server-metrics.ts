import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';

/**
 * What `GET /metrics` returns as JSON. The first fields mirror the Go server this design comes
 * from; Go-only figures (goroutines) have no Node equivalent and are left out.
 */
export interface ServerMetricsSnapshot {
  /** TCP connections open now. */
  active_connections: number;
  /** TCP connections accepted since start. */
  total_connections: number;
  /** Requests received (every route, control routes included). */
  total_requests: number;
  /** Responses fully written. */
  completed_requests: number;
  /** 5xx responses + requests whose connection closed before the response was written + malformed requests. */
  error_count: number;
  /** Malformed HTTP rejected by the parser (answered 400/408/413/431 and closed). */
  client_errors: number;
  uptime_seconds: number;
  /** completed_requests / uptime_seconds (average since start, as in the Go server). */
  requests_per_sec: number;
  /** Status code -> responses written. */
  responses_by_status: Record<string, number>;
  /** V8 heap in use, MiB (Go: Alloc). */
  memory_alloc_mb: number;
  /** Resident set size, MiB (Go: Sys, memory obtained from the OS). */
  memory_sys_mb: number;
  heap_alloc_bytes: number;
  heap_sys_bytes: number;
  rss_bytes: number;
  external_bytes: number;
  /** Garbage collections observed since start. */
  num_gc: number;
  /** Event loop delay since start, ms (the Node analogue of scheduler pressure). */
  event_loop_delay_ms: { p50: number; p99: number; max: number };
}

const MIB = 1024 * 1024;

/** Server-wide counters behind /metrics. Never reset: they describe the process. */
export class ServerMetrics {
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #statuses = new Uint32Array(600);
  readonly #gcObserver: PerformanceObserver;
  readonly #loopDelay: IntervalHistogram;
  #gcCount = 0;
  activeConnections = 0;
  totalConnections = 0;
  totalRequests = 0;
  completedRequests = 0;
  errors = 0;
  clientErrors = 0;

  constructor(now: () => number) {
    this.#now = now;
    this.#startedAt = now();
    this.#gcObserver = new PerformanceObserver((list) => {
      this.#gcCount += list.getEntries().length;
    });
    this.#gcObserver.observe({ entryTypes: ['gc'] });
    this.#loopDelay = monitorEventLoopDelay({ resolution: 20 });
    this.#loopDelay.enable();
  }

  /** Called once per response when it closes; `finished` is false when it was never fully written. */
  responseClosed(status: number, finished: boolean): void {
    if (!finished) {
      this.errors++;
      return;
    }
    this.completedRequests++;
    if (status >= 500) this.errors++;
    if (status >= 100 && status < 600) this.#statuses[status] = (this.#statuses[status] ?? 0) + 1;
  }

  uptimeSeconds(): number {
    return Math.max(0, this.#now() - this.#startedAt) / 1000;
  }

  snapshot(): ServerMetricsSnapshot {
    const uptime = this.uptimeSeconds();
    const memory = process.memoryUsage();
    const byStatus: Record<string, number> = {};
    this.#statuses.forEach((count, status) => {
      if (count > 0) byStatus[String(status)] = count;
    });
    return {
      active_connections: this.activeConnections,
      total_connections: this.totalConnections,
      total_requests: this.totalRequests,
      completed_requests: this.completedRequests,
      error_count: this.errors,
      client_errors: this.clientErrors,
      uptime_seconds: round(uptime, 3),
      requests_per_sec: uptime > 0 ? round(this.completedRequests / uptime, 2) : 0,
      responses_by_status: byStatus,
      memory_alloc_mb: round(memory.heapUsed / MIB, 2),
      memory_sys_mb: round(memory.rss / MIB, 2),
      heap_alloc_bytes: memory.heapUsed,
      heap_sys_bytes: memory.heapTotal,
      rss_bytes: memory.rss,
      external_bytes: memory.external,
      num_gc: this.#gcCount,
      event_loop_delay_ms: {
        p50: nsToMs(this.#loopDelay.percentile(50)),
        p99: nsToMs(this.#loopDelay.percentile(99)),
        max: nsToMs(this.#loopDelay.max),
      },
    };
  }

  /** Prometheus text exposition (format 0.0.4), hand-written: a dozen series need no registry. */
  prometheus(): string {
    const s = this.snapshot();
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    };
    metric('target_server_active_connections', 'gauge', 'TCP connections open now.', s.active_connections);
    metric('target_server_connections_total', 'counter', 'TCP connections accepted.', s.total_connections);
    metric('target_server_requests_total', 'counter', 'HTTP requests received.', s.total_requests);
    metric('target_server_completed_requests_total', 'counter', 'Responses fully written.', s.completed_requests);
    metric('target_server_errors_total', 'counter', '5xx responses, aborted responses and malformed requests.', s.error_count);
    metric('target_server_client_errors_total', 'counter', 'Malformed HTTP requests rejected by the parser.', s.client_errors);
    lines.push(
      '# HELP target_server_responses_total Responses written, by status code.',
      '# TYPE target_server_responses_total counter',
    );
    for (const [code, count] of Object.entries(s.responses_by_status)) {
      lines.push(`target_server_responses_total{code="${code}"} ${count}`);
    }
    metric('target_server_uptime_seconds', 'gauge', 'Seconds since the server started.', s.uptime_seconds);
    metric('target_server_heap_used_bytes', 'gauge', 'V8 heap in use.', s.heap_alloc_bytes);
    metric('target_server_heap_total_bytes', 'gauge', 'V8 heap reserved.', s.heap_sys_bytes);
    metric('target_server_resident_memory_bytes', 'gauge', 'Resident set size.', s.rss_bytes);
    metric('target_server_gc_total', 'counter', 'Garbage collections observed.', s.num_gc);
    metric('target_server_event_loop_delay_p99_seconds', 'gauge', 'Event loop delay, 99th percentile.', s.event_loop_delay_ms.p99 / 1000);
    return `${lines.join('\n')}\n`;
  }

  stop(): void {
    this.#gcObserver.disconnect();
    this.#loopDelay.disable();
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function nsToMs(ns: number): number {
  return Number.isFinite(ns) ? round(ns / 1e6, 3) : 0;
}
