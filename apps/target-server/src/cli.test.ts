import { describe, expect, it } from 'vitest';
import { parseCliArgs, runCli, type CliIo } from './cli.js';
import { startTargetServer } from './server.js';

describe('parseCliArgs', () => {
  it('defaults to 127.0.0.1:8080', () => {
    expect(parseCliArgs([], {})).toEqual({ kind: 'serve', options: { port: 8080, host: '127.0.0.1' } });
  });

  it('reads PORT and HOST from the environment', () => {
    expect(parseCliArgs([], { PORT: '9000', HOST: '0.0.0.0' })).toEqual({ kind: 'serve', options: { port: 9000, host: '0.0.0.0' } });
  });

  it('lets flags win over the environment', () => {
    const command = parseCliArgs(['--port', '0', '--host', '::1'], { PORT: '9000', HOST: '0.0.0.0' });
    expect(command).toEqual({ kind: 'serve', options: { port: 0, host: '::1' } });
    expect(parseCliArgs(['-p', '81', '-H', 'localhost'], {})).toEqual({ kind: 'serve', options: { port: 81, host: 'localhost' } });
    expect(parseCliArgs(['--port=82'], {})).toMatchObject({ options: { port: 82 } });
  });

  it('reads the timeouts and delay cap', () => {
    expect(parseCliArgs(['--shutdown-timeout', '500', '--keep-alive-timeout', '1000', '--max-delay', '2000'], {})).toMatchObject({
      options: { shutdownTimeout: 500, keepAliveTimeout: 1000, maxDelayMs: 2000 },
    });
  });

  it('recognises --help and -h', () => {
    expect(parseCliArgs(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-h', '--port', '1'], {})).toEqual({ kind: 'help' });
  });

  it.each([
    [['--port', 'abc'], {}, /--port must be an integer/],
    [['--port', '70000'], {}, /--port must be an integer from 0 to 65535/],
    [['--port', '-1'], {}, /--port|argument/],
    [[], { PORT: 'eighty' }, /PORT must be an integer/],
    [['--bogus'], {}, /bogus/],
    [['extra'], {}, /extra/],
    [['--shutdown-timeout', '1.5'], {}, /--shutdown-timeout/],
  ])('rejects %j %j with SE_ERR_TARGET_INVALID_ARGUMENT', (argv, env, message) => {
    expect(() => parseCliArgs(argv, env)).toThrow(expect.objectContaining({ code: 'SE_ERR_TARGET_INVALID_ARGUMENT', message: expect.stringMatching(message) }));
  });
});

function fakeIo(): CliIo & { out: string[]; err: string[]; signal(name: NodeJS.Signals): void; listeners: number } {
  const listeners = new Set<(signal: NodeJS.Signals) => void>();
  const io = {
    out: [] as string[],
    err: [] as string[],
    stdout: (line: string) => io.out.push(line),
    stderr: (line: string) => io.err.push(line),
    onSignal: (listener: (signal: NodeJS.Signals) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    signal: (name: NodeJS.Signals) => {
      for (const listener of [...listeners]) listener(name);
    },
    get listeners() {
      return listeners.size;
    },
  };
  return io;
}

describe('runCli', () => {
  it('prints help and returns 0', async () => {
    const io = fakeIo();
    expect(await runCli(['--help'], {}, io)).toBe(0);
    expect(io.out.join('')).toContain('Usage: target-server');
  });

  it('returns 2 with the message and usage on stderr for bad arguments', async () => {
    const io = fakeIo();
    expect(await runCli(['--port', 'x'], {}, io)).toBe(2);
    expect(io.err.join('')).toContain('--port must be an integer');
    expect(io.err.join('')).toContain('Usage: target-server');
  });

  it('returns 1 when the port is taken', async () => {
    const taken = await startTargetServer({ port: 0 });
    try {
      const io = fakeIo();
      expect(await runCli(['--port', String(taken.port)], {}, io)).toBe(1);
      expect(io.err.join('')).toContain('SE_ERR_TARGET_LISTEN');
      expect(io.out).toEqual([]);
    } finally {
      await taken.close();
    }
  });

  it('serves, prints the ready line, and returns 0 after a signal', async () => {
    const io = fakeIo();
    const done = runCli(['--port', '0'], {}, io);
    await waitFor(() => io.out.length === 1);
    const line = io.out[0] ?? '';
    expect(line).toMatch(/^target-server listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = line.slice('target-server listening on '.length);
    expect((await fetch(`${url}/`)).status).toBe(200);
    io.signal('SIGTERM');
    expect(await done).toBe(0);
    expect(io.err.join('\n')).toContain('SIGTERM received');
    expect(io.err.at(-1)).toBe('target-server: stopped');
    expect(io.listeners).toBe(0);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error('condition not met');
}
