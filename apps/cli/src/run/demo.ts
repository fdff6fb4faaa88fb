/**
 * `engine run --demo`: the embedded default. Starts the demo target server in
 * this process on an ephemeral loopback port and runs a login -> /api/me ->
 * /api/counter scenario with 200 sessions for 10 s.
 */
import { startTargetServer, type RunningTargetServer } from '@session-engine/target-server';

export const DEMO_DEFAULTS = {
  number_of_sessions: 200,
  duration: '10s',
  scenario: [
    {
      name: 'login',
      once: true,
      method: 'POST',
      path: '/login',
      json: { user: 'user-{{session_id}}' },
      expect_status: 200,
    },
    { name: 'me', method: 'GET', path: '/api/me', expect_status: 200 },
    { name: 'counter', method: 'GET', path: '/api/counter', expect_status: 200, capture: { counter: { json: '$.counter' } } },
  ],
} as const;

/**
 * The demo target signs its session cookies with this fixed key, so the sessions one
 * `--demo --session-state` run saved are recognised by the next run's (new) demo target, as a
 * real site's sessions outlive a restart of one of its servers. A demo key, not a secret.
 */
export const DEMO_SESSION_SECRET = 'session-engine demo target (not a secret)';

export async function startDemoTarget(): Promise<RunningTargetServer> {
  return startTargetServer({ port: 0, host: '127.0.0.1', sessionSecret: DEMO_SESSION_SECRET });
}

/** The demo target's own view of the run's sessions, logged at the end of a demo run. */
export function demoTargetLine(server: Pick<RunningTargetServer, 'stats'>): string {
  const { logins, resumed, authenticated, unauthenticated } = server.stats().auth;
  const n = (value: number): string => value.toLocaleString('en-US');
  return `demo target counted ${n(logins)} login(s), ${n(resumed)} session(s) resumed from cookies an earlier run saved, ${n(authenticated)} authenticated and ${n(unauthenticated)} unauthenticated request(s)`;
}
