import { afterEach, describe, expect, it } from 'vitest';
import { startTargetServer, type RunningTargetServer } from './index.js';

let server: RunningTargetServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startTargetServer', () => {
  it('listens on an ephemeral loopback port and answers / and /health', async () => {
    server = await startTargetServer({ port: 0 });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);

    const root = await fetch(`${server.url}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toBe('ok');

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
  });

  it('answers unknown paths with 404', async () => {
    server = await startTargetServer();
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
  });
});
