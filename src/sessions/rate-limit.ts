/**
 * Per-key fixed-window rate limiter (e.g. 10 SMS a minute per number). The window opens at the
 * key's first hit and lasts `windowSeconds`; hits past the limit are refused and still counted.
 */
import type { Redis } from 'ioredis';
import { quit } from './redis.js';

export interface RateLimitHit {
  /** True while this hit is within the limit of its window. */
  allowed: boolean;
  /** Hits in the current window, this one included (refused hits count too). */
  count: number;
  /** Whole seconds until the window closes when refused (at least 1); 0 when allowed. */
  retryAfterSeconds: number;
  /** True only for the first refused hit of a window: answer it once ("slow down"), then stay silent. */
  firstRefusal: boolean;
}

export interface RateLimiter {
  /**
   * Counts one hit on `key` (name the purpose in it, e.g. `sms:+85291234567`) and says whether
   * it is within `limit` hits per `windowSeconds`. Use one limit and window per key.
   */
  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitHit>;
  close(): Promise<void>;
}

export interface MemoryRateLimiterOptions {
  /** Epoch milliseconds; injectable so tests can close a window without waiting. */
  clock?: () => number;
}

export interface RedisRateLimiterOptions {
  redis: Redis;
  /** Prepended to every key. */
  prefix?: string;
  /** When true, `close()` quits the client; otherwise the caller closes it. */
  ownsClient?: boolean;
}

const SWEEP_EVERY_MS = 60_000;

export function createMemoryRateLimiter({ clock = Date.now }: MemoryRateLimiterOptions = {}): RateLimiter {
  const windows = new Map<string, { count: number; endsAt: number }>();
  let nextSweepAt = clock() + SWEEP_EVERY_MS;
  let closed = false;

  return {
    async hit(key, limit, windowSeconds) {
      if (closed) throw new Error('rate limiter is closed');
      const windowMs = checkHit(limit, windowSeconds);
      const now = clock();
      if (now >= nextSweepAt) {
        nextSweepAt = now + SWEEP_EVERY_MS;
        for (const [k, w] of windows) if (w.endsAt <= now) windows.delete(k);
      }
      let w = windows.get(key);
      if (!w || w.endsAt <= now) {
        w = { count: 0, endsAt: now + windowMs };
        windows.set(key, w);
      }
      w.count += 1;
      return outcome(w.count, limit, w.endsAt - now);
    },
    async close() {
      closed = true;
      windows.clear();
    },
  };
}

// INCR, and PEXPIRE on the window's first hit, in one atomic step; returns {count, ms left}.
// A key found without an expiry (written by something else) gets one rather than living forever.
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
`;

interface WithHit {
  rocarsRateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
}

export function createRedisRateLimiter({ redis, prefix = 'rocars:rl:', ownsClient = false }: RedisRateLimiterOptions): RateLimiter {
  redis.defineCommand('rocarsRateLimitHit', { numberOfKeys: 1, lua: HIT });
  const client = redis as Redis & WithHit;
  let closed = false;

  return {
    async hit(key, limit, windowSeconds) {
      if (closed) throw new Error('rate limiter is closed');
      const windowMs = checkHit(limit, windowSeconds);
      const [count, left] = await client.rocarsRateLimitHit(prefix + key, windowMs);
      return outcome(Number(count), limit, Number(left));
    },
    async close() {
      if (closed) return;
      closed = true;
      if (ownsClient) await quit(redis);
    },
  };
}

function checkHit(limit: number, windowSeconds: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
  const ms = Math.round(windowSeconds * 1000);
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`windowSeconds must be positive, got ${windowSeconds}`);
  return ms;
}

function outcome(count: number, limit: number, msLeft: number): RateLimitHit {
  const allowed = count <= limit;
  return {
    allowed,
    count,
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(msLeft / 1000)),
    firstRefusal: count === limit + 1,
  };
}
