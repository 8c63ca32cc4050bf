// The reminder routes Twilio calls, given a malformed reference (400 naming the field, nothing
// changed) or a database that fails for real (200 TwiML, never a 5xx), on every database target.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/clock.js';
import { createLogger } from '../../src/logger.js';
import { attemptQuery } from '../../src/reminders/dispatch.js';
import { dbTargets } from '../helpers/db.js';
import { AUTH_TOKEN, FROM } from './fake-twilio.js';
import { hkAt, insertDrivers, testDriver, type TestDriver } from './fixtures.js';
import { PUBLIC_BASE, reminderRuntime, type ReminderRuntime } from './runtime.js';
import { Call, twilioSignature } from './client.js';

const INT4_MAX = '2147483647';

describe.each(dbTargets())('reminder routes on $name: bad references and database errors', (target) => {
  const clock = fakeClock(hkAt('2026-11-06', '10:00'));
  const lines: string[] = [];
  let r: ReminderRuntime;
  let base: string;
  let next = 700;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    r = await reminderRuntime({ target, clock, logger: createLogger('info', sink) });
    base = await r.listen();
  });
  afterAll(() => r?.close());

  /** A driver in a campaign of their own whose 30-day stage is now 'sending' on `channel` (attempt 1). */
  async function sending(channel: 'sms' | 'call', spec: Partial<TestDriver> = {}) {
    const i = next++;
    const labelColour = `err${i}`.replace(/\d/g, (x) => 'abcdefghij'[Number(x)]!);
    const d = testDriver(i, { labelColour, expiresOn: '2026-11-25', ...spec });
    await insertDrivers(r.rt.db.sql, [d]);
    const kit = r.rt.reminders;
    const { campaign } = await kit.campaigns.create({ labelColour });
    const [stage] = await kit.repo.stages({ campaignId: campaign.id });
    await kit.repo.claim(stage!.deliveryId, 30, channel, channel === 'sms' ? 'sms' : 'sms_failed', clock.now());
    return { d, ref: { deliveryId: stage!.deliveryId, stage: 30, attempt: 1 }, campaignId: campaign.id };
  }

  async function callback(path: string, params: Record<string, string>) {
    const all = { AccountSid: 'AC' + '0'.repeat(32), ApiVersion: '2010-04-01', ...params };
    return fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(AUTH_TOKEN, PUBLIC_BASE + path, all) },
      body: new URLSearchParams(all),
    });
  }

  const allStages = () => r.rt.db.sql`SELECT * FROM reminder_stages ORDER BY delivery_id, stage`;

  /** Makes every query on reminder_stages fail for real until `restore` runs. */
  async function breakStages() {
    await r.rt.db.sql`ALTER TABLE reminder_stages RENAME TO reminder_stages_away`;
    return () => r.rt.db.sql`ALTER TABLE reminder_stages_away RENAME TO reminder_stages`;
  }

  const query = (ref: { deliveryId: number; stage: number; attempt: number }, over: Record<string, string | null>) => {
    const q = new URLSearchParams({ delivery: String(ref.deliveryId), stage: String(ref.stage), attempt: String(ref.attempt) });
    for (const [k, v] of Object.entries(over)) {
      if (v === null) q.delete(k);
      else q.set(k, v);
    }
    return q.toString();
  };

  const BAD: [Record<string, string | null>, string, string][] = [
    [{ delivery: '99999999999999999999' }, 'delivery', '1 to 9007199254740991'],
    [{ delivery: '9007199254740992' }, 'delivery', '1 to 9007199254740991'],
    [{ delivery: 'abc' }, 'delivery', '1 to 9007199254740991'],
    [{ delivery: '0' }, 'delivery', '1 to 9007199254740991'],
    [{ delivery: null }, 'delivery', '1 to 9007199254740991'],
    [{ stage: '-1' }, 'stage', `0 to ${INT4_MAX}`],
    [{ stage: '1.5' }, 'stage', `0 to ${INT4_MAX}`],
    [{ stage: '1e3' }, 'stage', `0 to ${INT4_MAX}`],
    [{ stage: '99999999999' }, 'stage', `0 to ${INT4_MAX}`], // int4 overflow in Postgres
    [{ stage: '2147483648' }, 'stage', `0 to ${INT4_MAX}`],
    [{ attempt: '2147483648' }, 'attempt', `1 to ${INT4_MAX}`],
    [{ attempt: '0' }, 'attempt', `1 to ${INT4_MAX}`],
    [{ attempt: ' 1' }, 'attempt', `1 to ${INT4_MAX}`],
  ];

  it('answers a bad delivery, stage or attempt with 400 naming the field, on every route, and changes no row', async () => {
    const sms = await sending('sms');
    const call = await sending('call');
    const before = await allStages();
    for (const [over, field, range] of BAD) {
      const expected = `Bad Request: ${field} must be a whole number from ${range}`;
      const answers = [
        await callback(`/twilio/reminder/status/sms?${query(sms.ref, over)}`, { MessageSid: 'SM' + 'd'.repeat(32), MessageStatus: 'delivered', To: sms.d.mobile! }),
        await callback(`/twilio/reminder/status/call?${query(call.ref, over)}`, { CallSid: 'CA' + 'd'.repeat(32), CallStatus: 'completed', To: call.d.mobile!, From: FROM }),
      ];
      for (const path of [`/twilio/reminder/call?${query(call.ref, over)}`, `/twilio/reminder/turn?n=2&lang=en&${query(call.ref, over)}`]) {
        const c = new Call({ base, publicBase: PUBLIC_BASE, authToken: AUTH_TOKEN, from: FROM, to: call.d.mobile! });
        await c.post(`${PUBLIC_BASE}${path}`, { AnsweredBy: 'human', Digits: '1' });
        answers.push(new Response(c.responses[0]!.body, { status: c.responses[0]!.status }));
      }
      for (const res of answers) {
        expect({ over, status: res.status, body: await res.text() }).toEqual({ over, status: 400, body: expected });
      }
    }
    expect(await allStages()).toEqual(before);
  });

  it('answers a status callback with 200 and an empty <Response/> when the database fails, logs it, and changes nothing', async () => {
    const sms = await sending('sms');
    const call = await sending('call');
    const before = await allStages();
    lines.length = 0;
    const restore = await breakStages();
    let answers: Response[];
    try {
      answers = [
        await callback(`/twilio/reminder/status/sms?${attemptQuery(sms.ref, 1)}`, {
          MessageSid: 'SM' + 'e'.repeat(32),
          MessageStatus: 'undelivered',
          ErrorCode: '21610',
          To: sms.d.mobile!,
          From: FROM,
        }),
        await callback(`/twilio/reminder/status/call?${attemptQuery(call.ref, 1)}`, {
          CallSid: 'CA' + 'e'.repeat(32),
          CallStatus: 'completed',
          To: call.d.mobile!,
          From: FROM,
        }),
      ];
    } finally {
      await restore();
    }
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/xml');
      expect(await res.text()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response\/>$/);
    }
    expect(await allStages()).toEqual(before);
    // One line per failure, naming the delivery; no phone number, no sid of a message body.
    const failures = lines.filter((l) => l.includes('reminder status callback failed'));
    expect(failures).toHaveLength(2);
    expect(failures.map((l) => JSON.parse(l) as { delivery: number; channel: string })).toMatchObject([
      { delivery: sms.ref.deliveryId, channel: 'sms' },
      { delivery: call.ref.deliveryId, channel: 'call' },
    ]);
    const digits = (phone: string) => phone.replace(/^\+852/, '');
    for (const l of lines) {
      expect(l).not.toContain(digits(sms.d.mobile!));
      expect(l).not.toContain(digits(call.d.mobile!));
    }

    // The database back: the same callbacks settle the stages.
    const ok = await callback(`/twilio/reminder/status/call?${attemptQuery(call.ref, 1)}`, { CallSid: 'CA' + 'e'.repeat(32), CallStatus: 'completed' });
    expect(ok.status).toBe(204);
    expect((await r.rt.reminders.repo.stages({ campaignId: call.campaignId }))[0]).toMatchObject({ state: 'delivered' });
    const smsOk = await callback(`/twilio/reminder/status/sms?${attemptQuery(sms.ref, 1)}`, { MessageSid: 'SM' + 'e'.repeat(32), MessageStatus: 'delivered' });
    expect(smsOk.status).toBe(204);
    expect((await r.rt.reminders.repo.stages({ campaignId: sms.campaignId }))[0]).toMatchObject({ state: 'delivered' });
  });

  it('apologises on the reminder call in the language of its URL when the database fails, then offers an agent', async () => {
    const call = await sending('call', { locale: 'zh-HK' });
    const restore = await breakStages();
    const answered = new Call({ base, publicBase: PUBLIC_BASE, authToken: AUTH_TOKEN, from: FROM, to: call.d.mobile! });
    const turned = new Call({ base, publicBase: PUBLIC_BASE, authToken: AUTH_TOKEN, from: FROM, to: call.d.mobile! });
    try {
      await answered.post(`${PUBLIC_BASE}/twilio/reminder/call?${attemptQuery(call.ref, 1)}&lang=zh-HK`, { AnsweredBy: 'human' });
      await turned.post(`${PUBLIC_BASE}/twilio/reminder/turn?n=2&lang=en&${attemptQuery(call.ref, 1)}`, { Digits: '1' });
    } finally {
      await restore();
    }
    expect(answered.responses[0]).toMatchObject({ status: 200 });
    expect(answered.responses[0]!.body).toContain('language="yue-HK"');
    expect(answered.responses[0]!.body).not.toContain('language="en-GB"');
    expect(answered.gather).not.toBeNull();
    await answered.press('1');
    expect(answered.ended).toBe('enqueue');

    expect(turned.responses[0]).toMatchObject({ status: 200 });
    expect(turned.prompt).toMatch(/sorry/i);
    expect(turned.responses[0]!.body).not.toContain('language="yue-HK"');
    await turned.silence();
    expect(turned.ended).toBe('enqueue');
  });
});
