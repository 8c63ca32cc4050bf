/**
 * The web form's rate limits through the whole app (createApp, production limits: 120 page views
 * and 30 posts a minute per client, 10 posts a minute per driver number): who the client is with
 * TRUST_PROXY=0 (the socket's peer, X-Forwarded-For ignored) and TRUST_PROXY=1 (the right-most
 * X-Forwarded-For entry, spoofed entries on its left ignored), on a real HTTP server; and the
 * per-driver limit against many clients naming one driver. PGlite with memory stores always;
 * Postgres with Redis stores when TEST_DATABASE_URL and TEST_REDIS_URL are set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.js';
import { fakeClock } from '../../helpers/clock.js';
import { dbTargets } from '../../helpers/db.js';
import { DEMO_DRIVERS } from '../../helpers/demo.js';
import { codeAt } from '../../../src/core/totp.js';
import { clientAddress } from '../../../src/channels/web/client-address.js';
import { DEFAULT_WEB_RATE_LIMIT } from '../../../src/channels/web/routes.js';
import { FormClient, textOf } from './client.js';

const START = new Date('2026-12-07T02:00:00Z');
const targets = [
  { name: 'PGlite, memory stores', target: dbTargets()[0]!, redis: false },
  ...(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL
    ? [{ name: 'Postgres, Redis stores', target: dbTargets()[1]!, redis: true }]
    : []),
];
const { lee, chan } = DEMO_DRIVERS;
const { get: GET_LIMIT, driver: DRIVER_LIMIT } = DEFAULT_WEB_RATE_LIMIT;

describe('the client address', () => {
  // Under @hono/node-server the socket is in the env; app.request() takes the env as third argument.
  const app = new Hono().get('/', (c) => c.text(clientAddress(c, Number(c.req.query('n')))));
  const address = async (n: number, xff: string | null, socket: string | null = '10.0.0.9') => {
    const headers: Record<string, string> = xff === null ? {} : { 'x-forwarded-for': xff };
    const env = socket === null ? undefined : { incoming: { socket: { remoteAddress: socket } } };
    return (await app.request(`/?n=${n}`, { headers }, env)).text();
  };

  it('is the socket address when no proxy is trusted, whatever X-Forwarded-For says', async () => {
    expect(await address(0, '198.51.100.1')).toBe('10.0.0.9');
    expect(await address(0, null)).toBe('10.0.0.9');
    expect(await address(0, '198.51.100.1', null)).toBe('unknown');
  });

  it('counts N trusted hops from the right, the socket being the last hop', async () => {
    const xff = '1.1.1.1, 2.2.2.2, 3.3.3.3';
    expect(await address(1, xff)).toBe('3.3.3.3');
    expect(await address(2, xff)).toBe('2.2.2.2');
    expect(await address(3, xff)).toBe('1.1.1.1');
    expect(await address(5, xff)).toBe('1.1.1.1');
    expect(await address(1, null)).toBe('10.0.0.9');
    expect(await address(1, ' , 3.3.3.3,')).toBe('3.3.3.3');
    expect(await address(1, '3.3.3.3', null)).toBe('3.3.3.3');
    expect((await address(1, 'x'.repeat(500))).length).toBe(64);
  });
});

describe.each(targets)('web rate limits on $name', ({ target, redis }) => {
  const clock = fakeClock(START);

  /** Plain GETs of /status over real HTTP with these X-Forwarded-For values; their statuses. */
  async function views(base: string, xffs: (string | null)[]) {
    const out: { status: number; retryAfter: string | null; text: string }[] = [];
    for (const xff of xffs) {
      const res = await fetch(`${base}/status`, { headers: xff === null ? {} : { 'x-forwarded-for': xff } });
      out.push({ status: res.status, retryAfter: res.headers.get('retry-after'), text: textOf(await res.text()) });
    }
    return out;
  }

  describe('TRUST_PROXY=0 (the default)', () => {
    let tr: TestRuntime;
    let base: string;
    beforeAll(async () => {
      tr = await createTestRuntime({ target, redis, clock });
      base = await tr.listen();
    });
    afterAll(async () => {
      await tr?.close();
    });

    it('counts 200 requests with a different X-Forwarded-For each as one client (the socket)', async () => {
      expect(tr.rt.config.TRUST_PROXY).toBe(0);
      const xffs = Array.from({ length: 200 }, (_, i) => `198.51.${Math.floor(i / 250)}.${i % 250}, 203.0.113.${i % 250}`);
      const r = await views(base, xffs);
      expect(r.filter((x) => x.status === 200).length).toBe(GET_LIMIT);
      expect(r.slice(0, GET_LIMIT).every((x) => x.status === 200)).toBe(true);
      expect(r.slice(GET_LIMIT).every((x) => x.status === 429)).toBe(true);
      expect(Number(r[GET_LIMIT]!.retryAfter)).toBeGreaterThan(0);
      expect(r[GET_LIMIT]!.text).toMatch(/Please wait a minute/);
    });
  });

  describe('TRUST_PROXY=1', () => {
    let tr: TestRuntime;
    let base: string;
    beforeAll(async () => {
      tr = await createTestRuntime({ target, redis, clock, env: { TRUST_PROXY: '1' } });
      base = await tr.listen();
    });
    afterAll(async () => {
      await tr?.close();
    });

    it('takes the right-most X-Forwarded-For entry as the client: spoofed entries on its left change nothing', async () => {
      const spoofed = Array.from({ length: GET_LIMIT + 5 }, (_, i) => `10.${i}.0.1, 198.51.100.7`);
      const r = await views(base, spoofed);
      expect(r.slice(0, GET_LIMIT).every((x) => x.status === 200)).toBe(true);
      expect(r.slice(GET_LIMIT).map((x) => x.status)).toEqual([429, 429, 429, 429, 429]);
      expect((await views(base, ['198.51.100.7']))[0]!.status).toBe(429);
      // Another right-most address is another client; so is the proxy itself (no header).
      expect((await views(base, ['10.0.0.1, 198.51.100.8', '198.51.100.8']))!.map((x) => x.status)).toEqual([200, 200]);
      expect((await views(base, [null]))[0]!.status).toBe(200);
    });

    it('limits posts naming one driver number from many clients, and does nothing else over the limit', async () => {
      const tokenBefore = await tr.rt.ports.tokens.currentForDriver(lee.driverNo);
      const clients: FormClient[] = [];
      const statuses: number[] = [];
      for (let i = 0; i < DRIVER_LIMIT + 2; i++) {
        const b = new FormClient(tr.app, `192.0.2.${i + 1}`);
        await b.get('/bundle');
        const p = await b.post('/driver', { driverNo: i % 2 ? '4100 0024' : lee.driverNo, next: 'bundle' });
        statuses.push(p.status);
        clients.push(b);
        if (p.status === 429) {
          expect(Number(p.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(textOf(p.html)).toMatch(/Too many requests.*Please wait a minute/);
        } else {
          expect(textOf(p.html)).toMatch(/Step 2 of 4 .*Driver number 4100 0024\./);
        }
      }
      expect(statuses).toEqual([...Array(DRIVER_LIMIT).fill(200), 429, 429]);

      // A client that has the number in its session: its codes are not even tried.
      const first = clients[0]!;
      await first.get('/bundle');
      let p = await first.post('/code', { code: '000000', next: 'bundle' });
      expect(p.status).toBe(429);
      clock.advance(30_000);
      await first.get('/bundle');
      p = await first.post('/code', { code: codeAt(lee.secret, clock.now()), next: 'bundle' });
      expect(p.status).toBe(429);
      expect(await tr.rt.ports.tokens.currentForDriver(lee.driverNo)).toEqual(tokenBefore);
      expect(textOf((await first.get('/bundle')).html)).toMatch(/Step 2 of 4/);

      // Token details by number: refused too, in the page's language.
      const zh = new FormClient(tr.app, '192.0.2.100');
      await zh.get('/lang/zh-HK?next=/token');
      p = await zh.post('/token', { driverNo: lee.driverNo });
      expect(p.status).toBe(429);
      expect(textOf(p.html)).toMatch(/請等一分鐘再試/);
      expect(textOf(p.html)).not.toMatch(/T00010002/);

      // Another driver from the same clients is counted apart.
      await clients[DRIVER_LIMIT]!.get('/bundle');
      p = await clients[DRIVER_LIMIT]!.post('/driver', { driverNo: chan.driverNo, next: 'bundle' });
      expect(textOf(p.html)).toMatch(/Driver number 4100 0019\./);

      // The memory limiter follows the test clock: after the minute, the driver goes on (the code
      // refused over the limit was never used, so a fresh one is accepted).
      if (!redis) {
        clock.advance(61_000);
        await first.get('/bundle');
        p = await first.post('/code', { code: codeAt(lee.secret, clock.now()), next: 'bundle' });
        expect(textOf(p.html)).toMatch(/Step 3 of 4/);
      }
    });
  });
});
