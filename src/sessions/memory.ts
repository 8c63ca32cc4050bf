/** In-process session store: one Map, for a single instance (the default without REDIS_URL). */
import type { SessionStore, Stored } from './port.js';

export interface MemorySessionStoreOptions {
  /** Epoch milliseconds; injectable so tests can expire entries without waiting. */
  clock?: () => number;
}

interface Entry {
  json: string;
  version: number;
  expiresAt: number;
}

const SWEEP_EVERY_MS = 60_000;

export function createMemorySessionStore({ clock = Date.now }: MemorySessionStoreOptions = {}): SessionStore {
  const entries = new Map<string, Entry>();
  let nextSweepAt = clock() + SWEEP_EVERY_MS;
  let closed = false;

  const live = (key: string, now: number): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const sweep = (now: number) => {
    if (now < nextSweepAt) return;
    nextSweepAt = now + SWEEP_EVERY_MS;
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  };

  const open = () => {
    if (closed) throw new Error('session store is closed');
  };

  return {
    kind: 'memory',
    async load<T>(key: string): Promise<Stored<T> | null> {
      open();
      const now = clock();
      sweep(now);
      const entry = live(key, now);
      return entry ? { value: JSON.parse(entry.json) as T, version: entry.version } : null;
    },
    async save<T>(key: string, value: T, expectedVersion: number, ttlSeconds: number): Promise<number | null> {
      open();
      checkVersion(expectedVersion);
      const ttlMs = ttlToMs(ttlSeconds);
      const json = encode(value);
      const now = clock();
      sweep(now);
      const current = live(key, now)?.version ?? 0;
      if (current !== expectedVersion) return null;
      const version = current + 1;
      entries.set(key, { json, version, expiresAt: now + ttlMs });
      return version;
    },
    async delete(key: string): Promise<void> {
      open();
      entries.delete(key);
    },
    async close(): Promise<void> {
      closed = true;
      entries.clear();
    },
  };
}

/** Milliseconds of a TTL; a TTL that is not a positive number is a programming error. */
export function ttlToMs(ttlSeconds: number): number {
  const ms = Math.round(ttlSeconds * 1000);
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
  return ms;
}

export function checkVersion(expectedVersion: number): void {
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    throw new RangeError(`expectedVersion must be a whole number >= 0, got ${expectedVersion}`);
  }
}

/** JSON text of a session value; a value JSON cannot hold (undefined, a function) is a programming error. */
export function encode(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError('session value must be JSON-serialisable');
  return json;
}
