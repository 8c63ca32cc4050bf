import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { createRedisSessionStore, openSessionStore, type SessionBackend } from '../../src/sessions/index.js';
import { deleteKeys } from './targets.js';

const REDIS_URL = process.env.TEST_REDIS_URL;

/** A TCP server on a free loopback port, closed after each test. */
const servers: net.Server[] = [];
async function listen(onConnection: (socket: net.Socket) => void, port = 0): Promise<number> {
  const server = net.createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return (server.address() as net.AddressInfo).port;
}
const sockets = new Set<net.Socket>();
function track(...ss: net.Socket[]) {
  for (const s of ss) {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  }
}
async function closeServers() {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
}
afterEach(closeServers);

describe('openSessionStore', () => {
  it('uses memory without a URL', async () => {
    const backend = await openSessionStore();
    try {
      expect(backend.kind).toBe('memory');
      expect(await backend.sessions.save('call:CA1', { step: 'menu' }, 0, 60)).toBe(1);
      expect((await backend.rateLimiter.hit('sms:+85291234567', 10, 60)).allowed).toBe(true);
    } finally {
      await backend.close();
    }
    await expect(backend.sessions.load('call:CA1')).rejects.toThrow(/closed/);
  });

  it('fails start-up clearly, without the password, when Redis refuses connections', async () => {
    // Port 1 on loopback: nothing listens there.
    const error = await openSessionStore('redis://rocars:s3cret-pw@127.0.0.1:1/0', { connectTimeoutMs: 1000 }).then(
      () => null,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:1\/0 is unreachable after 1 s: .*ECONNREFUSED/);
    expect(error?.message).not.toMatch(/s3cret/);
  });

  it('fails start-up when something listens but never answers', async () => {
    const port = await listen((socket) => track(socket));
    await expect(openSessionStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 1000 })).rejects.toThrow(
      new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port} is unreachable after 1 s`),
    );
  });
});

describe.runIf(REDIS_URL)('Redis sessions during an outage', () => {
  const url = REDIS_URL!;
  const run = `rocars-test:${randomUUID()}:`;
  const opened: SessionBackend[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((b) => b.close()));
    await deleteKeys(url, run);
  });

  /** A proxy to the real Redis that the test can cut (connections refused) or mute (no replies). */
  async function proxy(port = 0) {
    let muted = false;
    const target = new URL(url);
    const p = await listen((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      track(client, upstream);
      client.on('data', (b) => upstream.write(b));
      upstream.on('data', (b) => {
        if (!muted) client.write(b);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    }, port);
    return { port: p, mute: () => (muted = true) };
  }
  const viaProxy = (port: number) => {
    const u = new URL(url);
    u.port = String(port);
    return u.toString();
  };
  const open = async (port: number, commandTimeoutMs = 2000) => {
    const b = await openSessionStore(viaProxy(port), {
      sessionPrefix: `${run}sess:`,
      rateLimitPrefix: `${run}rl:`,
      commandTimeoutMs,
      onError: () => {},
    });
    opened.push(b);
    return b;
  };

  // Each test's own timeout is the point: an outage must surface as an error well inside Twilio's
  // 15 s webhook timeout, not hang the turn.
  it('fails commands quickly when Redis goes away, and recovers when it is back', { timeout: 20_000 }, async () => {
    const { port } = await proxy();
    const b = await open(port);
    expect(b.kind).toBe('redis');
    const key = `call:${randomUUID()}`;
    expect(await b.sessions.save(key, { step: 'menu' }, 0, 60)).toBe(1);

    await closeServers();
    await expect(b.sessions.load(key)).rejects.toThrow();
    await expect(b.sessions.save(key, { step: 'x' }, 1, 60)).rejects.toThrow();
    await expect(b.rateLimiter.hit(`sms:${key}`, 10, 60)).rejects.toThrow();

    await proxy(port);
    let back: unknown;
    for (let i = 0; i < 60 && back === undefined; i++) {
      back = await b.sessions.load(key).catch(() => undefined);
      if (back === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    expect(back).toEqual({ value: { step: 'menu' }, version: 1 });
  });

  it('fails commands when Redis stops answering', { timeout: 10_000 }, async () => {
    const { port, mute } = await proxy();
    const b = await open(port, 500);
    const key = `call:${randomUUID()}`;
    expect(await b.sessions.save(key, { step: 'menu' }, 0, 60)).toBe(1);
    mute();
    await expect(b.sessions.load(key)).rejects.toThrow(/timed out/i);
    await expect(b.sessions.save(key, { step: 'x' }, 1, 60)).rejects.toThrow(/timed out/i);
    await expect(b.rateLimiter.hit(`sms:${key}`, 10, 60)).rejects.toThrow(/timed out/i);
  });
});

describe.runIf(REDIS_URL)('Redis session store', () => {
  const url = REDIS_URL!;
  const run = `rocars-test:${randomUUID()}:`;
  afterAll(() => deleteKeys(url, run));

  it('keeps stores with different prefixes apart', async () => {
    const redis = new Redis(url);
    try {
      const one = createRedisSessionStore({ redis, prefix: `${run}one:` });
      const two = createRedisSessionStore({ redis, prefix: `${run}two:` });
      expect(await one.save('call:CA1', { who: 'one' }, 0, 60)).toBe(1);
      expect(await two.load('call:CA1')).toBeNull();
      expect(await two.save('call:CA1', { who: 'two' }, 0, 60)).toBe(1);
      expect(await one.load('call:CA1')).toEqual({ value: { who: 'one' }, version: 1 });
    } finally {
      redis.disconnect();
    }
  });

  it('fails only the save Redis refuses; the saves made with it are kept', async () => {
    const redis = new Redis(url);
    try {
      const store = createRedisSessionStore({ redis, prefix: `${run}mixed:` });
      // A key of another type: Redis refuses HGET on it.
      await redis.set(`${run}mixed:call:bad`, 'not a hash');
      const [good, bad, other] = await Promise.allSettled([
        store.save('call:good', { step: 'menu' }, 0, 60),
        store.save('call:bad', { step: 'menu' }, 0, 60),
        store.save('call:other', { step: 'ccrn' }, 0, 60),
      ]);
      expect(good).toEqual({ status: 'fulfilled', value: 1 });
      expect(bad.status).toBe('rejected');
      expect(other).toEqual({ status: 'fulfilled', value: 1 });
      expect(await store.load('call:other')).toEqual({ value: { step: 'ccrn' }, version: 1 });
      expect(await redis.get(`${run}mixed:call:bad`)).toBe('not a hash');
    } finally {
      redis.disconnect();
    }
  });

  it('quits the client on close only when it owns it', async () => {
    const shared = new Redis(url);
    const owned = new Redis(url);
    try {
      await createRedisSessionStore({ redis: shared, prefix: run }).close();
      expect(await shared.ping()).toBe('PONG');
      await createRedisSessionStore({ redis: owned, prefix: run, ownsClient: true }).close();
      expect(owned.status).toBe('end');
    } finally {
      shared.disconnect();
      owned.disconnect();
    }
  });
});
