// Migration 006 keeps what existing reminder stages recorded: their per-channel sids, statuses,
// errors and answering machines move into reminder_attempts before the columns go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbedded, type Database } from '../../src/db/connect.js';
import { freshPostgres } from '../helpers/db.js';
import { migrate } from '../../src/db/migrate.js';
import { migrationsDir } from '../../src/db/paths.js';
import { insertDrivers, testDriver } from '../reminders/fixtures.js';

const targets: { name: string; open(): Promise<Database> }[] = [{ name: 'pglite', open: () => openEmbedded(':memory:') }];
if (process.env.TEST_DATABASE_URL) targets.push({ name: 'postgres', open: () => freshPostgres(process.env.TEST_DATABASE_URL!) });

describe.each(targets)('migration 006 on $name', (target) => {
  let db: Database;
  let before: string;
  beforeAll(async () => {
    before = mkdtempSync(join(tmpdir(), 'mig-'));
    for (const f of readdirSync(migrationsDir()).filter((f) => f < '006')) cpSync(join(migrationsDir(), f), join(before, f));
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
    rmSync(before, { recursive: true, force: true });
  });

  it('moves the sids, statuses, errors and answering machines of existing stages into reminder_attempts', async () => {
    await migrate(db.sql, before);
    const drivers = [testDriver(1), testDriver(2), testDriver(3)];
    await insertDrivers(db.sql, drivers);
    const at = new Date('2026-12-01T02:00:00Z');
    await db.sql`INSERT INTO reminder_campaigns (name, label_colour, stages, status, created_at, updated_at) VALUES ('old', 'purple', '{30}', 'active', ${at}, ${at})`;
    for (const d of drivers) {
      await db.sql`INSERT INTO reminder_deliveries (campaign_id, driver_no, token_serial, expires_on, status, created_at)
        SELECT id, ${d.driverNo}, ${d.serial}, '2026-12-31', 'active', ${at} FROM reminder_campaigns`;
    }
    const ids = (await db.sql<{ id: string }[]>`SELECT id FROM reminder_deliveries ORDER BY id`).map((r) => Number(r.id));
    // Delivered by SMS; SMS failed then called (a machine answered); still scheduled.
    await db.sql`INSERT INTO reminder_stages (delivery_id, stage, due_at, state, channel, channel_reason, attempt, via, sms_sid, sms_status, updated_at)
      VALUES (${ids[0]!}, 30, ${at}, 'delivered', 'sms', 'sms', 1, 'provider', 'SM01', 'delivered', ${at})`;
    await db.sql`INSERT INTO reminder_stages (delivery_id, stage, due_at, state, channel, channel_reason, attempt, via, sms_sid, sms_status, sms_error,
        call_sid, call_status, answered_by, updated_at)
      VALUES (${ids[1]!}, 30, ${at}, 'delivered', 'call', 'sms_failed', 2, 'provider', 'SM02', 'undelivered', 30003, 'CA02', 'completed', 'machine_end_beep', ${at})`;
    await db.sql`INSERT INTO reminder_stages (delivery_id, stage, due_at, state, attempt, updated_at) VALUES (${ids[2]!}, 30, ${at}, 'scheduled', 0, ${at})`;

    await migrate(db.sql);

    const rows = await db.sql`
      SELECT delivery_id::int AS d, channel, state, attempt, via, provider_id, status, error_code, answered_by
      FROM reminder_attempts ORDER BY delivery_id, channel DESC`;
    expect(rows).toEqual([
      { d: ids[0], channel: 'sms', state: 'sent', attempt: 1, via: 'provider', provider_id: 'SM01', status: 'delivered', error_code: null, answered_by: null },
      { d: ids[1], channel: 'sms', state: 'failed', attempt: 2, via: 'provider', provider_id: 'SM02', status: 'undelivered', error_code: 30003, answered_by: null },
      { d: ids[1], channel: 'call', state: 'sent', attempt: 2, via: 'provider', provider_id: 'CA02', status: 'completed', error_code: null, answered_by: 'machine_end_beep' },
    ]);
    const stages = await db.sql`SELECT delivery_id::int AS d, state, channel FROM reminder_stages ORDER BY delivery_id`;
    expect(stages).toEqual([
      { d: ids[0], state: 'delivered', channel: 'sms' },
      { d: ids[1], state: 'delivered', channel: 'call' },
      { d: ids[2], state: 'scheduled', channel: null },
    ]);
    const cols = await db.sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'reminder_stages' AND column_name IN ('sms_sid', 'call_sid')`;
    expect(cols).toEqual([]);
  });
});
