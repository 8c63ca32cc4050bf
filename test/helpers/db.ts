/**
 * Database targets for suites that must run on every store: embedded PGlite always, and real
 * Postgres when TEST_DATABASE_URL is set (CI). Each `open()` gives a fresh, migrated database of
 * its own (a new database on the server, dropped on close), so test files can run in parallel.
 * If TEST_DATABASE_URL is set and the server cannot be reached, `open()` fails: a suite silently
 * skipped is not a pass.
 */
import postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import { openEmbedded, openPostgres, type Database, type PostgresOptions } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';

export interface DbTarget {
  name: 'pglite' | 'postgres';
  open(): Promise<Database>;
}

export async function freshPostgres(url: string, options: PostgresOptions = {}): Promise<Database> {
  const name = 't_' + randomBytes(6).toString('hex');
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const u = new URL(url);
  u.pathname = '/' + name;
  const db = await openPostgres(u.toString(), 10, options);
  return {
    ...db,
    close: async () => {
      await db.close();
      const a = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end({ timeout: 5 });
      }
    },
  };
}

export function dbTargets(): DbTarget[] {
  const targets: DbTarget[] = [
    {
      name: 'pglite',
      open: async () => {
        const db = await openEmbedded(':memory:');
        await migrate(db.sql);
        return db;
      },
    },
  ];
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    targets.push({
      name: 'postgres',
      open: async () => {
        const db = await freshPostgres(url);
        await migrate(db.sql);
        return db;
      },
    });
  }
  return targets;
}
