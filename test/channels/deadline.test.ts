/**
 * The shared deadline (src/channels/deadline.ts) on its own, in a bare Hono app: past the deadline
 * the fallback is what the client gets, also through middleware that ignores return values; the
 * route's late answer or late failure is dropped without an unhandled rejection. The routes
 * themselves are tested with a held database in test/app/deadlines.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { DeadlineExceeded, isTimeout, underDeadline, withTimeout } from '../../src/channels/deadline.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function app(route: () => Promise<Response>, ms = 100) {
  const a = new Hono();
  const headers = secureHeaders();
  // Like src/app.ts: the deadline inside a middleware that awaits next() and returns nothing.
  a.use('*', (c, next) => headers(c, async () => void (await underDeadline(c, next, ms, (c) => c.text('fallback', 503)))));
  a.get('/', route);
  a.onError((_err, c) => c.text('error', 500));
  return a;
}

describe('the route deadline', () => {
  it('answers with the fallback at the deadline, headers of the middleware around it included', async () => {
    let finish!: () => void;
    const a = app(async () => {
      await new Promise<void>((resolve) => (finish = resolve));
      return new Response('late');
    });
    const started = performance.now();
    const res = await a.request('/');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('fallback');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    finish();
    await sleep(20);
  });

  it('passes an answer in time through untouched', async () => {
    const res = await app(async () => new Response('in time', { status: 201 })).request('/');
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('in time');
  });

  it('drops a failure that comes after the deadline (no unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const res = await app(async () => {
        await sleep(150);
        throw new Error('too late to matter');
      }).request('/');
      expect(res.status).toBe(503);
      await sleep(250);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('counts its own deadline and Postgres statement and lock timeouts as timeouts, nothing else', async () => {
    await expect(withTimeout(sleep(200), 20)).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(isTimeout(new DeadlineExceeded(10))).toBe(true);
    expect(isTimeout(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toBe(true);
    expect(isTimeout(Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }))).toBe(true);
    expect(isTimeout(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isTimeout(new Error('boom'))).toBe(false);
  });
});
