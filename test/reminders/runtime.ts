/**
 * A whole runtime (createRuntime, demo data) with the admin and reminder routes mounted as the app
 * mounts them, served on loopback for the signed-webhook client.
 */
import { Hono } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { silentLogger } from '../../src/logger.js';
import type { Clock } from '../../src/core/types.js';
import { adminRoutes } from '../../src/channels/admin/routes.js';
import { reminderRoutes } from '../../src/channels/reminder-voice/routes.js';
import { dbTargets, type DbTarget } from '../helpers/db.js';
import { ACCOUNT_SID, AUTH_TOKEN, FROM } from './fake-twilio.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const PUBLIC_BASE = 'https://rocars.example';

export interface ReminderRuntime {
  rt: Runtime;
  app: Hono;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function reminderRuntime(opts: { target?: DbTarget; env?: Record<string, string>; clock?: Clock } = {}): Promise<ReminderRuntime> {
  const db = await (opts.target ?? dbTargets()[0]!).open();
  const config = loadConfig({
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: PUBLIC_BASE,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_FROM_NUMBER: FROM,
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    ...opts.env,
  });
  const rt = await createRuntime(config, { db, seedDemo: true, logger: silentLogger(), ...(opts.clock ? { clock: opts.clock } : {}) });
  const app = new Hono();
  app.route('/admin', adminRoutes(rt));
  app.route('/twilio/reminder', reminderRoutes(rt));
  let server: ServerType | null = null;
  let base: string | null = null;
  return {
    rt,
    app,
    async listen() {
      if (base) return base;
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      server = s;
      await new Promise<void>((resolve) => s.once('listening', () => resolve()));
      base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      return base;
    },
    async close() {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await rt.close();
      await db.close();
    },
  };
}
