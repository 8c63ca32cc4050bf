// audit_log.detail holds a jsonb OBJECT (detail->>'callSid' answers), and migration 004 repairs the
// rows older versions stored as a jsonb string holding the JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbedded, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { migrationsDir } from '../../src/db/paths.js';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import { dbTargets, freshPostgres, type DbTarget } from '../helpers/db.js';

const MIGRATION = '004_audit_detail_objects.sql';
const at = new Date('2026-11-26T02:00:00Z');

/** A database of the target's kind with no migrations applied. */
const blank = (target: DbTarget): Promise<Database> =>
  target.name === 'pglite' ? openEmbedded(':memory:') : freshPostgres(process.env.TEST_DATABASE_URL!);

/** A folder holding the migrations that come before 004: the schema as the previous release left it. */
async function migrationsBefore004(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rocars-migrations-'));
  for (const f of await readdir(migrationsDir())) if (f.endsWith('.sql') && f < MIGRATION.slice(0, 3)) await copyFile(join(migrationsDir(), f), join(dir, f));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

describe.each(dbTargets())('audit detail on $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => db?.close());

  it('stores the detail as an object: detail->>callSid answers, list() gives the object back', async () => {
    const audit = createAuditRepository(db.sql);
    await audit.record({ at, channel: 'voice', callerMasked: '+852****5678', driverNo: null, action: 'call.end', outcome: 'completed', detail: { callSid: 'CA0123', durationSec: 42 } });
    await audit.record({ at, channel: 'voice', callerMasked: null, driverNo: null, action: 'call.nodetail', outcome: 'ok' });
    const rows = await db.sql<{ sid: string | null; kind: string | null; secs: number | null }[]>`
      SELECT detail->>'callSid' AS sid, jsonb_typeof(detail) AS kind, (detail->>'durationSec')::int AS secs
      FROM audit_log WHERE action = 'call.end'`;
    expect(rows).toEqual([{ sid: 'CA0123', kind: 'object', secs: 42 }]);
    const [listed] = await audit.list({ action: 'call.end' });
    expect(listed!.detail).toEqual({ callSid: 'CA0123', durationSec: 42 });
    const [none] = await audit.list({ action: 'call.nodetail' });
    expect(none!.detail).toBeUndefined();
    const [nullRow] = await db.sql<{ detail: unknown }[]>`SELECT detail FROM audit_log WHERE action = 'call.nodetail'`;
    expect(nullRow!.detail).toBeNull();
  });

  it('migration 004 turns rows stored as a JSON string into the object and leaves the others alone', async () => {
    const old = await blank(target);
    const before = await migrationsBefore004();
    try {
      expect(await migrate(old.sql, before.dir)).not.toContain(MIGRATION);
      const insert = (action: string, detail: unknown) => old.sql`
        INSERT INTO audit_log (at, channel, caller_masked, driver_no, action, outcome, detail)
        VALUES (${at}, 'voice', null, null, ${action}, 'ok', ${detail as string}::jsonb)`;
      // The way the previous release wrote a detail: its JSON text as the jsonb parameter.
      await insert('old.string', JSON.stringify({ callSid: 'CA0456', durationSec: 7, nested: { a: [1, 2] } }));
      await old.sql`
        INSERT INTO audit_log (at, channel, caller_masked, driver_no, action, outcome, detail)
        VALUES (${at}, 'voice', null, null, 'old.object', 'ok', ${old.sql.json({ callSid: 'CA0789' })}::jsonb)`;
      await insert('old.null', null);
      const kinds = async () =>
        Object.fromEntries(
          (await old.sql<{ action: string; kind: string | null; sid: string | null }[]>`
            SELECT action, jsonb_typeof(detail) AS kind, detail->>'callSid' AS sid FROM audit_log ORDER BY id`).map((r) => [r.action, [r.kind, r.sid]]),
        );
      expect(await kinds()).toEqual({ 'old.string': ['string', null], 'old.object': ['object', 'CA0789'], 'old.null': [null, null] });
      const [objectBefore] = await old.sql<{ detail: unknown }[]>`SELECT detail FROM audit_log WHERE action = 'old.object'`;

      expect(await migrate(old.sql)).toContain(MIGRATION);

      expect(await kinds()).toEqual({ 'old.string': ['object', 'CA0456'], 'old.object': ['object', 'CA0789'], 'old.null': [null, null] });
      const [objectAfter] = await old.sql<{ detail: unknown }[]>`SELECT detail FROM audit_log WHERE action = 'old.object'`;
      expect(objectAfter!.detail).toEqual(objectBefore!.detail);
      const [converted] = await createAuditRepository(old.sql).list({ action: 'old.string' });
      expect(converted!.detail).toEqual({ callSid: 'CA0456', durationSec: 7, nested: { a: [1, 2] } });
    } finally {
      await before.remove();
      await old.close();
    }
  });
});
