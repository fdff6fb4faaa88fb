import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxy } from 'proxy';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidOptionError,
  Session,
  SessionManager,
  SessionRequestError,
  SessionTimeoutError,
  type SessionOptions,
  type SessionProxy,
} from '../src/index.js';
import { startServer, testClient, testConfig, type TestServer } from './helpers.js';

// Redirects are followed inside the session, hop by hop, through its own pool
// and cookie jar, the way fetch does. Every test runs real loopback servers.

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** What a server saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A loopback server answering by path (pathname + search); records every request. */
async function server(routes: Record<string, Route>): Promise<TestServer & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const started = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const route = routes[req.url!];
      if (route === undefined) {
        res.statusCode = 404;
        res.end('no route');
      } else {
        route(req, res, body);
      }
    });
  });
  cleanups.push(() => started.close());
  return Object.assign(started, { seen });
}

function redirect(status: number, location: string | undefined, extra: Record<string, string | string[]> = {}): Route {
  return (_req, res) => {
    res.statusCode = status;
    if (location !== undefined) res.setHeader('location', location);
    for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
    res.end(`redirecting to ${location ?? 'nowhere'}`);
  };
}

const ok: Route = (req, res) => res.end(`ok ${req.method} ${req.url}`);

function session(options: Partial<SessionOptions<SessionProxy>> = {}): Session<SessionProxy> {
  const created = new Session<SessionProxy>({ id: 1, client: testClient(), ...options });
  cleanups.push(() => created.close({ force: true }));
  return created;
}

async function failure(promise: Promise<unknown>): Promise<SessionRequestError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SessionRequestError);
  return error as SessionRequestError;
}

describe('following redirects', () => {
  it('stores a Set-Cookie of a 302 and sends it on the next hop; the response is the final one', async () => {
    const target = await server({
      '/login': redirect(302, '/home', { 'set-cookie': 'sid=abc; Path=/' }),
      '/home': (req, res) => {
        res.statusCode = req.headers.cookie === 'sid=abc' ? 200 : 401;
        res.end(`cookie ${req.headers.cookie ?? 'none'}`);
      },
    });
    const s = session({ baseUrl: target.url });

    const response = await s.request({ path: '/login' });

    expect(response.status).toBe(200);
    expect(response.text()).toBe('cookie sid=abc');
    expect(response.url).toBe(`${target.url}/home`);
    expect(response.redirects).toBe(1);
    expect(target.seen.map((r) => r.url)).toEqual(['/login', '/home']);
    expect(s.cookieJar.getCookieStringSync(`${target.url}/`)).toBe('sid=abc');
  });

  it.each([1, 200])(
    'reads each intermediate body and reuses the keep-alive socket: one connection for the chain (max %i per host)',
    async (connections) => {
      const target = await server({
        '/a': redirect(301, '/b'),
        '/b': redirect(302, '/c'),
        '/c': ok,
      });
      const s = session({ baseUrl: target.url, client: testClient(connections) });

      const response = await s.request({ path: '/a' });
      const again = await s.request({ path: '/a' });

      expect([response.status, response.redirects, response.text()]).toEqual([200, 2, 'ok GET /c']);
      expect(again.status).toBe(200);
      expect(target.connections()).toBe(1);
    },
  );

  it('resolves a relative Location against the URL that answered', async () => {
    const routes: Record<string, Route> = {
      '/dir/start': redirect(302, 'next?x=1'),
      '/dir/next?x=1': redirect(307, '../up'),
      '/abs': ok,
    };
    const target = await server(routes);
    routes['/up'] = redirect(308, `//127.0.0.1:${target.port}/abs#part`);
    const s = session({ baseUrl: target.url });

    const response = await s.request({ path: '/dir/start' });

    expect(target.seen.map((r) => r.url)).toEqual(['/dir/start', '/dir/next?x=1', '/up', '/abs']);
    expect([response.status, response.redirects, response.url]).toEqual([200, 3, `${target.url}/abs#part`]);
  });
});

describe('the session behind every hop', () => {
  it("sends every hop through the session's proxy, to the new origin too", async () => {
    const other = await server({ '/end': ok });
    const target = await server({ '/start': redirect(302, `${other.url}/end`) });
    const tunnels: string[] = [];
    const proxyServer = createProxy(createServer());
    // Counted before the proxy's own handler: one CONNECT per origin the session talks to.
    proxyServer.prependListener('connect', (req: IncomingMessage) => void tunnels.push(req.url!));
    await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => proxyServer.close(resolve)));
    const proxyUrl = `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`;
    const s = session({ baseUrl: target.url, client: testClient(1, { proxy: proxyUrl }), proxy: { url: proxyUrl, display: proxyUrl } });

    const response = await s.request({ path: '/start' });

    expect([response.status, response.url]).toEqual([200, `${other.url}/end`]);
    expect(tunnels).toEqual([`127.0.0.1:${target.port}`, `127.0.0.1:${other.port}`]);
  });
});

describe('methods and bodies on a redirect', () => {
  const cases: [status: number, method: string, expected: string, bodyKept: boolean][] = [
    [301, 'POST', 'GET', false],
    [302, 'POST', 'GET', false],
    [303, 'POST', 'GET', false],
    [303, 'PUT', 'GET', false],
    [303, 'DELETE', 'GET', false],
    [301, 'PUT', 'PUT', true],
    [302, 'DELETE', 'DELETE', true],
    [307, 'POST', 'POST', true],
    [308, 'PUT', 'PUT', true],
    [302, 'GET', 'GET', false],
  ];

  it.each(cases)('%i after %s: the next hop is a %s (body kept: %s)', async (status, method, expected, bodyKept) => {
    const target = await server({ '/from': redirect(status, '/to'), '/to': ok });
    const s = session({ baseUrl: target.url });
    const hasBody = method !== 'GET';

    const response = await s.request({
      method,
      path: '/from',
      headers: { 'x-kept': 'yes', 'Content-Language': 'en' },
      ...(hasBody ? { json: { a: 1 } } : {}),
    });

    expect(response.status).toBe(200);
    const [first, next] = target.seen;
    expect(first!.method).toBe(method);
    expect(next!.method).toBe(expected);
    expect(next!.headers['x-kept']).toBe('yes');
    if (bodyKept) {
      expect(next!.body).toBe('{"a":1}');
      expect(next!.headers['content-type']).toBe('application/json');
      expect(next!.headers['content-language']).toBe('en');
    } else {
      expect(next!.body).toBe('');
      expect(next!.headers['content-type']).toBeUndefined();
      expect(next!.headers['content-length'] ?? '0').toBe('0');
      // A GET redirected keeps its headers; a POST turned into a GET drops the body's.
      expect(next!.headers['content-language']).toBe(method === 'GET' ? 'en' : undefined);
    }
  });

  it('keeps HEAD a HEAD on a 303', async () => {
    const target = await server({ '/from': redirect(303, '/to'), '/to': ok });
    const s = session({ baseUrl: target.url });

    const response = await s.request({ method: 'HEAD', path: '/from' });

    expect(response.status).toBe(200);
    expect(target.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['HEAD /from', 'HEAD /to']);
  });

  it("drops the session profile's content-type too when a POST becomes a GET", async () => {
    const target = await server({ '/from': redirect(302, '/to'), '/to': ok });
    const s = session({ baseUrl: target.url, headers: { 'content-type': 'text/plain', 'x-profile': 'p' } });

    await s.request({ method: 'POST', path: '/from', body: 'hello' });

    const [first, next] = target.seen;
    expect([first!.headers['content-type'], first!.body]).toEqual(['text/plain', 'hello']);
    expect([next!.method, next!.headers['content-type'], next!.headers['x-profile']]).toEqual(['GET', undefined, 'p']);
  });
});

describe('cross-origin redirects', () => {
  it("drops the caller's authorization and cookie headers on another origin; the jar still supplies its cookies", async () => {
    const other = await server({ '/there': ok, '/set': (_req, res) => res.setHeader('set-cookie', 'jar=1; Path=/').end('set') });
    const target = await server({ '/start': redirect(302, `${other.url}/there`, { 'set-cookie': 'hop=2; Path=/' }) });
    const s = session({ baseUrl: target.url, headers: { authorization: 'Bearer profile', 'x-profile': 'p' } });
    await s.request({ url: `${other.url}/set` });

    const response = await s.request({
      path: '/start',
      headers: { Authorization: 'Bearer caller', Cookie: 'explicit=1', 'Proxy-Authorization': 'Basic x', 'x-caller': 'c' },
    });

    expect([response.status, response.url, response.redirects]).toEqual([200, `${other.url}/there`, 1]);
    const first = target.seen[0]!;
    expect(first.headers.authorization).toBe('Bearer caller');
    expect(first.headers.cookie).toBe('jar=1; explicit=1');
    const hop = other.seen.find((r) => r.url === '/there')!;
    expect(hop.headers.authorization).toBeUndefined();
    expect(hop.headers['proxy-authorization']).toBeUndefined();
    // Both servers are 127.0.0.1: cookies do not isolate ports, so the jar sends both (RFC 6265 8.5).
    expect(hop.headers.cookie).toBe('jar=1; hop=2');
    expect([hop.headers['x-caller'], hop.headers['x-profile']]).toEqual(['c', 'p']);
  });

  it('keeps them dropped when the chain comes back to the first origin', async () => {
    const routes: Record<string, Route> = {
      '/back': (req, res) => res.end(`authorization ${req.headers.authorization ?? 'none'}`),
    };
    const target = await server(routes);
    const other = await server({ '/there': redirect(307, `${target.url}/back`) });
    routes['/start'] = redirect(307, `${other.url}/there`);
    const s = session({ baseUrl: target.url });

    const response = await s.request({ path: '/start', headers: { authorization: 'Bearer caller' } });

    expect([response.text(), response.redirects]).toEqual(['authorization none', 2]);
  });

  it('keeps them on a same-origin redirect', async () => {
    const target = await server({
      '/start': redirect(302, '/next'),
      '/next': (req, res) => res.end(`${req.headers.authorization ?? 'none'} | ${req.headers.cookie ?? 'none'}`),
    });
    const s = session({ baseUrl: target.url });

    const response = await s.request({ path: '/start', headers: { authorization: 'Bearer caller', cookie: 'explicit=1' } });

    expect(response.text()).toBe('Bearer caller | explicit=1');
  });
});

describe('redirects that are not followed', () => {
  it('fails a chain longer than maxRedirects with kind redirect_loop, after exactly that many hops', async () => {
    const target = await server({ '/loop': redirect(302, '/loop') });
    const s = session({ baseUrl: target.url, maxRedirects: 3 });

    const error = await failure(s.request({ path: '/loop' }));

    expect(error.causeCode).toBe('redirect_loop');
    expect(error.code).toBe('SE_ERR_SESSION_REQUEST');
    expect(error.message).toBe(
      `session 1: GET ${target.url}/loop failed: more than 3 redirects (max_redirects 3); the next would go to ${target.url}/loop`,
    );
    expect(target.seen).toHaveLength(4);
    expect(s.stats.failures).toBe(1);
  });

  it('follows the default of 10 redirects, not 11', async () => {
    const routes: Record<string, Route> = { '/hop/11': ok };
    for (let i = 0; i <= 10; i++) routes[`/hop/${i}`] = redirect(302, `/hop/${i + 1}`);
    const target = await server(routes);
    const s = session({ baseUrl: target.url });

    const ten = await s.request({ path: '/hop/1' });
    expect([ten.status, ten.redirects, ten.url]).toEqual([200, 10, `${target.url}/hop/11`]);
    const eleven = await failure(s.request({ path: '/hop/0' }));
    expect(eleven.causeCode).toBe('redirect_loop');
  });

  it.each([
    ['no Location', undefined, '302 redirect without a Location header'],
    ['an empty Location', '', '302 redirect without a Location header'],
    ['an unparsable Location', 'http://[oops/', '302 redirect to an unparsable Location "http://[oops/"'],
    ['a non-http scheme', 'ftp://files.example/a', '302 redirect to "ftp://files.example/a": only http and https are followed'],
  ])('fails a 302 with %s with kind bad_redirect', async (_what, location, detail) => {
    const target = await server({ '/start': redirect(302, location) });
    const s = session({ baseUrl: target.url });

    const error = await failure(s.request({ path: '/start' }));

    expect(error.causeCode).toBe('bad_redirect');
    expect(error.message).toBe(`session 1: GET ${target.url}/start failed: ${detail}`);
    expect(target.seen).toHaveLength(1);
  });

  it('returns the redirect itself with maxRedirects 0, Set-Cookie stored', async () => {
    const target = await server({ '/start': redirect(302, '/next', { 'set-cookie': 'sid=1; Path=/' }), '/next': ok });
    const s = session({ baseUrl: target.url, maxRedirects: 0 });

    const response = await s.request({ path: '/start' });

    expect([response.status, response.headers.location, response.redirects, response.url]).toEqual([302, '/next', 0, `${target.url}/start`]);
    expect(target.seen).toHaveLength(1);
    expect(s.cookieJar.getCookieStringSync(`${target.url}/`)).toBe('sid=1');
  });

  it('does not follow a 300 or 304, and returns a 3xx without Location under maxRedirects 0', async () => {
    const target = await server({ '/multi': redirect(300, '/x'), '/not-modified': redirect(304, undefined), '/bare': redirect(302, undefined) });
    expect((await session({ baseUrl: target.url }).request({ path: '/multi' })).status).toBe(300);
    expect((await session({ baseUrl: target.url }).request({ path: '/not-modified' })).status).toBe(304);
    expect((await session({ baseUrl: target.url, maxRedirects: 0 }).request({ path: '/bare' })).status).toBe(302);
  });

  it('rejects a maxRedirects that is not an integer >= 0', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => new Session({ id: 1, client: testClient(), maxRedirects: bad })).toThrow(InvalidOptionError);
    }
  });
});

describe('one request for the whole chain', () => {
  it('gives the chain one request_timeout deadline, not one per hop', async () => {
    // Each hop answers well within the timeout; together they take longer.
    const slow = (next: string): Route => (_req, res) => void setTimeout(() => redirect(302, next)(_req, res, ''), 250);
    const target = await server({ '/1': slow('/2'), '/2': slow('/3'), '/3': slow('/4'), '/4': ok });
    const s = session({ baseUrl: target.url, requestTimeout: 500 });

    const error = await failure(s.request({ path: '/1' }));

    expect(error).toBeInstanceOf(SessionTimeoutError);
    expect(error.causeCode).toBe('timeout');
    expect(target.seen.map((r) => r.url)).not.toContain('/4');
  });

  it('takes max_redirects from the manager config', async () => {
    const target = await server({ '/start': redirect(302, '/next'), '/next': ok });
    const manager = new SessionManager<SessionProxy>({ config: testConfig({ target_url: target.url, max_redirects: 0 }) });
    cleanups.push(() => manager.stopAll({ force: true }));
    await manager.createSessions(1);

    expect((await manager.get(1)!.request({ path: '/start' })).status).toBe(302);
    expect(() => new SessionManager({ config: testConfig({ max_redirects: -1 }) })).toThrow(
      'max_redirects must be an integer >= 0 (0 = do not follow redirects), got -1',
    );
  });
});
