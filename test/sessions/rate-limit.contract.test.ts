import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { RateLimiter, RateLimitHit } from '../../src/sessions/rate-limit.js';
import { sessionTargets, type Harness } from './targets.js';

describe.each(sessionTargets())('rate limiter on $name', (target) => {
  let h: Harness;
  let limiter: RateLimiter;
  let W: number;
  beforeAll(async () => {
    h = await target.open();
    limiter = h.backend.rateLimiter;
    W = h.windowSeconds;
  });
  afterAll(() => h?.close());

  const k = (name: string) => `sms:${name}:${randomUUID()}`;
  const hits = async (key: string, n: number, limit = 10, window = W): Promise<RateLimitHit[]> => {
    const out: RateLimitHit[] = [];
    for (let i = 0; i < n; i++) out.push(await limiter.hit(key, limit, window));
    return out;
  };

  it('allows 10 a window, refuses the 11th once politely and the 12th silently', async () => {
    const key = k('sender');
    const allowed = await hits(key, 10);
    expect(allowed).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ allowed: true, count: i + 1, retryAfterSeconds: 0, firstRefusal: false })),
    );

    const eleventh = await limiter.hit(key, 10, W);
    expect(eleventh).toMatchObject({ allowed: false, count: 11, firstRefusal: true });
    expect(eleventh.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(eleventh.retryAfterSeconds).toBeLessThanOrEqual(W);

    const twelfth = await limiter.hit(key, 10, W);
    expect(twelfth).toMatchObject({ allowed: false, count: 12, firstRefusal: false });
    expect(twelfth.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(twelfth.retryAfterSeconds).toBeLessThanOrEqual(W);
  });

  it('allows again in a new window, with one polite refusal again', async () => {
    const key = k('next-window');
    await hits(key, 12);
    await h.elapse(W + 0.2);
    const again = await hits(key, 12);
    expect(again.map((r) => r.allowed)).toEqual([...Array(10).fill(true), false, false]);
    expect(again.map((r) => r.count)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(again.map((r) => r.firstRefusal)).toEqual([...Array(10).fill(false), true, false]);
  });

  it('opens the window at the first hit and does not slide it with later hits', async () => {
    const key = k('fixed');
    const window = 2 * W;
    await hits(key, 1, 10, window);
    await h.elapse(0.6 * window);
    const later = await hits(key, 10, 10, window);
    expect(later.map((r) => r.count)).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
    expect(later.at(-1)).toMatchObject({ allowed: false, firstRefusal: true });
    await h.elapse(0.6 * window);
    // 1.2 windows after the first hit, 0.6 after the last: a new window.
    expect(await limiter.hit(key, 10, window)).toEqual({ allowed: true, count: 1, retryAfterSeconds: 0, firstRefusal: false });
  });

  it('keeps keys apart', async () => {
    const a = k('a');
    const b = k('b');
    await hits(a, 11);
    expect(await limiter.hit(b, 10, W)).toEqual({ allowed: true, count: 1, retryAfterSeconds: 0, firstRefusal: false });
    expect(await limiter.hit(a, 10, W)).toMatchObject({ allowed: false, count: 12, firstRefusal: false });
  });

  it('counts concurrent hits from several instances exactly', async () => {
    const key = k('burst');
    const limiters = [limiter, ...(await Promise.all([h.peer(), h.peer()])).map((p) => p.rateLimiter)];
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => limiters[i % limiters.length]!.hit(key, 10, W)));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(results.filter((r) => r.firstRefusal)).toHaveLength(1);
    expect(results.map((r) => r.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    for (const r of results) expect(r.allowed).toBe(r.count <= 10);
  });

  it('refuses everything under a limit of 0, the first politely', async () => {
    const key = k('zero');
    const [first, second] = await hits(key, 2, 0);
    expect(first).toMatchObject({ allowed: false, count: 1, firstRefusal: true });
    expect(second).toMatchObject({ allowed: false, count: 2, firstRefusal: false });
  });

  it('throws on a limit or window that makes no sense', async () => {
    const key = k('misuse');
    await expect(limiter.hit(key, -1, W)).rejects.toThrow(RangeError);
    await expect(limiter.hit(key, 2.5, W)).rejects.toThrow(RangeError);
    await expect(limiter.hit(key, 10, 0)).rejects.toThrow(RangeError);
    await expect(limiter.hit(key, 10, Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    // Nothing was counted.
    expect(await limiter.hit(key, 10, W)).toMatchObject({ allowed: true, count: 1 });
  });
});
