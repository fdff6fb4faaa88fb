import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseConfig, type ConfigInput } from '@session-engine/config';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkFdLimit,
  ENGINE_RESERVE_FDS,
  FdLimitError,
  fdDemandOf,
  linuxFdLimits,
  METRICS_SERVER_FDS,
  parseProcLimits,
  type FdDemand,
  type FdLimits,
  type FdLimitSystem,
} from './fd-limit.js';
import { RunnerError } from './errors.js';

const PROC_LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

/** A system whose limits live in memory; `refuse` makes raiseSoft throw as prlimit would. */
function fakeSystem(limits: FdLimits, refuse?: string): FdLimitSystem & { raisedTo: number[] } {
  const raisedTo: number[] = [];
  return {
    raisedTo,
    read: () => ({ ...limits }),
    raiseSoft: (to) => {
      raisedTo.push(to);
      if (refuse !== undefined) throw new Error(refuse);
      if (to > limits.hard) throw new Error('soft above hard');
      limits.soft = to;
    },
  };
}

function memoryLogger() {
  const lines: { level: 'debug' | 'warn'; msg: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    debug: (msg: string, fields?: Record<string, unknown>) => void lines.push({ level: 'debug', msg, ...(fields ? { fields } : {}) }),
    warn: (msg: string, fields?: Record<string, unknown>) => void lines.push({ level: 'warn', msg, ...(fields ? { fields } : {}) }),
  };
}

const demand = (sessions: number, extra: Partial<FdDemand> = {}): FdDemand => ({ sessions, perSession: 1, reserve: 64, ...extra });

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseProcLimits', () => {
  it('reads the soft and hard "Max open files" of /proc/<pid>/limits', () => {
    expect(parseProcLimits(PROC_LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(parseProcLimits(PROC_LIMITS.replace('1024                 524288', '4096                 unlimited'))).toEqual({ soft: 4096, hard: Number.POSITIVE_INFINITY });
  });

  it('throws on a text without the line', () => {
    expect(() => parseProcLimits('Max cpu time unlimited unlimited seconds\n')).toThrow(/Max open files/);
  });
});

describe('fdDemandOf', () => {
  const config = (input: Partial<ConfigInput> & Record<string, unknown>) =>
    parseConfig({ target_url: 'http://127.0.0.1:9', number_of_sessions: 300, max_conns_per_host: 50, ...input });

  it('the default job: one connection per session, plus the engine, plus the metrics server when there is one', () => {
    expect(fdDemandOf(config({}))).toEqual({ sessions: 300, perSession: 1, reserve: ENGINE_RESERVE_FDS });
    expect(fdDemandOf(config({}), { metricsServer: true }).reserve).toBe(ENGINE_RESERVE_FDS + METRICS_SERVER_FDS);
  });

  it('a scenario: one connection per origin its steps go to (a templated URL counts as its own)', () => {
    const scenario = [
      { path: '/login', method: 'POST' },
      { url: 'http://127.0.0.1:9/other', method: 'GET' },
      { url: 'http://api.test:8080/x', method: 'GET' },
      { url: 'http://api.test:8080/y', method: 'GET' },
    ];
    expect(fdDemandOf(config({ scenario })).perSession).toBe(2);
    expect(fdDemandOf(config({ scenario: [...scenario, { url: 'http://{{session_id}}.shard.test/z', method: 'GET' }] })).perSession).toBe(3);
  });

  it('a script or a custom job may send requests in parallel: up to max_conns_per_host per session', () => {
    expect(fdDemandOf(config({ script: 'job.mjs' }))).toMatchObject({ perSession: 1, parallelPerSession: 50 });
    expect(fdDemandOf(config({}), { customJob: true })).toMatchObject({ perSession: 1, parallelPerSession: 50 });
    expect(fdDemandOf(config({}))).not.toHaveProperty('parallelPerSession');
  });
});

describe('checkFdLimit', () => {
  it('raises the soft limit to the hard one, then lets a run that fits go on', () => {
    const system = fakeSystem({ soft: 1024, hard: 4096 });
    const logger = memoryLogger();
    expect(checkFdLimit(demand(2_000), { system, logger })).toEqual({ needed: 2_064, soft: 4096, hard: 4096, raised: true });
    expect(system.raisedTo).toEqual([4096]);
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('does not try to raise a soft limit that is already the hard one', () => {
    const system = fakeSystem({ soft: 4096, hard: 4096 });
    expect(checkFdLimit(demand(100), { system })).toMatchObject({ raised: false, soft: 4096 });
    expect(system.raisedTo).toEqual([]);
  });

  it('throws SE_ERR_RUNNER_FD_LIMIT with the numbers and the ways out when the run cannot fit the hard limit', () => {
    const system = fakeSystem({ soft: 20_000, hard: 20_000 });
    const error = caught(() => checkFdLimit(demand(25_000), { system }));
    expect(error).toBeInstanceOf(FdLimitError);
    expect(error).toBeInstanceOf(RunnerError);
    expect(error).toMatchObject({ code: 'SE_ERR_RUNNER_FD_LIMIT', name: 'FdLimitError', needed: 25_064, soft: 20_000, hard: 20_000 });
    const { message } = error as FdLimitError;
    expect(message).toContain('needs at least 25064 file descriptors (25000 sessions x 1 connection + 64 for the engine)');
    expect(message).toContain('soft limit 20000, hard limit 20000');
    expect(message).toContain('at most 19936 fit (-s 19936)');
    expect(message).toMatch(/raise the hard limit \(now 20000\) to at least 25064/);
    expect(message).toContain('ulimit -n 25064');
    expect(message).toContain('2 runs of 12500 sessions (engine run --shard i/2 on each, then engine report merge)');
  });

  it('when the raise is refused, says why and that ulimit -n can do it', () => {
    const system = fakeSystem({ soft: 256, hard: 4096 }, 'prlimit: failed to set the NOFILE resource limit: Operation not permitted');
    const logger = memoryLogger();
    const error = caught(() => checkFdLimit(demand(500), { system, logger })) as FdLimitError;
    expect(error).toMatchObject({ code: 'SE_ERR_RUNNER_FD_LIMIT', needed: 564, soft: 256, hard: 4096 });
    expect(error.message).toContain('raise the limit before the run: ulimit -n 564 (the engine could not raise it itself: prlimit: failed');
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'debug', msg: 'could not raise the soft file-descriptor limit' }));
  });

  it('counts connections per session and the reserve: 100 sessions x 3 origins + 64 does not fit in 300', () => {
    const system = fakeSystem({ soft: 300, hard: 300 });
    expect(() => checkFdLimit(demand(100, { perSession: 3 }), { system })).toThrow(/364 file descriptors \(100 sessions x 3 connections \+ 64/);
    expect(checkFdLimit(demand(78, { perSession: 3 }), { system })).toMatchObject({ needed: 298 });
  });

  it('warns once, without stopping, when a job that sends in parallel could exceed the limit', () => {
    const system = fakeSystem({ soft: 4096, hard: 4096 });
    const logger = memoryLogger();
    expect(checkFdLimit(demand(100, { parallelPerSession: 200 }), { system, logger })).toMatchObject({ needed: 164 });
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('up to 20064 file descriptors could be needed (100 sessions x max_conns_per_host 200');
    expect(warnings[0]!.fields).toMatchObject({ worst_case: 20_064, soft: 4096 });
    // Within the limit: no warning.
    const quiet = memoryLogger();
    checkFdLimit(demand(100, { parallelPerSession: 40 }), { system, logger: quiet });
    expect(quiet.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('with an unlimited hard limit raises the soft one to what the run could use', () => {
    const system = fakeSystem({ soft: 1024, hard: Number.POSITIVE_INFINITY });
    expect(checkFdLimit(demand(2_000, { parallelPerSession: 2 }), { system })).toMatchObject({ soft: 4_064, raised: true });
  });

  it('skips the check, logging at debug, where limits cannot be known', () => {
    const logger = memoryLogger();
    expect(checkFdLimit(demand(1_000_000), { system: undefined, logger, platform: 'darwin' })).toBeUndefined();
    expect(logger.lines).toEqual([{ level: 'debug', msg: 'file-descriptor limit not checked on darwin' }]);
    const unreadable: FdLimitSystem = {
      read: () => {
        throw new Error('ENOENT: /proc');
      },
      raiseSoft: () => undefined,
    };
    expect(checkFdLimit(demand(1_000_000), { system: unreadable, logger })).toBeUndefined();
    expect(logger.lines[1]).toMatchObject({ level: 'debug', fields: { error: 'ENOENT: /proc' } });
  });
});

describe.runIf(process.platform === 'linux')('linuxFdLimits (real processes)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  /** A `sleep` started under `ulimits` (bash syntax), resolved once the limits are set. */
  async function sleeper(ulimits: string): Promise<number> {
    const child = spawn('bash', ['-c', `${ulimits}; echo ready; exec sleep 30`], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`bash exited with ${code}`)));
    });
    return child.pid!;
  }

  const softOf = (pid: number): number => parseProcLimits(readFileSync(`/proc/${pid}/limits`, 'utf8')).soft;

  it('reads the limits this process has (as a child shell inherits them)', () => {
    const [soft, hard] = execFileSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n');
    const number = (text: string | undefined) => (text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text));
    expect(linuxFdLimits().read()).toEqual({ soft: number(soft), hard: number(hard) });
  });

  it('raises the soft limit of a process up to its hard limit with prlimit', async () => {
    const pid = await sleeper('ulimit -Sn 128');
    const system = linuxFdLimits({ pid });
    const { hard } = system.read();
    expect(softOf(pid)).toBe(128);
    system.raiseSoft(hard);
    expect(system.read()).toEqual({ soft: hard, hard });
  });

  it('reports prlimit refusing to go above the hard limit, and a missing prlimit', async () => {
    const pid = await sleeper('ulimit -n 128');
    expect(() => linuxFdLimits({ pid }).raiseSoft(129)).toThrow(/prlimit: .*NOFILE/);
    expect(softOf(pid)).toBe(128);
    expect(() => linuxFdLimits({ pid, prlimit: '/nonexistent/prlimit' }).raiseSoft(128)).toThrow('/nonexistent/prlimit not found (it comes with util-linux)');
  });
});
