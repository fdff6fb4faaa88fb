import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { readBody, parseLoginUser } from './body.js';
import { parseCookieHeader, SESSION_COOKIE, sessionCookieLine } from './cookies.js';
import { RequestRejectedError } from './errors.js';
import type { ServerMetrics } from './server-metrics.js';
import type { ServerSession, SessionStore } from './session-store.js';
import type { ConnectionInfo, TrafficStats } from './traffic-stats.js';
import { sendError, sendJson, sendOk, sendRootOk, sendText } from './responses.js';

/** One request as the handlers see it; built by the server's dispatcher. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: string;
  /** Raw query string without the `?`. */
  readonly query: string;
  readonly connection: ConnectionInfo;
  /** Value of the request's `sid` cookie, known to the server or not. */
  readonly sessionId: string | undefined;
}

/** The server state handlers use. One per server instance: routes hold no state of their own. */
export interface RouteServices {
  readonly sessions: SessionStore;
  readonly stats: TrafficStats;
  readonly metrics: ServerMetrics;
  readonly maxBodyBytes: number;
  readonly maxDelayMs: number;
  readonly random: () => number;
  isClosing(): boolean;
}

type Handler = (ctx: RouteContext, services: RouteServices) => void | Promise<void>;

export interface Route {
  /** Methods served; HEAD is implied by GET. */
  readonly methods: readonly string[];
  /** Value of the `Allow` header on a 405. */
  readonly allow: string;
  /** Control routes (/health, /metrics, /stats*) are left out of the /stats accounting. */
  readonly control: boolean;
  readonly handle: Handler;
}

function route(methods: string[], handle: Handler, control = false): Route {
  const all = methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods;
  return { methods: all, allow: all.join(', '), control, handle };
}

const ECHO_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const SET_COOKIES_MAX = 50;

const routes = new Map<string, Route>([
  ['/', route(['GET'], (ctx) => sendRootOk(ctx.res))],
  ['/health', route(['GET'], health, true)],
  ['/metrics', route(['GET'], metrics, true)],
  ['/stats', route(['GET'], (ctx, s) => sendJson(ctx.res, 200, s.stats.snapshot()), true)],
  ['/stats/reset', route(['POST'], statsReset, true)],
  ['/login', route(['POST'], login)],
  ['/logout', route(['POST'], logout)],
  ['/api/me', route(['GET'], me)],
  ['/api/counter', route(['GET'], counter)],
  ['/echo', route(ECHO_METHODS, echo)],
  ['/delay', route(['GET'], delay)],
  ['/flaky', route(['GET'], flaky)],
  ['/drop', route(['GET'], (ctx) => void ctx.req.socket.destroy())],
  ['/set-cookies', route(['GET'], setCookies)],
  ['/cookie', route(['GET'], cookie)],
]);
const statusRoute = route(['GET'], status);

/** Finds the route for a path, or undefined for a 404. */
export function matchRoute(path: string): Route | undefined {
  return routes.get(path) ?? (path.startsWith('/status/') ? statusRoute : undefined);
}

/** True for paths whose requests must not appear in /stats. */
export function isControlPath(path: string): boolean {
  return routes.get(path)?.control === true;
}

function health(ctx: RouteContext, s: RouteServices): void {
  // 503 while draining tells a load balancer to stop sending before the socket goes away.
  if (s.isClosing()) sendJson(ctx.res, 503, { status: 'shutting_down' });
  else sendJson(ctx.res, 200, { status: 'ok', uptime_seconds: s.metrics.uptimeSeconds() });
}

function metrics(ctx: RouteContext, s: RouteServices): void {
  if (wantsPrometheus(ctx)) sendText(ctx.res, 200, s.metrics.prometheus(), 'text/plain; version=0.0.4; charset=utf-8');
  else sendJson(ctx.res, 200, s.metrics.snapshot());
}

/**
 * `?format=prometheus|json` decides; otherwise an Accept naming text/plain or OpenMetrics (what
 * a Prometheus scraper sends) and not JSON gets the text exposition.
 */
function wantsPrometheus(ctx: RouteContext): boolean {
  const format = new URLSearchParams(ctx.query).get('format');
  if (format === 'prometheus' || format === 'text') return true;
  if (format === 'json') return false;
  const accept = ctx.req.headers.accept ?? '';
  return (accept.includes('text/plain') || accept.includes('openmetrics')) && !accept.includes('application/json');
}

function statsReset(ctx: RouteContext, s: RouteServices): void {
  s.stats.reset();
  sendJson(ctx.res, 200, { reset: true });
}

async function login(ctx: RouteContext, s: RouteServices): Promise<void> {
  const body = await readBody(ctx.req, s.maxBodyBytes);
  const user = parseLoginUser(ctx.req.headers['content-type'], body);
  const next = loginNext(ctx.query);
  // A fresh id on every login, never the one the client brought: no session fixation.
  const session = s.sessions.create(user);
  s.stats.login();
  const headers = { 'set-cookie': sessionCookieLine(session.id), 'cache-control': 'no-store' };
  // A form login's post/redirect/get: 303 to `next` with the new cookie, as a web login does.
  if (next === undefined) sendJson(ctx.res, 200, { user }, headers);
  else sendJson(ctx.res, 303, { user, next }, { ...headers, location: next });
}

/** `?next=` of a login: a path on this server ("/api/me"), never another host (no open redirect). */
function loginNext(query: string): string | undefined {
  if (query === '') return undefined;
  const next = new URLSearchParams(query).get('next');
  if (next === null) return undefined;
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) {
    throw new RequestRejectedError(400, 'bad_next', `next must be a path on this server, e.g. next=/api/me; got ${JSON.stringify(next.slice(0, 100))}`);
  }
  return next;
}

function logout(ctx: RouteContext, s: RouteServices): void {
  s.sessions.delete(ctx.sessionId);
  sendJson(ctx.res, 200, { logged_out: true }, { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` });
}

function requireSession(ctx: RouteContext, s: RouteServices): ServerSession | undefined {
  let session = s.sessions.get(ctx.sessionId);
  let outcome: 'known' | 'resumed' | 'unknown' = session ? 'known' : 'unknown';
  if (!session) {
    // Issued by an earlier process with the same sessionSecret (a client restored it from saved state).
    session = s.sessions.resume(ctx.sessionId);
    if (session) outcome = 'resumed';
  }
  s.stats.authentication(outcome);
  if (!session) {
    const message = ctx.sessionId === undefined ? 'no session cookie; POST /login first' : 'unknown or expired session';
    sendError(ctx.res, 401, 'unauthenticated', message);
  }
  return session;
}

function me(ctx: RouteContext, s: RouteServices): void {
  const session = requireSession(ctx, s);
  if (session) sendJson(ctx.res, 200, { user: session.user });
}

function counter(ctx: RouteContext, s: RouteServices): void {
  const session = requireSession(ctx, s);
  if (session) sendJson(ctx.res, 200, { user: session.user, counter: ++session.counter });
}

async function echo(ctx: RouteContext, s: RouteServices): Promise<void> {
  const { req } = ctx;
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req, s.maxBodyBytes);
  sendJson(ctx.res, 200, {
    method: req.method,
    path: ctx.path,
    query: queryRecord(ctx.query),
    headers: req.headers,
    cookies: parseCookieHeader(req.headers.cookie),
    body: body && body.length > 0 ? body.toString('utf8') : null,
    remote: { address: req.socket.remoteAddress, port: req.socket.remotePort },
    connection_id: ctx.connection.id,
    http_version: req.httpVersion,
  });
}

function queryRecord(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const prior = out[key];
    out[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

function delay(ctx: RouteContext, s: RouteServices): void {
  const raw = new URLSearchParams(ctx.query).get('ms');
  const ms = raw === null || raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(ms) || ms < 0 || ms > s.maxDelayMs) {
    throw new RequestRejectedError(400, 'bad_delay', `ms must be an integer from 0 to ${s.maxDelayMs}, got ${raw ?? 'nothing'}`);
  }
  const { res } = ctx;
  const timer = setTimeout(() => sendJson(res, 200, { delayed_ms: ms }), ms);
  // A client that gives up (or a forced shutdown) must not leave the timer behind.
  res.once('close', () => clearTimeout(timer));
}

function status(ctx: RouteContext): void {
  const raw = ctx.path.slice('/status/'.length);
  const code = /^\d{3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(code >= 100 && code <= 599)) {
    throw new RequestRejectedError(400, 'bad_status', `status must be a number from 100 to 599, got ${raw}`);
  }
  const { res, req } = ctx;
  if (code < 200) {
    // A 1xx cannot be a final HTTP/1.1 response (clients wait for the real one): send it as an
    // interim response, then a final 200 naming it.
    req.socket.write(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Informational'}\r\n\r\n`);
    sendJson(res, 200, { status: 200, informational: code });
    return;
  }
  if (code === 204 || code === 304) {
    res.writeHead(code);
    res.end();
    return;
  }
  sendJson(res, code, { status: code });
}

function flaky(ctx: RouteContext, s: RouteServices): void {
  const raw = new URLSearchParams(ctx.query).get('fail_rate');
  const rate = raw === null ? 0.5 : raw.trim() === '' ? Number.NaN : Number(raw);
  if (!(rate >= 0 && rate <= 1)) {
    throw new RequestRejectedError(400, 'bad_fail_rate', `fail_rate must be a number from 0 to 1, got ${raw}`);
  }
  if (s.random() < rate) sendError(ctx.res, 500, 'flaky_failure', `failed on purpose (fail_rate ${rate})`);
  else sendJson(ctx.res, 200, { ok: true, fail_rate: rate });
}

function setCookies(ctx: RouteContext): void {
  const raw = new URLSearchParams(ctx.query).get('n');
  const n = raw === null ? 3 : raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > SET_COOKIES_MAX) {
    throw new RequestRejectedError(400, 'bad_count', `n must be an integer from 0 to ${SET_COOKIES_MAX}, got ${raw}`);
  }
  const names: string[] = [];
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) {
    names.push(`c${i}`);
    lines.push(`c${i}=${i}; Path=/`);
  }
  sendJson(ctx.res, 200, { set: names }, n > 0 ? { 'set-cookie': lines } : undefined);
}

/** Issues (or refreshes) a session cookie; anonymous (user null) unless the client logged in. */
function cookie(ctx: RouteContext, s: RouteServices): void {
  const session = s.sessions.get(ctx.sessionId) ?? s.sessions.create(null);
  sendOk(ctx.res, { 'set-cookie': sessionCookieLine(session.id) });
}
