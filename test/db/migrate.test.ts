import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { dbTargets } from '../helpers/db.js';

describe.each(dbTargets())('migrations on $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => db?.close());

  it('records every migration once and applies nothing twice', async () => {
    const rows = await db.sql<{ version: string }[]>`SELECT version FROM schema_migrations ORDER BY version`;
    expect(rows.map((r) => r.version)[0]).toBe('001_core.sql');
    expect(await migrate(db.sql)).toEqual([]);
  });

  it('serialises concurrent start-ups under the advisory lock', async () => {
    const results = await Promise.all([migrate(db.sql), migrate(db.sql), migrate(db.sql)]);
    expect(results.flat()).toEqual([]);
    const [row] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM schema_migrations`;
    expect(row?.n).toBeGreaterThan(0);
  });
});
