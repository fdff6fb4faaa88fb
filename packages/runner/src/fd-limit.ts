/**
 * File descriptors: what a run needs against what this process may open
 * (RLIMIT_NOFILE). Checked before any session exists, so a run that cannot
 * fit stops with the numbers instead of failing thousands of requests with
 * EMFILE once the load has started.
 *
 * Node has no setrlimit. On Linux the limits are read from /proc/<pid>/limits
 * and the soft limit is raised with util-linux's `prlimit`, which a process
 * may do for itself up to the hard limit. Elsewhere the check is skipped.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { EngineConfig } from '@session-engine/config';
import { RunnerError } from './errors.js';

/** Descriptors the engine keeps for itself: stdio, libuv's epoll/event/signal fds, thread pool, log and report files. */
export const ENGINE_RESERVE_FDS = 64;
/** The Prometheus listener and a few scrapes at once. */
export const METRICS_SERVER_FDS = 4;

/** `Infinity` stands for `unlimited`. */
export interface FdLimits {
  soft: number;
  hard: number;
}

/** Where limits are read and raised: the real process on Linux, a fake in tests. */
export interface FdLimitSystem {
  /** This process's limits; throws when they cannot be read. */
  read(): FdLimits;
  /** Sets the soft limit (at most the hard one); throws when that is refused or impossible. */
  raiseSoft(to: number): void;
}

export interface FdLimitLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** What a run asks of the limit. */
export interface FdDemand {
  sessions: number;
  /** Connections each session holds at least: one per origin its requests go to. */
  perSession: number;
  /** Descriptors the engine keeps for itself (ENGINE_RESERVE_FDS, plus the metrics server). */
  reserve: number;
  /**
   * Connections a session may open at most when its job sends requests in
   * parallel (`max_conns_per_host`); omitted when the job sends one at a time.
   */
  parallelPerSession?: number;
}

export interface FdLimitCheck extends FdLimits {
  needed: number;
  /** The soft limit was raised (to the hard one) for this run. */
  raised: boolean;
}

/** What `FdLimitError` reports: the run's demand and the limits it met. */
export interface FdLimitNumbers {
  sessions: number;
  perSession: number;
  reserve: number;
  needed: number;
  soft: number;
  hard: number;
  /** Why the soft limit could not be raised to the hard one, when that was tried and refused. */
  raiseFailure?: string;
}

const limitText = (n: number): string => (Number.isFinite(n) ? String(n) : 'unlimited');

/**
 * The run needs more file descriptors than this process may open: it would
 * fail its requests with EMFILE, so it does not start.
 */
export class FdLimitError extends RunnerError {
  readonly needed: number;
  readonly soft: number;
  readonly hard: number;

  constructor(numbers: FdLimitNumbers) {
    const { sessions, perSession, reserve, needed, soft, hard } = numbers;
    const fit = Math.max(0, Math.floor((soft - reserve) / perSession));
    const shards = Math.ceil(sessions / Math.max(1, fit));
    const perShard = Math.ceil(sessions / shards);
    const raise =
      needed <= hard
        ? `raise the limit before the run: ulimit -n ${needed}` +
          (numbers.raiseFailure === undefined ? '' : ` (the engine could not raise it itself: ${numbers.raiseFailure})`)
        : `raise the hard limit (now ${limitText(hard)}) to at least ${needed} as root: /etc/security/limits.conf, systemd LimitNOFILE=${needed}, docker run --ulimit nofile=${needed}; then ulimit -n ${needed}`;
    super(
      `this run needs at least ${needed} file descriptors (${sessions} sessions x ${perSession} connection${perSession === 1 ? '' : 's'} + ${reserve} for the engine), ` +
        `but this process may open ${limitText(soft)} (soft limit ${limitText(soft)}, hard limit ${limitText(hard)}); its requests would fail with EMFILE. Ways out:\n` +
        `  - fewer sessions: at most ${fit} fit (-s ${fit})\n` +
        `  - ${raise}\n` +
        (fit > 0
          ? `  - shards on several machines: ${shards} runs of ${perShard} sessions (engine run --shard i/${shards} on each, then engine report merge)`
          : '  - shards on several machines, each within its limit (engine run --shard i/N on each, then engine report merge)'),
      'SE_ERR_RUNNER_FD_LIMIT',
    );
    this.name = 'FdLimitError';
    this.needed = needed;
    this.soft = soft;
    this.hard = hard;
  }
}

/** Reads the `Max open files` line of a /proc/<pid>/limits text. */
export function parseProcLimits(text: string): FdLimits {
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (match === null) throw new Error('no "Max open files" line in /proc limits');
  const value = (raw: string): number => (raw === 'unlimited' ? Number.POSITIVE_INFINITY : Number(raw));
  return { soft: value(match[1]!), hard: value(match[2]!) };
}

/** Linux: /proc/<pid>/limits to read, `prlimit --pid <pid> --nofile=<soft>:` to raise the soft limit only. */
export function linuxFdLimits(options: { pid?: number; prlimit?: string } = {}): FdLimitSystem {
  const pid = options.pid ?? process.pid;
  const prlimit = options.prlimit ?? 'prlimit';
  return {
    read: () => parseProcLimits(readFileSync(`/proc/${pid === process.pid ? 'self' : pid}/limits`, 'utf8')),
    raiseSoft: (to) => {
      try {
        execFileSync(prlimit, [`--pid=${pid}`, `--nofile=${to}:`], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5_000 });
      } catch (error) {
        const { code, stderr } = error as { code?: string; stderr?: Buffer };
        if (code === 'ENOENT') throw new Error(`${prlimit} not found (it comes with util-linux)`, { cause: error });
        const said = stderr?.toString().trim();
        throw new Error(said || (error instanceof Error ? error.message : String(error)), { cause: error });
      }
    },
  };
}

/** The limit system of this platform; undefined where none is known (the check is skipped). */
export function platformFdLimits(platform: NodeJS.Platform = process.platform): FdLimitSystem | undefined {
  return platform === 'linux' ? linuxFdLimits() : undefined;
}

/** A URL's origin; a URL that does not parse as it stands (a template) counts as one of its own. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** Distinct origins a scenario's steps go to. */
function scenarioOrigins(config: Pick<EngineConfig, 'target_url' | 'scenario'>): number {
  const origins = new Set<string>();
  for (const step of config.scenario) origins.add(originOf(step.url ?? config.target_url));
  return Math.max(1, origins.size);
}

/**
 * What a run needs. The default job and a scenario send one request at a
 * time per session, so a session holds one connection per origin; a script
 * or a custom job may send many at once, up to `max_conns_per_host` each.
 */
export function fdDemandOf(
  config: Pick<EngineConfig, 'number_of_sessions' | 'max_conns_per_host' | 'target_url' | 'scenario' | 'script'>,
  options: { customJob?: boolean; metricsServer?: boolean } = {},
): FdDemand {
  const parallel = options.customJob === true || config.script !== '';
  return {
    sessions: config.number_of_sessions,
    perSession: parallel ? 1 : scenarioOrigins(config),
    reserve: ENGINE_RESERVE_FDS + (options.metricsServer === true ? METRICS_SERVER_FDS : 0),
    ...(parallel ? { parallelPerSession: config.max_conns_per_host } : {}),
  };
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Raises the soft limit to the hard one where allowed, then checks that the
 * run fits: throws `FdLimitError` when it does not, warns (once) when a job
 * that sends requests in parallel could exceed it. Without a system (not
 * Linux) or when the limits cannot be read, logs at debug and returns
 * undefined: the run goes on unchecked.
 */
export function checkFdLimit(
  demand: FdDemand,
  options: { system: FdLimitSystem | undefined; logger?: FdLimitLogger; platform?: string },
): FdLimitCheck | undefined {
  const { system, logger } = options;
  if (system === undefined) {
    logger?.debug(`file-descriptor limit not checked on ${options.platform ?? process.platform}`);
    return undefined;
  }
  let limits: FdLimits;
  try {
    limits = system.read();
  } catch (error) {
    logger?.debug('file-descriptor limit not checked: it could not be read', { error: message(error) });
    return undefined;
  }
  const needed = demand.sessions * demand.perSession + demand.reserve;
  const worst = demand.parallelPerSession === undefined ? needed : demand.sessions * demand.parallelPerSession + demand.reserve;
  let raised = false;
  let raiseFailure: string | undefined;
  // Node raises its soft limit to the hard one at start-up already; this covers
  // embedders and processes whose limit was lowered afterwards.
  const target = Number.isFinite(limits.hard) ? limits.hard : Math.max(needed, worst);
  if (limits.soft < target) {
    try {
      system.raiseSoft(target);
      const after = system.read();
      raised = after.soft > limits.soft;
      limits = after;
      logger?.debug('raised the soft file-descriptor limit', { soft: limits.soft, hard: limits.hard });
    } catch (error) {
      raiseFailure = message(error);
      logger?.debug('could not raise the soft file-descriptor limit', { soft: limits.soft, hard: limits.hard, error: raiseFailure });
    }
  }
  if (needed > limits.soft) {
    throw new FdLimitError({ ...demand, needed, soft: limits.soft, hard: limits.hard, ...(raiseFailure === undefined ? {} : { raiseFailure }) });
  }
  if (worst > limits.soft) {
    logger?.warn(
      `up to ${worst} file descriptors could be needed (${demand.sessions} sessions x max_conns_per_host ${demand.parallelPerSession} ` +
        `+ ${demand.reserve} for the engine: a script or custom job can send requests in parallel), above the limit of ${limits.soft}; ` +
        'if requests fail with EMFILE, lower max_conns_per_host or the sessions, or raise the limit (ulimit -n)',
      { needed, worst_case: worst, soft: limits.soft, hard: limits.hard },
    );
  }
  return { needed, soft: limits.soft, hard: limits.hard, raised };
}
