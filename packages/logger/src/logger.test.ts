import { describe, expect, it } from 'vitest';
import { Capture } from '../test/capture.js';
import { InvalidLevelError, InvalidOptionError, LOG_LEVELS, createLogger, type LogLevel } from './index.js';

function jsonLogger(options: Parameters<typeof createLogger>[0] = {}) {
  const out = new Capture();
  const logger = createLogger({ pretty: false, destination: out, ...options });
  return { out, logger };
}

function logAll(logger: ReturnType<typeof createLogger>): void {
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
}

describe('levels', () => {
  it('defaults to info and writes level labels', () => {
    const { out, logger } = jsonLogger();
    expect(logger.level).toBe('info');
    logAll(logger);
    expect(out.records().map((r) => [r['level'], r['msg']])).toEqual([
      ['info', 'i'],
      ['warn', 'w'],
      ['error', 'e'],
    ]);
  });

  it.each([
    ['debug', ['d', 'i', 'w', 'e']],
    ['info', ['i', 'w', 'e']],
    ['warn', ['w', 'e']],
    ['error', ['e']],
  ] as const)('level %s writes only that level and above', (level, expected) => {
    const { out, logger } = jsonLogger({ level });
    logAll(logger);
    expect(out.records().map((r) => r['msg'])).toEqual(expected);
  });

  it('changes level at runtime with setLevel', () => {
    const { out, logger } = jsonLogger();
    logger.debug('hidden');
    logger.setLevel('debug');
    expect(logger.level).toBe('debug');
    logger.debug('shown');
    logger.setLevel('error');
    logger.warn('hidden too');
    logger.error('last');
    expect(out.records().map((r) => r['msg'])).toEqual(['shown', 'last']);
  });

  it('answers isLevelEnabled from the current level', () => {
    const { logger } = jsonLogger({ level: 'warn' });
    expect(LOG_LEVELS.map((l) => logger.isLevelEnabled(l))).toEqual([false, false, true, true]);
    logger.setLevel('debug');
    expect(LOG_LEVELS.map((l) => logger.isLevelEnabled(l))).toEqual([true, true, true, true]);
    expect(logger.isLevelEnabled('trace' as LogLevel)).toBe(false);
  });

  it('does no work on the arguments of a disabled level', () => {
    const { out, logger } = jsonLogger({ level: 'warn' });
    let touched = 0;
    const fields = new Proxy(
      { a: 1 },
      {
        ownKeys(target) {
          touched++;
          return Reflect.ownKeys(target);
        },
        get(target, key) {
          touched++;
          return Reflect.get(target, key);
        },
      },
    );
    logger.debug('x', fields);
    logger.info('x', fields);
    expect(touched).toBe(0);
    expect(out.chunks).toEqual([]);
    logger.warn('x', fields);
    expect(touched).toBeGreaterThan(0);
    expect(out.only()['a']).toBe(1);
  });

  it('rejects unknown level names with SE_ERR_LOGGER_INVALID_LEVEL', () => {
    expect(() => createLogger({ level: 'verbose' as LogLevel, destination: new Capture() })).toThrow(InvalidLevelError);
    const { logger } = jsonLogger();
    try {
      logger.setLevel('INFO' as LogLevel);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidLevelError);
      expect((error as InvalidLevelError).code).toBe('SE_ERR_LOGGER_INVALID_LEVEL');
      expect((error as InvalidLevelError).level).toBe('INFO');
    }
    expect(logger.level).toBe('info');
  });
});

describe('children', () => {
  it('add their bindings to every line, the parent does not', () => {
    const { out, logger } = jsonLogger();
    const session = logger.child({ session: 42 });
    const step = session.child({ step: 'login' });
    session.info('from session', { status: 200 });
    step.info('from step');
    logger.info('from root');
    const [a, b, c] = out.records();
    expect(a).toMatchObject({ session: 42, status: 200, msg: 'from session' });
    expect(b).toMatchObject({ session: 42, step: 'login', msg: 'from step' });
    expect(c).toMatchObject({ msg: 'from root' });
    expect(c).not.toHaveProperty('session');
  });

  it("follow the parent's level changes until given their own", () => {
    const { out, logger } = jsonLogger();
    const child = logger.child({ session: 1 });
    const grandchild = child.child({ step: 'a' });
    child.debug('1 hidden');
    logger.setLevel('debug');
    expect(child.level).toBe('debug');
    child.debug('2 shown');
    grandchild.debug('3 shown');

    child.setLevel('error');
    expect(logger.level).toBe('debug');
    expect(grandchild.level).toBe('error');
    child.warn('4 hidden');
    grandchild.warn('5 hidden');
    logger.debug('6 shown');

    logger.setLevel('info'); // the child keeps its own level now
    expect(child.level).toBe('error');
    child.info('7 hidden');
    expect(out.records().map((r) => r['msg'])).toEqual(['2 shown', '3 shown', '6 shown']);
  });

  it('created after a level change start at the new level', () => {
    const { out, logger } = jsonLogger({ level: 'error' });
    logger.setLevel('debug');
    logger.child({ session: 2 }).debug('shown');
    expect(out.only()).toMatchObject({ session: 2, msg: 'shown' });
  });
});

describe('lines', () => {
  it('carry root bindings, pid and hostname, fields and the message', () => {
    const { out, logger } = jsonLogger({ bindings: { run: 'r1' } });
    logger.info('started', { sessions: 500, target: { host: 'example.test' } });
    const record = out.only();
    expect(record).toMatchObject({
      level: 'info',
      run: 'r1',
      pid: process.pid,
      msg: 'started',
      sessions: 500,
      target: { host: 'example.test' },
    });
    expect(typeof record['hostname']).toBe('string');
    expect(typeof record['time']).toBe('string');
  });

  it('keep printf placeholders in the message literal', () => {
    const { out, logger } = jsonLogger();
    logger.info('100%s %d %o %%');
    logger.info('50%s done', { a: 1 });
    expect(out.records().map((r) => r['msg'])).toEqual(['100%s %d %o %%', '50%s done']);
  });

  it('serialise errors under any key, with cause and code', () => {
    const { out, logger } = jsonLogger();
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    logger.error('request failed', { err: new TypeError('bad', { cause }), error: new RangeError('out') });
    const record = out.only();
    expect(record['err']).toMatchObject({
      type: 'TypeError',
      message: 'bad',
      cause: { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9', code: 'ECONNREFUSED' },
    });
    expect((record['err'] as { stack: string }).stack).toMatch(/^TypeError: bad\n\s+at /);
    expect(record['error']).toMatchObject({ type: 'RangeError', message: 'out' });
  });

  it('survive circular fields', () => {
    const { out, logger } = jsonLogger();
    const loop: Record<string, unknown> = { name: 'loop', headers: { cookie: 'sid=1' } };
    loop['self'] = loop;
    logger.info('cyclic', { loop });
    const record = out.only() as { loop: { name: string; headers: { cookie: string } } };
    expect(record.loop.name).toBe('loop');
    expect(record.loop.headers.cookie).toBe('[REDACTED]');
  });
});

describe('flush', () => {
  it("calls the destination's flush when it has one", () => {
    const { out, logger } = jsonLogger();
    logger.info('x');
    logger.flush();
    expect(out.flushes).toBe(1);
  });

  it('passes through the pretty stream', () => {
    const out = new Capture();
    const logger = createLogger({ pretty: true, destination: out });
    logger.child({ a: 1 }).flush();
    expect(out.flushes).toBe(1);
  });

  it('is harmless on a destination without flush', () => {
    const lines: string[] = [];
    const logger = createLogger({ pretty: false, destination: { write: (s: string) => lines.push(s) } });
    logger.info('x');
    expect(() => logger.flush()).not.toThrow();
    expect(lines).toHaveLength(1);
  });
});

describe('options', () => {
  it.each([
    [{ destination: -1 }, 'destination'],
    [{ destination: 1.5 }, 'destination'],
    [{ destination: 'stderr' }, 'destination'],
    [{ destination: {} }, 'destination'],
    [{ timestampPrecision: 'ns' }, 'timestampPrecision'],
    [{ bindings: [] }, 'bindings'],
    [{ pretty: 'yes' }, 'pretty'],
  ])('rejects %o with SE_ERR_LOGGER_INVALID_OPTIONS', (options, option) => {
    try {
      createLogger({ destination: new Capture(), ...(options as object) });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).code).toBe('SE_ERR_LOGGER_INVALID_OPTIONS');
      expect((error as InvalidOptionError).option).toBe(option);
    }
  });
});
