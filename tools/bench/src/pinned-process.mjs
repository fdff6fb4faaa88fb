/**
 * Starting benchmark processes the same way every time: pinned to one core
 * with `taskset`, with the soft fd limit raised to the hard one (1000
 * connections plus their target need more than the usual 1024).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Whether `taskset` can pin here (it is part of util-linux, but a container may lack it). */
export const canPin = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

const CLK_TCK = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number.parseInt(out.stdout ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

// `times` after the command prints the children's user and system CPU: the
// generator's own CPU time, read after it exited, with no polling gap.
const RUN_SCRIPT = `ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ -n "$BENCH_CORE" ]; then taskset -c "$BENCH_CORE" "$@"; else "$@"; fi
rc=$?
echo "__bench_times__" >&2
times >&2
exit $rc`;

// `exec` keeps the pid: signals reach the target itself, not a shell.
const START_SCRIPT = `ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ -n "$BENCH_CORE" ]; then exec taskset -c "$BENCH_CORE" "$@"; else exec "$@"; fi`;

function coreEnv(core, env) {
  return { ...process.env, ...env, BENCH_CORE: canPin && core !== undefined ? String(core) : '' };
}

/** Seconds from one `times` field such as `1m2.345s`. */
function timesField(text) {
  const m = /^(\d+)m([\d.]+)s$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
}

/**
 * The children's CPU seconds from what the wrapper printed after the marker
 * (bash `times`: first line the shell, second its children).
 *
 * @param {string} stderr
 * @returns {number | undefined}
 */
export function parseTimes(stderr) {
  const at = stderr.lastIndexOf('__bench_times__');
  if (at < 0) return undefined;
  const lines = stderr.slice(at).split('\n').map((l) => l.trim()).filter(Boolean);
  const children = lines[2]?.split(/\s+/);
  if (children?.length !== 2) return undefined;
  const total = timesField(children[0]) + timesField(children[1]);
  return Number.isFinite(total) ? total : undefined;
}

/** Strips the wrapper's `times` block from stderr. */
function withoutTimes(stderr) {
  const at = stderr.lastIndexOf('__bench_times__');
  return at < 0 ? stderr : stderr.slice(0, at);
}

/** @returns {number[]} */
function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** VmHWM (peak RSS) in KiB, or 0 when the process is gone. */
export function peakRssKiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process and its live children, in seconds (for the target's load). */
export function cpuSecondsOfTree(pid) {
  let total = 0;
  for (const p of [pid, ...childPids(pid)]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return total;
}

/**
 * Runs a command to completion on `core`. Resolves with its output, exit
 * status, CPU seconds (from `times`) and peak RSS (VmHWM, polled, so it is
 * approximate for short-lived processes; Node runners report their own).
 *
 * @param {{ core?: number; command: string; args: string[]; env?: Record<string,string>; timeoutMs: number }} options
 */
export function runPinned({ core, command, args, env, timeoutMs }) {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', RUN_SCRIPT, 'bench-run', command, ...args], {
      env: coreEnv(core, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      for (const pid of childPids(child.pid)) peak = Math.max(peak, peakRssKiB(pid));
    }, 100);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      for (const pid of childPids(child.pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({
        code,
        signal,
        timedOut,
        stdout,
        stderr: withoutTimes(stderr),
        cpuSeconds: parseTimes(stderr),
        peakRssKiB: peak || undefined,
      });
    });
  });
}

/**
 * Starts a long-running process (the target) on `core`; the returned child's
 * pid is the process itself.
 *
 * @param {{ core?: number; command: string; args: string[]; env?: Record<string,string> }} options
 */
export function startPinned({ core, command, args, env }) {
  return spawn('bash', ['-c', START_SCRIPT, 'bench-start', command, ...args], {
    env: coreEnv(core, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
