/**
 * A runtime for the SMS and web route tests: demo data on a fresh database (PGlite, or Postgres
 * from dbTargets()), a fake clock that the memory session store, rate limiter and TOTP all follow
 * (so a test can let a minute pass), or Redis stores under a key prefix of their own (TEST_REDIS_URL)
 * with the runner on them. Signed Twilio requests through the SDK; TwiML read back.
 */
import { render } from '../../../src/i18n.js';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import twilio from 'twilio';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../../src/config.js';
import { createRuntime, type Runtime } from '../../../src/runtime.js';
import { silentLogger, type Logger } from '../../../src/logger.js';
import type { SessionStore } from '../../../src/sessions/port.js';
import type { RateLimiter } from '../../../src/sessions/rate-limit.js';
import { createRunner } from '../../../src/flows/runner.js';
import { createMemorySessionStore } from '../../../src/sessions/memory.js';
import { createRedisSessionStore } from '../../../src/sessions/redis.js';
import { createMemoryRateLimiter, createRedisRateLimiter } from '../../../src/sessions/rate-limit.js';
import { codeAt } from '../../../src/core/totp.js';
import { smsRoutes, type SmsRoutesOptions } from '../../../src/channels/sms/routes.js';
import { webRoutes, type WebRoutesOptions } from '../../../src/channels/web/routes.js';
import { dbTargets, type DbTarget } from '../../helpers/db.js';
import { fakeClock, type FakeClock } from '../../helpers/clock.js';
import { DEMO_CCRN, DEMO_DRIVERS } from '../../helpers/demo.js';

export const AUTH_TOKEN = 'h6-test-auth-token';
export const PUBLIC_BASE = 'https://rocars.example.test';
export const HOTLINE = '+85236690000';

/** Demo records (src/db/demo-seed.json). */
export const DEMO = {
  ...DEMO_DRIVERS,
  ccrn: DEMO_CCRN,
  bundleRef: { chan: '261100013', leeCrossed: '261100021' },
  reg: { awaiting: '2026110012', processing: '2026110020', completed: '2026110036', rejected: '2026110048', moreinfo: '2026110057' },
  stranger: '+85298765432',
} as const;

export interface Harness {
  rt: Runtime;
  app: Hono;
  clock: FakeClock;
  stores: 'memory' | 'redis';
  /** The code on a demo token now (the fake clock's now). */
  code(secret: string, offset?: number): string;
  /** Moves the clock to the next 30-second step, so a new code can be used. */
  nextCode(secret: string): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  target?: DbTarget;
  redis?: boolean;
  sms?: SmsRoutesOptions;
  web?: WebRoutesOptions;
  env?: Record<string, string>;
  /** Where the fake clock starts (the demo data is seeded relative to it). */
  start?: Date;
  /** The runtime's logger (default: silent). */
  logger?: Logger;
  /** Session store and rate limiter of the test's own making (e.g. a Redis that is down); the test closes them. */
  stores?: { sessions: SessionStore; rateLimiter: RateLimiter };
}

export async function openHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = fakeClock(options.start ?? new Date());
  const target = options.target ?? dbTargets()[0]!;
  const db = await target.open();
  const config = loadConfig({ HOST: '127.0.0.1', TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL: PUBLIC_BASE, ...options.env });
  const base = await createRuntime(config, { db, seedDemo: true, clock, logger: options.logger ?? silentLogger() }).catch(async (err) => {
    await db.close();
    throw err;
  });
  let redis: Redis | null = null;
  let prefix = '';
  let sessions, rateLimiter;
  if (options.stores) {
    ({ sessions, rateLimiter } = options.stores);
  } else if (options.redis) {
    const url = process.env.TEST_REDIS_URL;
    if (!url) throw new Error('redis: true needs TEST_REDIS_URL');
    redis = new Redis(url, { maxRetriesPerRequest: 1 });
    prefix = `test:h6:${randomBytes(4).toString('hex')}:`;
    sessions = createRedisSessionStore({ redis, prefix: `${prefix}s:` });
    rateLimiter = createRedisRateLimiter({ redis, prefix: `${prefix}rl:` });
  } else {
    const ms = () => clock.now().getTime();
    sessions = createMemorySessionStore({ clock: ms });
    rateLimiter = createMemoryRateLimiter({ clock: ms });
  }
  const runner = createRunner({ sessions, services: base.services, clock, logger: base.logger, text: (msg, locale) => render(msg, locale, 'text') });
  const rt: Runtime = { ...base, sessions, rateLimiter, runner };
  const app = new Hono();
  app.route('/twilio/sms', smsRoutes(rt, options.sms));
  app.route('/', webRoutes(rt, options.web));
  return {
    rt,
    app,
    clock,
    stores: options.redis ? 'redis' : 'memory',
    code: (secret, offset = 0) => codeAt(secret, clock.now(), offset),
    nextCode(secret) {
      clock.advance(30_000);
      return codeAt(secret, clock.now());
    },
    async close() {
      if (redis) {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      }
      await base.close();
      await db.close();
    },
  };
}

let sid = 0;

export interface SmsResult {
  status: number;
  contentType: string | null;
  body: string;
  /** The texts of the <Message> replies (empty for an empty <Response/>). */
  messages: string[];
}

/** One inbound SMS, signed as Twilio signs it (the SDK computes the signature). */
export async function sendSms(
  app: Hono,
  from: string,
  body: string,
  extra: Record<string, string> = {},
  { sign = true, path = '/twilio/sms' }: { sign?: boolean; path?: string } = {},
): Promise<SmsResult> {
  const params: Record<string, string> = {
    AccountSid: 'AC' + '0'.repeat(32),
    ApiVersion: '2010-04-01',
    MessageSid: 'SM' + String(++sid).padStart(32, '0'),
    SmsStatus: 'received',
    NumMedia: '0',
    NumSegments: '1',
    From: from,
    To: HOTLINE,
    Body: body,
    ...extra,
  };
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (sign) headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_BASE + path, params);
  const res = await app.request(path, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), body: text, messages: messagesOf(text) };
}

/** A delivery report to `/twilio/sms/status`, signed as Twilio signs it. */
export async function sendStatus(app: Hono, params: Record<string, string>): Promise<Response> {
  const path = '/twilio/sms/status';
  return app.request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_BASE + path, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The <Message> texts of a TwiML document. */
export function messagesOf(xml: string): string[] {
  return [...xml.matchAll(/<Message(?:\s[^>]*)?>([\s\S]*?)<\/Message>/g)].map((m) =>
    m[1]!.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, e: string) =>
      e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : +e.slice(1)) : (ENTITIES[e] ?? all),
    ),
  );
}

/** The runtime with consignment status failing on our side (throwing `message`), for the apology tests. */
export function withFailingStatus(rt: Runtime, message: string): Runtime {
  return {
    ...rt,
    services: {
      ...rt.services,
      consignments: {
        status: async () => {
          throw new Error(message);
        },
      },
    },
  };
}
