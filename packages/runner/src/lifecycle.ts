/**
 * One lifecycle for everything a run starts: a component that starts
 * registers how it stops, and `close()` runs those hooks in reverse order,
 * each bounded by a deadline, whether the run succeeded or failed half-way
 * (fastify's avvio, undici's close/destroy). No hand-written cleanup list.
 */
export interface LifecycleLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

export interface CloseOutcome {
  name: string;
  /** `closed`: the hook finished; `timeout`: its deadline passed first; `failed`: it threw. */
  outcome: 'closed' | 'timeout' | 'failed';
  error?: unknown;
}

interface Hook {
  name: string;
  close: () => Promise<unknown> | unknown;
  deadlineMs: number;
}

export const DEFAULT_CLOSE_DEADLINE_MS = 5_000;

export class Lifecycle {
  readonly #hooks: Hook[] = [];
  readonly #logger: LifecycleLogger | undefined;
  #closing: Promise<CloseOutcome[]> | undefined;

  constructor(logger?: LifecycleLogger) {
    this.#logger = logger;
  }

  /**
   * Registers how to stop a component that has just started. Hooks run in
   * reverse order of registration; a hook still running after `deadlineMs`
   * is left behind (logged) and the next one runs.
   */
  onClose(name: string, close: () => Promise<unknown> | unknown, deadlineMs = DEFAULT_CLOSE_DEADLINE_MS): void {
    if (this.#closing !== undefined) {
      // Registered after close() began (a start that raced the stop): release it at once.
      void runHook({ name, close, deadlineMs }, this.#logger);
      return;
    }
    this.#hooks.push({ name, close, deadlineMs });
  }

  /** Runs every hook once, newest first. Idempotent: later calls return the same outcome. */
  close(): Promise<CloseOutcome[]> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<CloseOutcome[]> {
    const outcomes: CloseOutcome[] = [];
    for (let hook = this.#hooks.pop(); hook !== undefined; hook = this.#hooks.pop()) {
      outcomes.push(await runHook(hook, this.#logger));
    }
    return outcomes;
  }
}

async function runHook(hook: Hook, logger: LifecycleLogger | undefined): Promise<CloseOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), hook.deadlineMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(hook.close).then(() => 'closed' as const), deadline]);
    if (result === 'timeout') logger?.warn(`${hook.name} did not close within ${hook.deadlineMs} ms; going on without it`);
    else logger?.debug(`${hook.name} closed`);
    return { name: hook.name, outcome: result };
  } catch (error) {
    logger?.warn(`${hook.name} failed to close`, { error: error instanceof Error ? error.message : String(error) });
    return { name: hook.name, outcome: 'failed', error };
  } finally {
    clearTimeout(timer);
  }
}
