// The sender registry: one sender per channel, the fallback ladder from REMINDER_LADDER, email
// alongside; and the demo fixture's email addresses (reserved example.test domain).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import type { Database } from '../../src/db/connect.js';
import { loadConfig } from '../../src/config.js';
import { seedDemo } from '../../src/db/seed.js';
import { useTwilioSim } from './fake-twilio.js';
import { harness } from './harness.js';
import { hkAt, insertDrivers, testDriver } from './fixtures.js';

const { sim } = useTwilioSim();

describe('REMINDER_LADDER', () => {
  it('is sms then call by default, or one of them alone, and names itself when wrong', () => {
    expect(loadConfig({}).REMINDER_LADDER).toEqual(['sms', 'call']);
    expect(loadConfig({ REMINDER_LADDER: ' call ' }).REMINDER_LADDER).toEqual(['call']);
    expect(() => loadConfig({ REMINDER_LADDER: 'sms,fax' })).toThrow(/REMINDER_LADDER.*sms or call/);
    expect(() => loadConfig({ REMINDER_LADDER: 'sms,sms' })).toThrow(/REMINDER_LADDER.*once/);
    expect(() => loadConfig({ REMINDER_LADDER: 'call,sms' })).toThrow(/REMINDER_LADDER.*call must be the last rung/);
  });
});

describe.each(dbTargets())('sender registry on $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('holds a sender per channel; the ladder comes from the configuration; email goes alongside', async () => {
    const h = await harness(db);
    try {
      for (const c of ['sms', 'call', 'email'] as const) expect(h.kit.registry.get(c).channel).toBe(c);
      expect(h.kit.registry.ladder).toEqual(['sms', 'call']);
      expect(h.kit.registry.alongside).toEqual(['email']);
      expect(h.kit.registry.after('sms')).toBe('call');
      expect(h.kit.registry.after('call')).toBeNull();
    } finally {
      h.kit.close();
      await h.close();
    }
  });

  it('REMINDER_LADDER=call: a driver who could get an SMS is called instead', async () => {
    const h = await harness(db, { REMINDER_LADDER: 'call' });
    try {
      const [d] = [testDriver(9501, { labelColour: 'ladder', locale: 'en' })];
      await insertDrivers(db.sql, [d!]);
      h.clock.set(hkAt('2026-10-01'));
      const { campaign } = await h.kit.campaigns.create({ labelColour: 'ladder' });
      h.clock.set(hkAt('2026-12-01', '10:00'));
      await h.run();
      expect(sim.sentTo(d!.mobile!).map((a) => a.kind)).toEqual(['call']);
      expect((await h.kit.repo.stages({ campaignId: campaign.id }))[0]).toMatchObject({ channel: 'call', channelReason: 'call', state: 'sent' });
    } finally {
      await db.sql`UPDATE reminder_campaigns SET status = 'paused'`;
      h.kit.close();
      await h.close();
    }
  });

  it('the demo fixture gives two drivers an address on the reserved example.test domain', async () => {
    await seedDemo(db.sql, new Date(), { force: true });
    const rows = await db.sql<{ email: string }[]>`SELECT email FROM drivers WHERE demo AND email IS NOT NULL ORDER BY email`;
    expect(rows.map((r) => r.email)).toEqual(['chan.taiman@example.test', 'lee.siuming@example.test']);
  });
});
