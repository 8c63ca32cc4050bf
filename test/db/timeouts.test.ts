/**
 * Database deadlines (README, "Deadlines"), on real Postgres (TEST_DATABASE_URL): every connection
 * of both pools starts with statement_timeout and lock_timeout, so a statement stuck behind a lock
 * or running away is cancelled well inside a route's deadline; migrations and the seed, which may
 * legitimately wait longer (another instance migrating), set longer ones for their own transaction.
 * PGlite ignores startup parameters and cannot interrupt a statement (README), so nothing to test there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { openPostgres, type Database } from '../../src/db/connect.js';
import { migrate, SCHEMA_LOCK } from '../../src/db/migrate.js';
import { seedDemo } from '../../src/db/seed.js';
import { freshPostgres } from '../helpers/db.js';
import { databaseUrl, lockTables } from '../helpers/block.js';

const url = process.env.TEST_DATABASE_URL;

describe.runIf(url)('Postgres connection deadlines', () => {
  let db: Database;
  let short: Database;
  beforeAll(async () => {
    db = await freshPostgres(url!);
    await migrate(db.sql);
    // The same database through pools with short deadlines.
    short = await openPostgres(await databaseUrl(db), 2, { statementTimeoutMs: 300, lockTimeoutMs: 200, voicePool: 1 });
  });
  afterAll(async () => {
    await short?.close();
    await db?.close();
  });

  it('starts every connection, of both pools, with lock_timeout 2 s and statement_timeout 5 s by default', async () => {
    for (const sql of [db.sql, db.voice]) {
      const [row] = await sql<{ s: string; l: string }[]>`SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`;
      expect(row).toEqual({ s: '5s', l: '2s' });
    }
    expect(db.voice).not.toBe(db.sql);
  });

  it('cancels a statement that runs too long, and one that waits too long for a lock', async () => {
    const started = performance.now();
    await expect(short.sql`SELECT pg_sleep(3)`).rejects.toMatchObject({ code: '57014' });
    expect(performance.now() - started).toBeLessThan(2_000);

    const release = await lockTables(db, ['drivers']);
    try {
      const t0 = performance.now();
      await expect(short.voice`SELECT count(*) FROM drivers`).rejects.toMatchObject({ code: '55P03' });
      expect(performance.now() - t0).toBeLessThan(2_000);
    } finally {
      await release();
    }
    // The connections are still good afterwards.
    expect(await short.sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });

  it('lets migrations and the seed wait longer than a request for the schema lock', async () => {
    // Another instance migrating holds the schema lock for longer than these connections' lock_timeout.
    const other = postgres(await databaseUrl(db), { max: 1, onnotice: () => {} });
    try {
      for (const run of [() => migrate(short.sql), () => seedDemo(short.sql, new Date(), { force: true })]) {
        const held = other.begin(async (tx) => {
          await tx`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`;
          await new Promise((resolve) => setTimeout(resolve, 800));
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        await expect(run()).resolves.toBeDefined();
        await held;
      }
      // Outside their transaction the short deadlines hold again.
      const [row] = await short.sql<{ l: string }[]>`SELECT current_setting('lock_timeout') AS l`;
      expect(row!.l).toBe('200ms');
    } finally {
      await other.end({ timeout: 5 });
    }
  });
});
