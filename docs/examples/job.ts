/**
 * The TypeScript form of job.mjs (loaded through tsx; no build step):
 *
 *   engine run -t http://127.0.0.1:8080 --script docs/examples/job.ts -s 20 -d 10s
 */
import type { Job } from '@session-engine/scheduler';

interface Counter {
  user: string | null;
  counter: number;
}

const job: Job = async (session, context) => {
  if (!session.variables.has('user')) {
    const user = `script-user-${session.id}`;
    await context.request({ method: 'POST', path: '/login', json: { user } }, { step: 'login', expectStatus: 200, retry: true });
    session.variables.set('user', user);
    session.variables.set('counter', '0');
  }
  const response = await context.request({ path: '/api/counter' }, { step: 'counter', expectStatus: 200 });
  const { user, counter } = response.json<Counter>();
  if (user !== session.variables.get('user')) throw new Error('/api/counter answered for another user');
  if (counter !== Number(session.variables.get('counter')) + 1) throw new Error('counter did not advance by one');
  session.variables.set('counter', String(counter));
};

export default job;
