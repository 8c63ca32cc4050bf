/**
 * Liveness and readiness (DESIGN.md, "Entry points"): /health/live answers whatever the stores do;
 * /health/ready and /health's status say 503, naming the check, when the database or the session
 * store cannot answer a real query within a second. Real parts only: a database held by another
 * session's lock (Postgres) or with its one connection taken (PGlite), an ioredis client whose
 * server is gone (a closed port: no Redis needed) or whose connection was quit (TEST_REDIS_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Redis } from 'ioredis';
import { createApp } from '../../src/app.js';
import { createRedisSessionStore } from '../../src/sessions/redis.js';
import type { SessionStore } from '../../src/sessions/port.js';
import { dbTargets } from '../helpers/db.js';
import { blockDatabase } from '../helpers/block.js';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.js';

interface Ready {
  status: string;
  checks: Record<'database' | 'sessions', { ok: boolean; ms: number; error?: string }>;
}

async function get(app: { request(path: string): Response | Promise<Response> }, path: string) {
  const started = performance.now();
  const res = await app.request(path);
  return { status: res.status, body: (await res.json()) as Ready & Record<string, unknown>, ms: performance.now() - started };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(dbTargets())('health on $name', (target) => {
  let t: TestRuntime;
  beforeAll(async () => {
    t = await createTestRuntime({ target });
  });
  afterAll(() => t?.close());

  it('is live and ready when the database and the session store answer', async () => {
    const live = await get(t.app, '/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await get(t.app, '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ok',
      checks: { database: { ok: true, ms: expect.any(Number) }, sessions: { ok: true, ms: expect.any(Number) } },
    });
    const health = await get(t.app, '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: target.name === 'pglite' ? 'embedded' : 'postgres', sessions: 'memory' });
  });

  it('is not ready, naming the database, while the drivers table cannot be read; live all along', async () => {
    const release = await blockDatabase(t.rt.db, ['drivers']);
    let ready, live, health;
    try {
      ready = await get(t.app, '/health/ready');
      live = await get(t.app, '/health/live');
      health = await get(t.app, '/health');
    } finally {
      await release();
    }
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'unavailable',
      checks: { database: { ok: false, ms: expect.any(Number), error: 'timeout' }, sessions: { ok: true, ms: expect.any(Number) } },
    });
    expect(ready.ms).toBeLessThan(2_000);
    expect(live.status).toBe(200);
    expect(live.ms).toBeLessThan(500);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', checks: { database: { ok: false } } });

    expect((await get(t.app, '/health/ready')).status).toBe(200);
  });

  it('is not ready, naming the session store, when Redis is gone (a closed port); live all along', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: await closedPort(), lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 500 });
    redis.on('error', () => {});
    try {
      const app = createApp({ ...t.rt, sessions: createRedisSessionStore({ redis }) });
      const ready = await get(app, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('unavailable');
      expect(ready.body.checks.database.ok).toBe(true);
      expect(ready.body.checks.sessions).toMatchObject({ ok: false, error: expect.any(String) });
      expect(ready.ms).toBeLessThan(2_000);
      expect((await get(app, '/health')).body).toMatchObject({ status: 'degraded', sessions: 'redis' });
      expect((await get(app, '/health/live')).status).toBe(200);
    } finally {
      redis.disconnect();
    }
  });
});

describe.runIf(process.env.TEST_REDIS_URL)('health with a real Redis', () => {
  let t: TestRuntime;
  beforeAll(async () => {
    t = await createTestRuntime({ redis: true });
  });
  afterAll(() => t?.close());

  it('is ready on Redis, and not ready, naming the session store, once the connection is quit', async () => {
    expect(t.rt.sessions.kind).toBe('redis');
    expect((await get(t.app, '/health/ready')).status).toBe(200);

    const redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    const sessions: SessionStore = createRedisSessionStore({ redis, prefix: 'rocars-test:health:' });
    const app = createApp({ ...t.rt, sessions });
    expect((await get(app, '/health/ready')).status).toBe(200);
    await redis.quit();
    const ready = await get(app, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ database: { ok: true }, sessions: { ok: false, error: expect.any(String) } });
    expect((await get(app, '/health/live')).status).toBe(200);
  });
});
