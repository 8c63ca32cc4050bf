/**
 * Backends for the session contract suites: memory always (with a clock the test moves), and real
 * Redis when TEST_REDIS_URL is set (under a key prefix unique to the run, deleted afterwards). If
 * TEST_REDIS_URL is set and Redis cannot be reached, `open()` fails: a suite silently skipped is
 * not a pass.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { openSessionStore, type SessionBackend } from '../../src/sessions/index.js';

export interface Harness {
  backend: SessionBackend;
  /** Another instance over the same data (for Redis, its own connection, as a second web server). */
  peer(): Promise<SessionBackend>;
  /** Lets time pass: memory moves its clock, Redis really waits. */
  elapse(seconds: number): Promise<void>;
  /** The rate-limit window the suite uses: 60 s on memory, 1 s on Redis (real waiting). */
  windowSeconds: number;
  close(): Promise<void>;
}

export interface Target {
  name: 'memory' | 'redis';
  open(): Promise<Harness>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function sessionTargets(): Target[] {
  const targets: Target[] = [
    {
      name: 'memory',
      open: async () => {
        let now = Date.parse('2025-03-01T09:00:00+08:00');
        const backend = await openSessionStore(undefined, { clock: () => now });
        return {
          backend,
          peer: async () => backend,
          elapse: async (seconds) => {
            now += Math.round(seconds * 1000);
          },
          windowSeconds: 60,
          close: () => backend.close(),
        };
      },
    },
  ];
  const url = process.env.TEST_REDIS_URL;
  if (url) {
    targets.push({
      name: 'redis',
      open: async () => {
        const run = `rocars-test:${randomUUID()}:`;
        const options = { sessionPrefix: `${run}sess:`, rateLimitPrefix: `${run}rl:` };
        const backend = await openSessionStore(url, options);
        const peers: SessionBackend[] = [];
        return {
          backend,
          peer: async () => {
            const p = await openSessionStore(url, options);
            peers.push(p);
            return p;
          },
          elapse: (seconds) => sleep(seconds * 1000),
          windowSeconds: 1,
          close: async () => {
            await Promise.all([backend, ...peers].map((b) => b.close()));
            await deleteKeys(url, run);
          },
        };
      },
    });
  }
  return targets;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
