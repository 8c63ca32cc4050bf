/**
 * A whole runtime for route and end-to-end tests: demo data on a fresh database (PGlite by default,
 * or a DbTarget from dbTargets()), memory sessions (or Redis with `redis: true` when TEST_REDIS_URL
 * is set), a silent logger. `app.request()` needs no server; `listen()` starts one on loopback for
 * clients that speak real HTTP (test/helpers/twilio-client.mjs, Chromium).
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { Clock } from '../../src/core/types.js';
import type { Logger } from '../../src/logger.js';
import { silentLogger } from '../../src/logger.js';
import { dbTargets, type DbTarget } from './db.js';

export interface TestRuntime {
  rt: Runtime;
  app: ReturnType<typeof createApp>;
  /** Starts an HTTP server on 127.0.0.1 (once) and returns its base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface TestRuntimeOptions {
  target?: DbTarget;
  /** Use Redis sessions (TEST_REDIS_URL must be set). */
  redis?: boolean;
  env?: Record<string, string>;
  clock?: Clock;
  logger?: Logger;
}

export async function createTestRuntime(options: TestRuntimeOptions = {}): Promise<TestRuntime> {
  const target = options.target ?? dbTargets()[0]!;
  const db = await target.open();
  const env: Record<string, string> = { HOST: '127.0.0.1', ...options.env };
  if (options.redis) {
    if (!process.env.TEST_REDIS_URL) throw new Error('redis: true needs TEST_REDIS_URL');
    env.REDIS_URL = process.env.TEST_REDIS_URL;
  }
  const config = loadConfig(env);
  let rt: Runtime;
  try {
    rt = await createRuntime(config, {
      db,
      seedDemo: true,
      redisPrefix: `rocars-test:${randomUUID()}:`,
      clock: options.clock,
      logger: options.logger ?? silentLogger(),
    });
  } catch (err) {
    await db.close();
    throw err;
  }
  const app = createApp(rt);
  let server: ServerType | null = null;
  let base: string | null = null;
  return {
    rt,
    app,
    listen: async () => {
      if (base) return base;
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      server = s;
      await new Promise<void>((resolve) => s.once('listening', () => resolve()));
      base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      return base;
    },
    close: async () => {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await rt.close();
      await db.close();
    },
  };
}
