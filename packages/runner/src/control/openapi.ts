/**
 * The control API as an OpenAPI 3.1 document, generated from the zod
 * schemas the handlers validate with (`z.toJSONSchema`): request bodies in
 * their input form (what a client sends, e.g. "5s"), responses in their
 * output form.
 */
import { z } from 'zod';
import { errorSchema, proxyReloadSchema, reportSchema, runChangeSchema, runStatusSchema, stopRequestSchema, stopResponseSchema } from './schemas.js';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const error = (description: string) => ({ description, content: json('Error') });
/** What every endpoint may answer besides its own result. */
const common = {
  '401': error('no token, or a wrong one (no hint which)'),
  '429': error('10 failed authentications from this address within a minute: refused for a minute (Retry-After)'),
};

/** The whole document, for `GET /v1/openapi.json`. */
export function controlApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'session-engine control API',
      version,
      description:
        'Steers a running engine run: status, live changes (sessions, rate, pause, log level), stop, the report so far and a stream of status events. Every endpoint needs Authorization: Bearer <token>. See docs/control-api.md.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    paths: {
      '/': {
        get: {
          operationId: 'getDashboard',
          summary: 'The live dashboard: a page that asks for the token and uses the endpoints below (no data of its own, so no token needed)',
          security: [],
          responses: { '200': { description: 'the page', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
      },
      '/v1/status': {
        get: { operationId: 'getStatus', summary: 'The run now', responses: { '200': { description: 'the status', content: json('RunStatus') }, ...common } },
      },
      '/v1/run': {
        patch: {
          operationId: 'changeRun',
          summary: 'Change sessions, rate, paused and log_level while the run goes on',
          requestBody: { required: true, content: json('RunChange') },
          responses: {
            '200': { description: 'the status after the change', content: json('RunStatus') },
            '400': error('a bad value (the config\'s message) or an unknown field (named)'),
            '409': error('rate in the closed model, or the run is stopping'),
            '413': error('a body over 64 KiB'),
            ...common,
          },
        },
      },
      '/v1/stop': {
        post: {
          operationId: 'stopRun',
          summary: 'Stop like SIGINT: in-flight iterations finish within graceful_stop, then the run ends and reports (reason stopped)',
          requestBody: { required: false, content: json('StopRequest') },
          responses: {
            '202': { description: 'the stop has begun', content: json('StopResponse') },
            '400': error('a bad graceful_stop or an unknown field'),
            '409': error('the run is not running'),
            ...common,
          },
        },
      },
      '/v1/proxies/reload': {
        post: {
          operationId: 'reloadProxies',
          summary: 'Read proxy_file again without stopping the run (as SIGHUP): proxies still listed keep their health, sessions on removed ones move',
          responses: {
            '200': { description: 'the list now', content: json('ProxyReload') },
            '409': error('the run has no proxy_file, or is not running'),
            '422': error('the file is wrong now (a bad line, emptied, unreadable): the current list stays'),
            ...common,
          },
        },
      },
      '/v1/report': {
        get: { operationId: 'getReport', summary: 'The report so far (the shape of engine run --json)', responses: { '200': { description: 'the report', content: json('Report') }, ...common } },
      },
      '/v1/events': {
        get: {
          operationId: 'streamEvents',
          summary: 'Server-sent events: a `status` event (a RunStatus) every second, an `end` event when the run ends',
          responses: { '200': { description: 'an event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...common },
        },
      },
      '/v1/openapi.json': {
        get: { operationId: 'getOpenApi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } }, ...common } },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'SESSION_ENGINE_CONTROL_TOKEN, or the token printed once on stderr at start' } },
      schemas: {
        RunChange: jsonSchema(runChangeSchema, 'input'),
        StopRequest: jsonSchema(stopRequestSchema, 'input'),
        RunStatus: jsonSchema(runStatusSchema, 'output'),
        StopResponse: jsonSchema(stopResponseSchema, 'output'),
        ProxyReload: jsonSchema(proxyReloadSchema, 'output'),
        Report: jsonSchema(reportSchema, 'output'),
        Error: jsonSchema(errorSchema, 'output'),
      },
    },
  };
}
