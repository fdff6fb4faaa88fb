import fs from 'node:fs';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Capture } from '../test/capture.js';
import { createLogger } from './index.js';

const ANSI = new RegExp(String.fromCharCode(27) + '\\[\\d+m');
const PRETTY_LINE = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] INFO: session ready \{"session":42,"status":200\}$/;

describe('default destination', () => {
  let writes: Array<{ fd: number; text: string }>;
  let stderrIsTTY: boolean | undefined;

  beforeEach(() => {
    writes = [];
    stderrIsTTY = process.stderr.isTTY;
    const original = fs.writeSync;
    // sonic-boom writes synchronously through fs.writeSync: record fd 2, keep it off the real stderr.
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
      if (fd !== 2) return (original as (...args: unknown[]) => number)(fd, data, ...rest);
      const text = String(data);
      writes.push({ fd, text });
      return Buffer.byteLength(text);
    }) as typeof fs.writeSync);
  });

  afterEach(() => {
    if (stderrIsTTY === undefined) delete (process.stderr as { isTTY?: boolean }).isTTY;
    else process.stderr.isTTY = stderrIsTTY;
  });

  it('is stderr (fd 2), written synchronously, leaving stdout free', () => {
    createLogger({ pretty: false }).info('hello', { a: 1 });
    expect(writes).toHaveLength(1);
    expect(JSON.parse(writes[0]?.text ?? '')).toMatchObject({ level: 'info', msg: 'hello', a: 1 });
  });

  it('is JSON lines when stderr is not a terminal', () => {
    process.stderr.isTTY = false;
    createLogger().info('json');
    expect(JSON.parse(writes[0]?.text ?? '')).toMatchObject({ msg: 'json' });
  });

  it('is pretty when stderr is a terminal, unless pretty: false', () => {
    process.stderr.isTTY = true;
    createLogger().info('human');
    createLogger({ pretty: false }).info('machine');
    expect(writes).toHaveLength(2);
    expect(() => JSON.parse(writes[0]?.text ?? '')).toThrow();
    expect(writes[0]?.text).toContain('human');
    expect(JSON.parse(writes[1]?.text ?? '')).toMatchObject({ msg: 'machine' });
  });
});

describe('file descriptor destination', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'se-logger-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes JSON lines to the fd, not a terminal so not pretty', () => {
    const file = join(dir, 'log.jsonl');
    const fd = openSync(file, 'w');
    try {
      const logger = createLogger({ destination: fd });
      logger.info('one');
      logger.child({ session: 7 }).warn('two');
      logger.flush();
    } finally {
      closeSync(fd);
    }
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toMatchObject([
      { level: 'info', msg: 'one' },
      { level: 'warn', msg: 'two', session: 7 },
    ]);
  });
});

describe('stream destination', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('is JSON unless the stream is a terminal', () => {
    const plain = new Capture();
    createLogger({ destination: plain }).info('m');
    expect(plain.only()).toMatchObject({ msg: 'm' });

    const tty = new Capture({ isTTY: true });
    createLogger({ destination: tty }).info('m');
    expect(() => tty.records()).toThrow();
  });

  it('pretty: true forces one human-readable line without colours on a non-terminal', () => {
    const out = new Capture();
    createLogger({ pretty: true, destination: out }).child({ session: 42 }).info('session ready', { status: 200 });
    expect(out.chunks).toHaveLength(1);
    expect(out.text.endsWith('\n')).toBe(true);
    const [line] = out.lines();
    expect(line).toMatch(PRETTY_LINE);
    expect(out.text).not.toMatch(ANSI);
  });

  it('pretty: false forces JSON on a terminal', () => {
    const out = new Capture({ isTTY: true });
    createLogger({ pretty: false, destination: out }).info('m');
    expect(out.only()).toMatchObject({ msg: 'm' });
  });

  it('pretty output shows every level and microsecond times', () => {
    const out = new Capture();
    const logger = createLogger({ pretty: true, destination: out, level: 'debug', timestampPrecision: 'us' });
    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d');
    expect(out.lines().map((l) => l.replace(/^\[[^\]]+\] /, ''))).toEqual(['DEBUG: a', 'INFO: b', 'WARN: c', 'ERROR: d']);
    expect(out.lines()[0]).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\] /);
  });

  it('colours pretty output on a terminal unless NO_COLOR is set', () => {
    vi.stubEnv('NO_COLOR', '');
    const coloured = new Capture({ isTTY: true });
    createLogger({ destination: coloured }).info('m');
    expect(coloured.text).toMatch(ANSI);

    vi.stubEnv('NO_COLOR', '1');
    const plain = new Capture({ isTTY: true });
    createLogger({ destination: plain }).info('m');
    expect(plain.text).not.toMatch(ANSI);
    expect(plain.text).toContain('INFO: m');
  });
});
