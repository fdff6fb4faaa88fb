/**
 * What the control API e2e tests share: finding the API of a spawned engine
 * on its stderr, a small client for its endpoints, and reading the target's
 * per-session counts.
 */
import type { ChildProcess } from 'node:child_process';
import type { TargetStats } from './processes.js';

export interface Api {
  url: string;
  token: string;
}

/** What the tests read of `GET /v1/status` (and a `PATCH /v1/run` answer). */
export interface Status {
  state: string;
  sessions: { target: number; active: number };
  rate: number | null;
  totals: { requests: number; failed: number };
  threads?: { thread: number; sessions: { target: number; active: number }; requests: number; failed: number }[];
  error?: { message: string };
}

/**
 * The control API's URL (logged) and token from the engine's stderr: the one
 * printed once when the engine generated it, else `knownToken` (set in the environment).
 */
export function controlApi(child: ChildProcess, knownToken?: string, timeoutMs = 20_000): Promise<Api> {
  return new Promise<Api>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no control API on stderr: ${seen}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"control API listening"/.exec(seen)?.[1];
      const token = /control API token for \S+ \(shown once[^)]*\): (\S+)/.exec(seen)?.[1] ?? knownToken;
      if (url !== undefined && token !== undefined) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve({ url, token });
      }
    };
    child.stderr!.on('data', onData);
  });
}

export function client(api: Api) {
  const headers = { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' };
  return {
    status: async () => (await (await fetch(`${api.url}/v1/status`, { headers })).json()) as Status,
    patch: async (body: unknown) => {
      const response = await fetch(`${api.url}/v1/run`, { method: 'PATCH', headers, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Status };
    },
    stop: (body?: unknown) => fetch(`${api.url}/v1/stop`, { method: 'POST', headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
  };
}

/** Server-side sessions whose request count grew between two /stats readings. */
export function busySessions(before: TargetStats, after: TargetStats): number {
  let busy = 0;
  for (const [id, count] of Object.entries(after.sessions.requests)) if (count > (before.sessions.requests[id] ?? 0)) busy++;
  return busy;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
