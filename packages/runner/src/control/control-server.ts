/**
 * The control API: HTTP (fastify) over a `RunControl`. Every request needs
 * `Authorization: Bearer <token>` (checked first, before the body is read);
 * 10 failures within a minute from one address are refused for a minute;
 * bodies over 64 KiB get 413; bodies are checked with the zod schemas in
 * schemas.ts (unknown fields named). The token is never logged: fastify's
 * own logger is off and nothing here logs headers or URLs with queries.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Logger } from '@session-engine/logger';
import { ProxyError } from '@session-engine/proxy';
import { NoProxyFileError, RunnerError } from '../errors.js';
import { FailureLimiter, TokenCheck } from './auth.js';
import { ControlConflictError, ControlInvalidArgumentError, ControlNotRunningError, ControlServerError } from './errors.js';
import { renderDashboard } from './dashboard.js';
import { controlApiDocument } from './openapi.js';
import type { RunControl } from './run-control.js';
import { parseRunChange, parseStopRequest } from './schemas.js';

/** Request bodies larger than this get 413. */
export const CONTROL_BODY_LIMIT = 64 * 1024;

export interface ControlAppOptions {
  control: RunControl;
  /** The bearer token every request must carry. */
  token: string;
  /** The version in the OpenAPI document. */
  version: string;
  logger?: Logger | undefined;
  /** Failed-authentication throttle (default: 10 a minute per address, then a minute of 429). */
  limiter?: FailureLimiter;
  /** Time between two `GET /v1/events` messages (default 1000 ms). */
  eventIntervalMs?: number;
}

export interface RunningControlServer {
  /** `http://host:port`, the port resolved when 0 was asked for. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Ends event streams and stops listening. Idempotent. */
  close(): Promise<void>;
}

const ENDPOINTS =
  'GET / (the dashboard), GET /v1/status, PATCH /v1/run, POST /v1/stop, POST /v1/proxies/reload, GET /v1/report, GET /v1/events, GET /v1/openapi.json';

function errorBody(code: string, message: string, issues?: readonly { field: string; message: string }[]) {
  return { error: { code, message, ...(issues === undefined ? {} : { issues }) } };
}

/** Status and body of an error thrown by a handler or by fastify itself (body parsing, limits). */
function errorResponse(error: unknown): { status: number; body: ReturnType<typeof errorBody> } {
  if (error instanceof ControlInvalidArgumentError) return { status: 400, body: errorBody(error.code, error.message, error.issues) };
  if (error instanceof ControlConflictError || error instanceof ControlNotRunningError || error instanceof NoProxyFileError) {
    return { status: 409, body: errorBody(error.code, error.message) };
  }
  // The proxy file on disk is wrong (a bad line, emptied, unreadable): the current list stays.
  if (error instanceof ProxyError) return { status: 422, body: errorBody(error.code, `${error.message}; the current proxy list stays`) };
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, body: errorBody('SE_ERR_RUNNER_CONTROL_BODY_TOO_LARGE', `the request body is over ${CONTROL_BODY_LIMIT / 1024} KiB; a change is a few fields`) };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Malformed JSON, an unsupported content type, an empty JSON body: the client's to fix.
    const message = `${fastifyError.message ?? 'bad request'}; send a JSON object with content-type application/json`;
    return { status, body: errorBody('SE_ERR_RUNNER_INVALID_ARGUMENT', message) };
  }
  const code = error instanceof RunnerError ? error.code : 'SE_ERR_RUNNER_CONTROL_INTERNAL';
  return { status: 500, body: errorBody(code, error instanceof Error ? error.message : String(error)) };
}

/**
 * Builds the control API on `control` without listening: `app.inject()` for
 * tests, `startControlServer()` to serve it.
 */
export function buildControlApp(options: ControlAppOptions): FastifyInstance {
  const { control, logger } = options;
  const check = new TokenCheck(options.token);
  const limiter = options.limiter ?? new FailureLimiter();
  const eventInterval = options.eventIntervalMs ?? 1_000;
  const streams = new Set<() => void>();
  // Fastify's own logger stays off: its request logs would carry URLs and could carry headers.
  const app = Fastify({ logger: false, bodyLimit: CONTROL_BODY_LIMIT, forceCloseConnections: true, return503OnClosing: true });

  // An empty JSON body is no body (`curl -X POST -H 'content-type: application/json' .../v1/stop`);
  // anything else goes to fastify's own parser (prototype-poisoning checks included).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    return parseJson(request, text, done);
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // The dashboard's page holds no data; it asks for the token and sends it with every call.
    if (request.method === 'GET' && request.routeOptions.url === '/') return undefined;
    const address = request.ip;
    const blocked = limiter.blockedFor(address);
    if (blocked > 0) {
      return reply
        .code(429)
        .header('retry-after', String(Math.ceil(blocked / 1000)))
        .send(errorBody('SE_ERR_RUNNER_CONTROL_RATE_LIMITED', 'too many failed authentications from this address; try again later'));
    }
    // Only the header counts: a token in the URL (query string) is never accepted.
    if (!check.accepts(request.headers.authorization)) {
      if (limiter.fail(address)) logger?.warn('control API: 10 failed authentications within a minute; refusing this address for a minute', { address });
      return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('SE_ERR_RUNNER_CONTROL_UNAUTHORIZED', 'unauthorized'));
    }
    return undefined;
  });

  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = errorResponse(error);
    if (status === 500) logger?.warn('control API: a request failed', { error: body.error.message });
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('SE_ERR_RUNNER_CONTROL_NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0] ?? ''}; the endpoints are ${ENDPOINTS}`)),
  );

  app.get('/', async (_request, reply) => {
    const { html, csp } = renderDashboard();
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', csp)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(html);
  });

  app.get('/v1/status', async () => control.status());

  app.patch('/v1/run', async (request) => {
    const change = parseRunChange(request.body);
    const status = await control.update(change);
    // The change itself, never the request: nothing of its headers is logged.
    logger?.info('control API: run changed', { ...change });
    return status;
  });

  app.post('/v1/stop', async (request, reply) => {
    const { graceful_stop } = parseStopRequest(request.body);
    logger?.warn('stop requested through the control API: finishing in-flight iterations', graceful_stop === undefined ? {} : { graceful_stop_ms: graceful_stop });
    const result = control.stop(graceful_stop === undefined ? {} : { gracefulStopMs: graceful_stop });
    return reply.code(202).send({ state: 'stopping', ...result });
  });

  app.post('/v1/proxies/reload', async () => {
    const result = await control.reloadProxies();
    logger?.info('control API: proxy file reloaded', { ...result });
    return result;
  });

  app.get('/v1/report', async () => control.report());

  app.get('/v1/openapi.json', async () => controlApiDocument(options.version));

  app.get('/v1/events', (request, reply) => {
    // Checked before the stream opens, so a run that is not running gets a plain 409.
    const first = control.status();
    reply.hijack();
    const raw: ServerResponse = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Declared before the closures that clear it; started once the first event is out.
    const timer: NodeJS.Timeout = setInterval(() => send(), eventInterval);
    const end = (): void => {
      clearInterval(timer);
      streams.delete(end);
      if (!raw.writableEnded) raw.end('event: end\ndata: {}\n\n');
    };
    const send = (): void => {
      if (!control.running) return end();
      try {
        raw.write(`event: status\ndata: ${JSON.stringify(control.status())}\n\n`);
      } catch {
        end();
      }
    };
    raw.write(`retry: ${eventInterval}\nevent: status\ndata: ${JSON.stringify(first)}\n\n`);
    streams.add(end);
    request.raw.on('close', () => {
      clearInterval(timer);
      streams.delete(end);
    });
  });

  // Open event streams would keep close() waiting: they end first, with an `end` event.
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });
  return app;
}

/** Serves the control API on `host:port` (0 = a free port). Rejects with `ControlServerError` when it cannot listen. */
export async function startControlServer(options: ControlAppOptions & { port: number; host: string }): Promise<RunningControlServer> {
  const app = buildControlApp(options);
  try {
    await app.listen({ port: options.port, host: options.host, listenTextResolver: () => '' });
  } catch (error) {
    await app.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new ControlServerError(
      `the control API cannot listen on ${options.host}:${options.port}: ${reason}; choose another control_port (0 = a free one) or control_host`,
      { cause: error },
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    host: options.host,
    port,
    close: () => (closing ??= app.close()),
  };
}
