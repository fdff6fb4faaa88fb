/**
 * A --script job: what one session does in one iteration, written as code.
 *
 *   engine run -t http://127.0.0.1:8080 --script docs/examples/job.mjs -s 20 -d 10s
 *
 * `session` is the session running this iteration (its own cookie jar, connections and proxy);
 * `context.request()` sends through it and records the outcome in the run's metrics.
 * Throwing fails the iteration; the error message becomes a failure reason in the summary.
 */
export default async function job(session, context) {
  // Log in once per session: session.variables lives as long as the session.
  if (!session.variables.has('user')) {
    const user = `script-user-${session.id}`;
    const login = await context.request(
      { method: 'POST', path: '/login', json: { user } },
      { step: 'login', expectStatus: 200, retry: true }, // POST is not retried unless asked
    );
    // The session cookie is in this session's jar now; every later request sends it.
    const cookies = await session.cookieJar.getCookies(login.url);
    if (!cookies.some((cookie) => cookie.key === 'sid')) throw new Error('login set no sid cookie');
    session.variables.set('user', user);
    session.variables.set('counter', '0');
  }

  const response = await context.request({ path: '/api/counter' }, { step: 'counter', expectStatus: 200 });
  const { user, counter } = response.json();
  // Keep messages free of ids and counts so equal failures add up to one reason.
  if (user !== session.variables.get('user')) throw new Error('/api/counter answered for another user');
  if (counter !== Number(session.variables.get('counter')) + 1) throw new Error('counter did not advance by one');
  session.variables.set('counter', String(counter));
}
