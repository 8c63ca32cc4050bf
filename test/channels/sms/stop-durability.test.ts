/**
 * STOP and START are recorded in Postgres whatever else fails: with the session store (Redis in
 * production) down, the opt-out row is written and the sender still gets the confirmation, in the
 * language that can still be known (the keyword's script, the driver's language, else English).
 *
 * Session stores: memory (healthy: the reply language still follows LANG and the driver); a real
 * Redis client pointed at a port nothing listens on (no server needed: runs anywhere); and, when
 * TEST_REDIS_URL is set (CI), a real Redis connection that was open and is then quit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { Hono } from 'hono';
import { smsRoutes } from '../../../src/channels/sms/routes.js';
import { createLogger } from '../../../src/logger.js';
import { createRedisSessionStore } from '../../../src/sessions/redis.js';
import { createRedisRateLimiter } from '../../../src/sessions/rate-limit.js';
import type { SessionStore } from '../../../src/sessions/port.js';
import type { RateLimiter } from '../../../src/sessions/rate-limit.js';
import { expectValidTwiml } from '../../helpers/twiml.js';
import { DEMO, openHarness, sendSms, type Harness } from './harness.js';

const START = new Date('2026-12-07T02:00:00Z');

/** A loopback port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Session store and rate limiter on `redis`, with the production's failure settings. */
function redisStores(redis: Redis): { sessions: SessionStore; rateLimiter: RateLimiter } {
  return { sessions: createRedisSessionStore({ redis, prefix: 'test:stop:s:' }), rateLimiter: createRedisRateLimiter({ redis, prefix: 'test:stop:rl:' }) };
}

interface Target {
  name: string;
  down: boolean;
  open(): Promise<{ stores?: { sessions: SessionStore; rateLimiter: RateLimiter }; close(): Promise<void> }>;
}

const targets: Target[] = [
  { name: 'memory sessions', down: false, open: async () => ({ close: async () => {} }) },
  {
    name: 'a Redis client whose server is not there',
    down: true,
    open: async () => {
      // As src/sessions/index.ts opens it (one retry a command, a command timeout), but lazily:
      // start-up would refuse an unreachable Redis, and this is Redis lost after start-up.
      const redis = new Redis({
        host: '127.0.0.1',
        port: await closedPort(),
        lazyConnect: true,
        connectTimeout: 500,
        commandTimeout: 1000,
        maxRetriesPerRequest: 1,
        retryStrategy: () => 20,
      });
      redis.on('error', () => {});
      return { stores: redisStores(redis), close: async () => redis.disconnect() };
    },
  },
  ...(process.env.TEST_REDIS_URL
    ? [
        {
          name: 'a real Redis connection, quit before the message',
          down: true,
          open: async () => {
            const redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: 1, commandTimeout: 1000 });
            expect(await redis.ping()).toBe('PONG');
            const stores = redisStores(redis);
            await redis.quit();
            return { stores, close: async () => redis.disconnect() };
          },
        },
      ]
    : []),
];

describe.each(targets)('STOP and START with $name', ({ down, open }) => {
  let h: Harness;
  let closeStores: () => Promise<void>;
  const lines: string[] = [];
  const twimls: string[] = [];

  beforeAll(async () => {
    const made = await open();
    closeStores = made.close;
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    h = await openHarness({ start: START, logger: createLogger('debug', sink), ...(made.stores ? { stores: made.stores } : {}) });
  });
  afterAll(async () => {
    await h?.close();
    await closeStores?.();
  });

  /** The opt-out row in Postgres, as the reminders read it. */
  const row = async (phone: string) =>
    (await h.rt.db.sql<{ opted_out: boolean }[]>`SELECT opted_out FROM sms_opt_outs WHERE phone = ${phone}`)[0]?.opted_out ?? null;
  const sms = async (from: string, body: string, extra?: Record<string, string>) => {
    const r = await sendSms(h.app, from, body, extra);
    twimls.push(r.body);
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/xml/);
    return r;
  };

  it('records STOP in Postgres and confirms it', async () => {
    const who = '+85260001001';
    const r = await sms(who, 'STOP');
    expect(r.messages).toEqual([expect.stringMatching(/^You will get no more ROCARS SMS reminders\. Send START/)]);
    expect(await row(who)).toBe(true);
    const [audit] = await h.rt.ports.audit.list({ action: 'sms.opt_out' });
    expect(audit).toMatchObject({ callerMasked: '+852****1001', outcome: 'ok' });
  });

  it("records Twilio's OptOutType STOP, whatever the word", async () => {
    const who = '+85260001002';
    const r = await sms(who, 'QUIT', { OptOutType: 'STOP' });
    expect(r.messages).toEqual([expect.stringMatching(/no more ROCARS SMS reminders/)]);
    expect(await row(who)).toBe(true);
  });

  it('answers a Chinese STOP in its script', async () => {
    const hk = '+85260001003';
    expect((await sms(hk, '停止')).messages).toEqual([expect.stringMatching(/不會再收到/)]);
    expect(await row(hk)).toBe(true);
    const cn = '+85260001004';
    expect((await sms(cn, '退订')).messages).toEqual([expect.stringMatching(/不会再收到/)]);
    expect(await row(cn)).toBe(true);
  });

  it("answers a driver in the driver's language", async () => {
    expect((await sms(DEMO.chan.mobile, 'STOP')).messages).toEqual([expect.stringMatching(/不會再收到/)]);
    expect(await row(DEMO.chan.mobile)).toBe(true);
  });

  it('records START, by keyword and by OptOutType', async () => {
    const who = '+85260001005';
    await sms(who, 'STOP');
    expect((await sms(who, 'START')).messages).toEqual([expect.stringMatching(/reminders are on again/)]);
    expect(await row(who)).toBe(false);
    await sms(who, 'STOP');
    expect((await sms(who, 'YES', { OptOutType: 'START' })).messages).toEqual([expect.stringMatching(/on again/)]);
    expect(await row(who)).toBe(false);
  });

  if (down) {
    it('logs a warning without the number, and other messages get the apology', async () => {
      const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40 && /opt-out recorded/.test(l.msg));
      expect(warnings.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain('60001001');
      // A command that needs the session store is answered with the apology (nothing to record).
      expect((await sms('+85260001006', 'STATUS')).messages).toEqual([expect.stringMatching(/something went wrong/)]);
    });
  } else {
    it('answers in the language chosen with LANG', async () => {
      const who = '+85260001007';
      await sms(who, 'LANG 简');
      expect((await sms(who, 'STOP')).messages).toEqual([expect.stringMatching(/不会再收到/)]);
      expect(await row(who)).toBe(true);
      expect(lines.join('\n')).not.toMatch(/opt-out recorded/);
    });

    it('records STOP and confirms it when the driver lookup fails', async () => {
      const rt = { ...h.rt, services: { ...h.rt.services, drivers: { ...h.rt.services.drivers, byMobile: () => Promise.reject(new Error('driver lookup failed')) } } };
      const app = new Hono().route('/twilio/sms', smsRoutes(rt));
      const r = await sendSms(app, DEMO.lee.mobile, 'STOP');
      twimls.push(r.body);
      expect(r.status).toBe(200);
      expect(r.messages).toEqual([expect.stringMatching(/no more ROCARS SMS reminders/)]);
      expect(await row(DEMO.lee.mobile)).toBe(true);
      expect(lines.join('\n')).toMatch(/opt-out recorded/);
    });
  }

  it('answered with TwiML that passes the schema', async () => {
    await expectValidTwiml(twimls);
  });
});
