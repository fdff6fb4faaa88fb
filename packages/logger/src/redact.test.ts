import { REDACTED, redactUrl as sharedRedactUrl } from '@session-engine/redact';
import { describe, expect, it } from 'vitest';
import { Capture } from '../test/capture.js';
import { createLogger, redactUrl } from './index.js';
import { redactFields } from './redact.js';

function logOne(fields: Record<string, unknown>, msg = 'm'): Record<string, unknown> {
  const out = new Capture();
  createLogger({ pretty: false, destination: out }).info(msg, fields);
  return out.only();
}

describe('header redaction', () => {
  it.each(['authorization', 'cookie', 'set-cookie', 'proxy-authorization'])('censors top-level %s', (key) => {
    expect(logOne({ [key]: 'secret', other: 'kept' })).toMatchObject({ [key]: REDACTED, other: 'kept' });
  });

  it('censors headers.authorization, req.headers.cookie and response.headers["set-cookie"]', () => {
    const record = logOne({
      headers: { authorization: 'Bearer abc', accept: 'text/html' },
      req: { method: 'GET', headers: { cookie: 'sid=1', 'user-agent': 'ua' } },
      response: { status: 200, headers: { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' } },
    });
    expect(record).toMatchObject({
      headers: { authorization: REDACTED, accept: 'text/html' },
      req: { method: 'GET', headers: { cookie: REDACTED, 'user-agent': 'ua' } },
      response: { status: 200, headers: { 'set-cookie': REDACTED, 'content-type': 'text/plain' } },
    });
  });

  it.each([
    'Authorization',
    'AUTHORIZATION',
    'Cookie',
    'COOKIE',
    'Set-Cookie',
    'SET-COOKIE',
    'Proxy-Authorization',
    'PROXY-AUTHORIZATION',
    'sEt-CoOkIe',
  ])('censors the %s casing', (key) => {
    expect(logOne({ headers: { [key]: 'secret' } })).toEqual(expect.objectContaining({ headers: { [key]: REDACTED } }));
  });

  it('censors deep inside objects and arrays', () => {
    const record = logOne({
      steps: [{ request: { headers: { Authorization: 'Basic x' } } }, { response: { headers: { 'Set-Cookie': 'a=1' } } }],
    });
    expect(record['steps']).toEqual([
      { request: { headers: { Authorization: REDACTED } } },
      { response: { headers: { 'Set-Cookie': REDACTED } } },
    ]);
  });

  it('censors every header @session-engine/redact calls secret, in any casing', () => {
    const record = logOne({
      headers: { 'x-api-key': 'k1', 'X-Auth-Token': 'k2', 'x-csrf-token': 'k3', accept: 'text/html' },
      oauth: { client_secret: 'k4', access_token: 'k5', refreshToken: 'k6' },
      db: { PASSWORD: 'k7', apiKey: 'k8' },
    });
    expect(record).toMatchObject({
      headers: { 'x-api-key': REDACTED, 'X-Auth-Token': REDACTED, 'x-csrf-token': REDACTED, accept: 'text/html' },
      oauth: { client_secret: REDACTED, access_token: REDACTED, refreshToken: REDACTED },
      db: { PASSWORD: REDACTED, apiKey: REDACTED },
    });
    expect(JSON.stringify(record)).not.toMatch(/k[1-8]/);
  });

  it('leaves look-alike keys alone', () => {
    const fields = { cookies: 3, 'x-cookie': 'a', authorizationType: 'basic', cookie_count: 2 };
    expect(logOne(fields)).toMatchObject(fields);
  });
});

describe('body redaction', () => {
  it('prints neither a secret header nor a request body', () => {
    const out = new Capture();
    createLogger({ pretty: false, destination: out }).info('request', {
      headers: { 'x-api-key': 'SECRET123' },
      body: 'user=a&password=hunter2',
    });
    expect(out.only()).toMatchObject({ headers: { 'x-api-key': REDACTED }, body: REDACTED });
    expect(out.text).not.toMatch(/SECRET123|hunter2/);
  });

  it('censors body and json values at any depth, whatever their type', () => {
    const record = logOne({
      req: { method: 'POST', body: { user: 'a', pin: 1234 } },
      step: { name: 'login', json: { user: 'a', pin: 'LEAK' } },
      upload: { BODY: Buffer.from('LEAK') },
      err: Object.assign(new Error('bad status'), { body: '{"token":"LEAK"}' }),
    });
    expect(record).toMatchObject({
      req: { method: 'POST', body: REDACTED },
      step: { name: 'login', json: REDACTED },
      upload: { BODY: REDACTED },
      err: { message: 'bad status', body: REDACTED },
    });
    expect(JSON.stringify(record)).not.toMatch(/LEAK|1234/);
  });

  it('keeps an absent or empty body visible', () => {
    const fields = { req: { method: 'GET', body: '' }, res: { body: null }, json: undefined };
    expect(redactFields(fields)).toBe(fields);
  });

  it('leaves look-alike keys alone', () => {
    const fields = { bodySize: 12, body_bytes: 3, jsonPath: '$.a', bodies: 2 };
    expect(logOne(fields)).toMatchObject(fields);
  });
});

describe('URL credential redaction', () => {
  it('exports the redactUrl of @session-engine/redact', () => {
    expect(redactUrl).toBe(sharedRedactUrl);
    expect(redactUrl('https://u:p@ss@host')).toBe('https://***:***@host');
  });

  it('masks a proxy field, nested URLs, URL objects and array items', () => {
    const record = logOne({
      proxy: 'http://user:pass@10.0.0.1:8080',
      session: { proxy: 'socks5://u:p@10.0.0.2:1080', target: 'https://example.test/a' },
      proxies: ['http://a:b@h1:1', 'http://h2:2'],
      url: new URL('http://name:word@h3:3/p'),
    });
    expect(record).toMatchObject({
      proxy: 'http://***:***@10.0.0.1:8080',
      session: { proxy: 'socks5://***:***@10.0.0.2:1080', target: 'https://example.test/a' },
      proxies: ['http://***:***@h1:1', 'http://h2:2'],
      url: 'http://***:***@h3:3/p',
    });
  });

  it('masks the message and error messages and stacks', () => {
    const error = new Error('tunnel via http://user:pass@proxy:8080 failed');
    const record = logOne({ err: error }, 'proxy http://user:pass@proxy:8080 down');
    expect(record['msg']).toBe('proxy http://***:***@proxy:8080 down');
    const err = record['err'] as { message: string; stack: string };
    expect(err.message).toBe('tunnel via http://***:***@proxy:8080 failed');
    expect(err.stack).toContain('http://***:***@proxy:8080');
    expect(JSON.stringify(record)).not.toContain('pass');
  });

  it('masks root bindings and child bindings', () => {
    const out = new Capture();
    const logger = createLogger({
      pretty: false,
      destination: out,
      bindings: { proxy: 'http://a:rootsecret@h:1', headers: { cookie: 'rootcookie' } },
    });
    logger.child({ proxy: 'socks5://b:childsecret@h:2', authorization: 'x' }).info('m');
    const record = out.only();
    expect(record).toMatchObject({ proxy: 'socks5://***:***@h:2', headers: { cookie: REDACTED }, authorization: REDACTED });
    expect(out.text).not.toMatch(/rootsecret|childsecret|rootcookie/);
  });

  it('censors secrets in pretty output too', () => {
    const out = new Capture();
    createLogger({ pretty: true, destination: out }).info('m', {
      proxy: 'http://u:topsecret@h:1',
      headers: { Cookie: 'sid=topsecret' },
    });
    expect(out.text).toContain('http://***:***@h:1');
    expect(out.text).toContain('"Cookie":"[REDACTED]"');
    expect(out.text).not.toContain('topsecret');
  });
});

describe('structures', () => {
  it('are redacted at any printable depth', () => {
    let deep: Record<string, unknown> = { cookie: 'LEAK', proxy: 'http://u:LEAK@h:1' };
    for (let i = 0; i < 30; i++) deep = { n: deep };
    const out = new Capture();
    createLogger({ pretty: false, destination: out }).info('m', { deep });
    expect(out.text).toContain('"cookie":"[REDACTED]"');
    expect(out.text).not.toContain('LEAK');
  });

  it('are cut, never leaked, beyond 64 levels', () => {
    let deep: Record<string, unknown> = { cookie: 'LEAK' };
    for (let i = 0; i < 100; i++) deep = { n: deep };
    const out = new Capture();
    createLogger({ pretty: false, destination: out }).info('m', { deep });
    expect(out.text).toContain('[Object]');
    expect(out.text).not.toContain('LEAK');
  });

  it('replace a reference to an ancestor with "[Circular]" but keep shared references', () => {
    const shared = { proxy: 'http://u:p@h:1' };
    const loop: Record<string, unknown> = { a: shared, b: shared };
    loop['self'] = loop;
    expect(redactFields({ loop })).toEqual({
      loop: { a: { proxy: 'http://***:***@h:1' }, b: { proxy: 'http://***:***@h:1' }, self: '[Circular]' },
    });
  });

  it('end an error cause cycle', () => {
    const error = new Error('self-caused');
    error.cause = error;
    expect(logOne({ err: error })['err']).toMatchObject({ message: 'self-caused', cause: '[Circular]' });
  });

  it('are redacted in what toJSON returns', () => {
    const request = { toJSON: () => ({ headers: { Authorization: 'Bearer LEAK' }, via: 'http://u:LEAK@h:1' }) };
    const record = logOne({ request, when: new Date(Date.UTC(2026, 0, 1)) });
    expect(record).toMatchObject({
      request: { headers: { Authorization: REDACTED }, via: 'http://***:***@h:1' },
      when: '2026-01-01T00:00:00.000Z',
    });
  });
});

describe('redactFields', () => {
  it('never mutates the caller objects', () => {
    const headers = { authorization: 'Bearer abc', accept: '*/*' };
    const fields = { headers, proxy: 'http://u:p@h:1', list: ['http://u:p@h:2'] };
    const redacted = redactFields(fields);
    expect(redacted).not.toBe(fields);
    expect(fields).toEqual({ headers: { authorization: 'Bearer abc', accept: '*/*' }, proxy: 'http://u:p@h:1', list: ['http://u:p@h:2'] });
    expect(redacted['headers']).toEqual({ authorization: REDACTED, accept: '*/*' });
  });

  it('returns the same objects when nothing is secret', () => {
    const nested = { a: [1, 'two', { b: 'http://host/x' }] };
    const fields = { nested, n: 1 };
    const redacted = redactFields(fields);
    expect(redacted).toBe(fields);
    expect(redacted['nested']).toBe(nested);
  });

  it('keeps a "__proto__" key an own property', () => {
    const fields = JSON.parse('{"__proto__": {"cookie": "x"}}') as Record<string, unknown>;
    const redacted = redactFields(fields);
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(redacted, '__proto__')?.value).toEqual({ cookie: REDACTED });
  });

  it('keeps undefined secret values undefined', () => {
    expect(redactFields({ cookie: undefined })).toEqual({ cookie: undefined });
  });
});
