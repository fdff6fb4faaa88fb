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

export async function startDemoTarget(): Promise<RunningTargetServer> {
  return startTargetServer({ port: 0, host: '127.0.0.1' });
}
