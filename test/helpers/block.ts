/**
 * Holds a test database the way production gets stuck, for the deadline and health suites:
 * - on Postgres, another session takes `LOCK TABLE ... IN ACCESS EXCLUSIVE MODE` in an open
 *   transaction (what a migration or a stuck maintenance job does), so every statement on those
 *   tables waits;
 * - on PGlite (one session, so no second one can lock anything) the only connection is reserved,
 *   so every statement waits for it: what an exhausted pool looks like.
 * The returned function releases the hold; call it in `finally`.
 */
import postgres from 'postgres';
import type { Database } from '../../src/db/connect.js';

/** Every table of the migrations. */
export const ALL_TABLES = [
  'drivers',
  'vehicles',
  'tokens',
  'consignments',
  'bundles',
  'bundle_items',
  'registrations',
  'audit_log',
  'handoffs',
  'outbox',
  'sms_opt_outs',
  'reminder_campaigns',
  'reminder_deliveries',
  'reminder_stages',
];

/** The URL of the database `db` is connected to (a fresh one made from TEST_DATABASE_URL). */
export async function databaseUrl(db: Database): Promise<string> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('a Postgres lock needs TEST_DATABASE_URL');
  const [row] = await db.sql<{ name: string }[]>`SELECT current_database() AS name`;
  const u = new URL(base);
  u.pathname = '/' + row!.name;
  return u.toString();
}

/** Postgres: another session holds ACCESS EXCLUSIVE locks on `tables` until released. */
export async function lockTables(db: Database, tables: string[] = ALL_TABLES): Promise<() => Promise<void>> {
  const locker = postgres(await databaseUrl(db), { max: 1, onnotice: () => {}, connection: { lock_timeout: 0, statement_timeout: 0 } });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const taken = new Promise<void>((resolve) => (locked = resolve));
  const tx = locker.begin(async (t) => {
    await t.unsafe(`LOCK TABLE ${tables.join(', ')} IN ACCESS EXCLUSIVE MODE`);
    locked();
    await released;
  });
  await Promise.race([taken, tx]);
  return async () => {
    release();
    await tx;
    await locker.end({ timeout: 5 });
  };
}

/** PGlite: the only connection is reserved until released. */
export async function holdConnection(db: Database): Promise<() => Promise<void>> {
  const reserved = await db.sql.reserve();
  return async () => reserved.release();
}

/** Whatever holds this database: table locks on Postgres, the one connection on PGlite. */
export const blockDatabase = (db: Database, tables?: string[]) => (db.kind === 'postgres' ? lockTables(db, tables) : holdConnection(db));
