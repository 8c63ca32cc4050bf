// The reminder worker's two statements per send, batched (src/db/repositories/reminders.ts): each
// row keeps its own conditions and its own answer, on PGlite and on Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/connect.js';
import { createReminderRepository } from '../../src/db/repositories/reminders.js';
import type { ReminderRepository } from '../../src/reminders/ports.js';
import { dbTargets } from '../helpers/db.js';
import { campaignServiceOn, hkAt, insertDrivers, testDriver } from '../reminders/fixtures.js';

const NOW = hkAt('2026-12-01', '10:00');

describe.each(dbTargets())('batched claims and records on $name', (target) => {
  let db: Database;
  let repo: ReminderRepository;
  let ids: { deliveryId: number; mobile: string }[];
  // A failed batch falls back to one statement per item: right answers, but not what is tested here.
  const batchFailures: unknown[] = [];
  beforeAll(async () => {
    db = await target.open();
    repo = createReminderRepository(db.sql, { onBatchFailure: (err) => batchFailures.push(err) });
    const drivers = Array.from({ length: 5 }, (_, i) => testDriver(900 + i, { labelColour: 'batch', expiresOn: '2026-12-20' }));
    await insertDrivers(db.sql, drivers);
    await campaignServiceOn(db.sql, { now: () => NOW }).create({ labelColour: 'batch' });
    const rows = await db.sql<{ id: string; mobile: string }[]>`
      SELECT d.id, dr.mobile FROM reminder_deliveries d JOIN drivers dr ON dr.driver_no = d.driver_no
      WHERE dr.driver_no IN ${db.sql(drivers.map((d) => d.driverNo))} ORDER BY d.id DESC`;
    ids = rows.map((r) => ({ deliveryId: Number(r.id), mobile: r.mobile }));
  });
  afterAll(() => db?.close());

  it('claims stages claimed together, each with its own driver, and refuses what is not due or not there', async () => {
    const claims = await Promise.all([
      ...ids.map((d) => repo.claimForDispatch(d.deliveryId, 30, 'sms', NOW)),
      repo.claimForDispatch(ids[0]!.deliveryId, 99, 'sms', NOW),
      repo.claimForDispatch(ids[1]!.deliveryId, 7, 'sms', NOW),
    ]);
    expect(claims.slice(0, 5).map((c) => [c?.deliveryId, c?.recipient?.mobile, c?.state, c?.attempt])).toEqual(
      ids.map((d) => [d.deliveryId, d.mobile, 'sending', 1]),
    );
    expect(claims.slice(5)).toEqual([null, null]);
    // Claimed already: nobody gets them twice.
    expect(await Promise.all(ids.map((d) => repo.claimForDispatch(d.deliveryId, 30, 'sms', NOW)))).toEqual(ids.map(() => null));
    expect(batchFailures).toEqual([]);
  });

  it('records sends recorded together, each only for its own attempt', async () => {
    const at = new Date(NOW.getTime() + 1000);
    const recorded = await Promise.all(
      ids.map((d, i) => repo.recordSent({ deliveryId: d.deliveryId, stage: 30, attempt: i === 2 ? 7 : 1 }, 'sms', { sid: `SM${i}`, via: 'provider' }, at)),
    );
    expect(recorded).toEqual([true, true, false, true, true]);
    const rows = await db.sql<{ id: string; state: string; sms_sid: string | null }[]>`
      SELECT s.delivery_id AS id, s.state, a.provider_id AS sms_sid FROM reminder_stages s
      LEFT JOIN reminder_attempts a ON a.delivery_id = s.delivery_id AND a.stage = s.stage AND a.channel = 'sms'
      WHERE s.stage = 30 AND s.delivery_id IN ${db.sql(ids.map((d) => d.deliveryId))}`;
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    expect(ids.map((d) => [byId.get(d.deliveryId)?.state, byId.get(d.deliveryId)?.sms_sid])).toEqual([
      ['sent', 'SM0'], ['sent', 'SM1'], ['sending', null], ['sent', 'SM3'], ['sent', 'SM4'],
    ]);
    expect(batchFailures).toEqual([]);
  });
});
