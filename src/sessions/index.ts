/** Opens the session store and rate limiter: Redis when a URL is given, in-process memory otherwise. */
import { Redis } from 'ioredis';
import type { SessionStore } from './port.js';
import type { RateLimiter } from './rate-limit.js';
import { createMemorySessionStore } from './memory.js';
import { createRedisSessionStore, quit, SAVE_MANY_COMMAND } from './redis.js';
import { createMemoryRateLimiter, createRedisRateLimiter } from './rate-limit.js';

export type { SessionStore, Stored } from './port.js';
export type { RateLimiter, RateLimitHit } from './rate-limit.js';
export { createMemorySessionStore } from './memory.js';
export { createRedisSessionStore } from './redis.js';
export { createMemoryRateLimiter, createRedisRateLimiter } from './rate-limit.js';

export interface SessionBackend {
  sessions: SessionStore;
  rateLimiter: RateLimiter;
  kind: 'memory' | 'redis';
  /** Closes both, and the Redis connection they share. */
  close(): Promise<void>;
}

export interface OpenSessionStoreOptions {
  /** Epoch milliseconds for the memory implementations. */
  clock?: () => number;
  /** How long start-up keeps trying to reach Redis before failing. Default 5000. */
  connectTimeoutMs?: number;
  /** A Redis command unanswered after this long fails (a webhook must not hang). Default 2000. */
  commandTimeoutMs?: number;
  /** Connection errors after start-up (Redis keeps reconnecting); log them. */
  onError?: (err: Error) => void;
  /** Key prefixes (tests). Defaults: 'rocars:sess:' and 'rocars:rl:'. */
  sessionPrefix?: string;
  rateLimitPrefix?: string;
}

export async function openSessionStore(redisUrl?: string, options: OpenSessionStoreOptions = {}): Promise<SessionBackend> {
  if (!redisUrl) {
    const sessions = createMemorySessionStore({ clock: options.clock });
    const rateLimiter = createMemoryRateLimiter({ clock: options.clock });
    return {
      sessions,
      rateLimiter,
      kind: 'memory',
      close: async () => {
        await Promise.all([sessions.close(), rateLimiter.close()]);
      },
    };
  }

  const { connectTimeoutMs = 5000, commandTimeoutMs = 2000, onError } = options;
  const redis = new Redis(redisUrl, {
    lazyConnect: false,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    // During an outage a command fails after one reconnection attempt instead of waiting in the
    // offline queue through ~20 of them; the connection itself keeps retrying in the background.
    maxRetriesPerRequest: 1,
    // Commands issued in one round of the event loop go out as one pipeline: one socket write for
    // many turns' loads and rate-limit hits (a write per command was ~20% of a voice turn in the
    // profile). Saves are batched by the session store itself (src/sessions/redis.ts).
    enableAutoPipelining: true,
    // The session store batches its saves itself: sent at once, not a loop turn later.
    autoPipeliningIgnoredCommands: [SAVE_MANY_COMMAND],
  });
  let started = false;
  let lastError: Error | undefined;
  // Without a listener ioredis prints every reconnection error to the console.
  redis.on('error', (err: Error) => {
    lastError = err;
    if (started) onError?.(err);
  });

  try {
    await reachable(redis, connectTimeoutMs);
  } catch (err) {
    redis.disconnect();
    const why = (lastError ?? (err as Error)).message;
    throw new Error(`Redis at ${where(redisUrl)} is unreachable after ${connectTimeoutMs / 1000} s: ${why}`, { cause: err });
  }
  started = true;

  const sessions = createRedisSessionStore({ redis, prefix: options.sessionPrefix });
  const rateLimiter = createRedisRateLimiter({ redis, prefix: options.rateLimitPrefix });
  let closing: Promise<void> | undefined;
  return {
    sessions,
    rateLimiter,
    kind: 'redis',
    close: () =>
      (closing ??= (async () => {
        await Promise.all([sessions.close(), rateLimiter.close()]);
        await quit(redis);
      })()),
  };
}

/** Pings until Redis answers or `timeoutMs` has passed (it may still be starting). */
async function reachable(redis: Redis, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        redis.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer')), left);
        }),
      ]);
      return;
    } catch (err) {
      if (Date.now() + 200 >= deadline) throw err;
    } finally {
      clearTimeout(timer);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The URL without credentials, for messages. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'REDIS_URL';
  }
}
