/**
 * Health routes, mounted at /health (DESIGN.md, "Entry points"):
 * - `GET /health/live`: liveness, the process answers; touches nothing.
 * - `GET /health/ready`: readiness, the database and the session store each answer a real query
 *   within PROBE_MS: 200 or 503 with each check named.
 * - `GET /health`: status (readiness), version, which database and session store are in use.
 * No secrets and no stack traces: a failed check says `timeout` or the error's code or name.
 */
import { Hono } from 'hono';
import type { Runtime } from '../runtime.js';
import { DeadlineExceeded, withTimeout } from './deadline.js';

/** How long each readiness check may take. */
export const PROBE_MS = 1_000;

export interface Check {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface Readiness {
  ok: boolean;
  checks: { database: Check; sessions: Check };
}

const describe = (err: unknown): string => {
  if (err instanceof DeadlineExceeded) return 'timeout';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[\w.-]{1,40}$/.test(code)) return code;
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^\w{1,60}$/.test(name) ? name : 'error';
};

async function check(probe: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    await withTimeout(probe(), PROBE_MS);
    return { ok: true, ms: ms() };
  } catch (err) {
    return { ok: false, ms: ms(), error: describe(err) };
  }
}

/** Both checks at once: a query on a real table (a locked table or a starved pool shows), a session load. */
export async function readiness(rt: Runtime): Promise<Readiness> {
  const [database, sessions] = await Promise.all([
    check(() => withCancel(rt.db.sql`SELECT 1 FROM drivers LIMIT 1`, rt.db.kind === 'postgres')),
    check(() => rt.sessions.load('health:probe')),
  ]);
  return { ok: database.ok && sessions.ok, checks: { database, sessions } };
}

/**
 * The query, cancelled when its check gives up, so that it does not keep a connection waiting for
 * the database's own timeouts. Not on the embedded database: its socket serves one connection,
 * and a cancel request needs another.
 */
function withCancel(q: Promise<unknown> & { cancel(): Promise<void> | void }, cancellable: boolean): Promise<unknown> {
  const timer = cancellable ? setTimeout(() => void Promise.resolve(q.cancel()).catch(() => {}), PROBE_MS) : undefined;
  return q.finally(() => clearTimeout(timer));
}

export function healthRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.get('/live', (c) => c.json({ status: 'ok' }));

  app.get('/ready', async (c) => {
    const r = await readiness(rt);
    return c.json({ status: r.ok ? 'ok' : 'unavailable', checks: r.checks }, r.ok ? 200 : 503);
  });

  app.get('/', async (c) => {
    const r = await readiness(rt);
    return c.json(
      {
        status: r.ok ? 'ok' : 'degraded',
        version: rt.version,
        database: rt.db.kind === 'embedded' ? 'embedded' : 'postgres',
        sessions: rt.sessions.kind,
        unsignedWebhooks: rt.unsignedWebhooks,
        outbound: rt.config.TWILIO_ACCOUNT_SID && rt.config.TWILIO_AUTH_TOKEN && rt.config.TWILIO_FROM_NUMBER ? 'twilio' : 'outbox',
        checks: r.checks,
      },
      r.ok ? 200 : 503,
    );
  });

  return app;
}
