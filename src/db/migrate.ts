/**
 * Applies the numbered SQL migrations in `src/db/migrations` in order, each once, in one
 * transaction under an advisory lock so that several instances may start at once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type postgres from 'postgres';
import type { Sql } from './connect.js';
import { migrationsDir } from './paths.js';

/** Advisory lock key shared by migrations and seeding. */
export const SCHEMA_LOCK = 7_243_001;

/**
 * Migrations and the seed outlast a request's deadlines (every connection starts with
 * DB_STATEMENT_TIMEOUT_MS and DB_LOCK_TIMEOUT_MS, src/db/connect.ts): their transaction gets
 * longer ones of its own, which end with it. Waiting for SCHEMA_LOCK while another instance
 * migrates is a lock wait too.
 */
export const SCHEMA_TIMEOUT_MS = 10 * 60_000;
/** A migration's own statements wait at most this long for a table lock (traffic queues behind DDL). */
export const DDL_LOCK_TIMEOUT_MS = 30_000;

/** SET LOCAL statement_timeout and lock_timeout, for the rest of the transaction `tx`. */
export async function setLocalTimeouts(tx: postgres.TransactionSql<Record<string, never>>, statementMs: number, lockMs: number): Promise<void> {
  await tx`SELECT set_config('statement_timeout', ${String(statementMs)}, true), set_config('lock_timeout', ${String(lockMs)}, true)`;
}

export async function migrate(sql: Sql, dir: string = migrationsDir()): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  return sql.begin(async (tx) => {
    await setLocalTimeouts(tx, SCHEMA_TIMEOUT_MS, SCHEMA_TIMEOUT_MS);
    await tx`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`;
    await setLocalTimeouts(tx, SCHEMA_TIMEOUT_MS, DDL_LOCK_TIMEOUT_MS);
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set((await tx<{ version: string }[]>`SELECT version FROM schema_migrations`).map((r) => r.version));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.unsafe(await readFile(join(dir, file), 'utf8'));
      await tx`INSERT INTO schema_migrations (version) VALUES (${file})`;
      applied.push(file);
    }
    return applied;
  }) as Promise<string[]>;
}
