/**
 * Applies the numbered SQL migrations in `src/db/migrations` in order, each once, in one
 * transaction under an advisory lock so that several instances may start at once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sql } from './connect.js';
import { migrationsDir } from './paths.js';

/** Advisory lock key shared by migrations and seeding. */
export const SCHEMA_LOCK = 7_243_001;

export async function migrate(sql: Sql, dir: string = migrationsDir()): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`;
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
