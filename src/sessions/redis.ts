/** Redis session store: shared by every instance of the web tier. */
import type { Redis } from 'ioredis';
import type { SessionStore, Stored } from './port.js';
import { checkVersion, encode, ttlToMs } from './memory.js';

export interface RedisSessionStoreOptions {
  redis: Redis;
  /** Prepended to every key. */
  prefix?: string;
  /** When true, `close()` quits the client; otherwise the caller closes it. */
  ownsClient?: boolean;
}

// One hash per session: field v = version, field d = JSON. Compare, write and expire in one step.
// Returns the new version, or 0 when the stored version is not the expected one. Integers only,
// so the reply reads the same under RESP2 and RESP3.
const SAVE = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
local version = current + 1
redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return version
`;

interface WithSave {
  rocarsSessionSave(key: string, expectedVersion: number, json: string, ttlMs: number): Promise<number>;
}

export function createRedisSessionStore({
  redis,
  prefix = 'rocars:sess:',
  ownsClient = false,
}: RedisSessionStoreOptions): SessionStore {
  redis.defineCommand('rocarsSessionSave', { numberOfKeys: 1, lua: SAVE });
  const client = redis as Redis & WithSave;
  let closed = false;
  const open = () => {
    if (closed) throw new Error('session store is closed');
  };

  return {
    kind: 'redis',
    async load<T>(key: string): Promise<Stored<T> | null> {
      open();
      const [v, d] = await client.hmget(prefix + key, 'v', 'd');
      if (v == null || d == null) return null;
      return { value: JSON.parse(d) as T, version: Number(v) };
    },
    async save<T>(key: string, value: T, expectedVersion: number, ttlSeconds: number): Promise<number | null> {
      open();
      checkVersion(expectedVersion);
      const ttlMs = ttlToMs(ttlSeconds);
      const version = Number(await client.rocarsSessionSave(prefix + key, expectedVersion, encode(value), ttlMs));
      return version > 0 ? version : null;
    },
    async delete(key: string): Promise<void> {
      open();
      await client.del(prefix + key);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (ownsClient) await quit(redis);
    },
  };
}

/**
 * Quits politely, or drops the connection when Redis cannot answer (an outage must not hang
 * shutdown); resolves once the connection has ended.
 */
export async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    redis.once('end', () => resolve());
    timer = setTimeout(() => {
      redis.disconnect();
      resolve();
    }, 2000);
  });
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
  await ended;
  clearTimeout(timer);
}
