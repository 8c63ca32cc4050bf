/**
 * Repeated deliveries: the same signed SMS webhook (same MessageSid) sent again, by Twilio's retry
 * or by a replay, does no work again and gets the first answer; two at once are handled once; a new
 * MessageSid with the same text is a new message; a day later the retention purge forgets the sid.
 * A repeated delivery report is recorded once. PGlite with memory sessions always; Postgres with
 * Redis when TEST_DATABASE_URL and TEST_REDIS_URL are set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { dbTargets } from '../../helpers/db.js';
import { expectValidTwiml } from '../../helpers/twiml.js';
import { smsRoutes, type SmsStatus } from '../../../src/channels/sms/routes.js';
import { DEMO, openHarness, sendSms, sendStatus, type Harness, type SmsResult } from './harness.js';

const START = new Date('2026-12-07T02:00:00Z'); // Monday 10:00 in Hong Kong
const DAY = 24 * 60 * 60 * 1000;

const targets = [
  { name: 'PGlite, memory sessions', target: dbTargets()[0]!, redis: false },
  ...(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL
    ? [{ name: 'Postgres, Redis sessions', target: dbTargets()[1]!, redis: true }]
    : []),
];

let n = 0;
/** A MessageSid of this file's own ('SM' and 32 characters). */
const newSid = () => `SMreplay${String(++n).padStart(24, '0')}`;

describe.each(targets)('repeated SMS deliveries on $name', ({ target, redis }) => {
  let h: Harness;
  const twimls: string[] = [];
  /** One delivery of a message: the same sid, from and body give the same signed request. */
  const deliver = async (sid: string, from: string, body: string, extra: Record<string, string> = {}): Promise<SmsResult> => {
    const r = await sendSms(h.app, from, body, { MessageSid: sid, ...extra });
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/xml/);
    twimls.push(r.body);
    return r;
  };
  const audits = async (action: string, callerMasked: string) =>
    (await h.rt.ports.audit.list({ action, limit: 1000 })).filter((e) => e.callerMasked === callerMasked);

  beforeAll(async () => {
    h = await openHarness({ target, redis, start: START, sms: { rateLimit: { limit: 1000, windowSeconds: 60 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('bundles once when a BUNDLE is delivered twice, and answers the repeat with the first answer', async () => {
    const { lee, ccrn } = DEMO;
    const sid = newSid();
    const body = `BUNDLE CD5678 ${ccrn.in1} ${ccrn.in2} ${h.nextCode(lee.secret)}`;
    const first = await deliver(sid, lee.mobile, body);
    expect(first.messages).toEqual([expect.stringMatching(/^Bundled: vehicle CD 5678 with 2 CCRNs/)]);
    const again = await deliver(sid, lee.mobile, body);
    expect(again.body).toBe(first.body);
    expect((await h.rt.ports.bundles.activeForDriver(lee.driverNo)).filter((b) => b.ccrns.includes(ccrn.in1))).toHaveLength(1);
    // The token code was checked once: the repeat was not refused as a code used twice.
    expect(await audits('token.verify', '+852****5678')).toHaveLength(1);
  });

  it('records a STOP delivered twice once, and confirms it both times', async () => {
    const who = '+85260003001';
    const sid = newSid();
    const first = await deliver(sid, who, 'STOP');
    expect(first.messages).toEqual([expect.stringMatching(/no more ROCARS SMS reminders/)]);
    const again = await deliver(sid, who, 'STOP');
    expect(again.body).toBe(first.body);
    expect(await audits('sms.opt_out', '+852****3001')).toHaveLength(1);
  });

  it('takes a turn of a conversation once when its message is delivered twice', async () => {
    const who = '+85260003002';
    expect((await deliver(newSid(), who, 'hello')).messages[0]).toMatch(/Reply with a number:/);
    const sid = newSid();
    const first = await deliver(sid, who, '2');
    expect(first.messages[0]).toMatch(/12-digit CCRN/);
    expect((await deliver(sid, who, '2')).body).toBe(first.body);
    // Had "2" been taken twice, it would have been read as a CCRN.
    expect((await deliver(newSid(), who, DEMO.ccrn.in2)).messages[0]).toMatch(/2611 0000 0021/);
  });

  it('handles two deliveries arriving at once once: one answers, the other gets the same answer or nothing', async () => {
    const { chan, ccrn } = DEMO;
    const sid = newSid();
    const body = `綑綁 AB1234 ${ccrn.out1} ${h.nextCode(chan.secret)}`;
    const both = await Promise.all([deliver(sid, chan.mobile, body), deliver(sid, chan.mobile, body)]);
    const answered = both.filter((r) => r.messages.length > 0);
    expect(answered.length).toBeGreaterThanOrEqual(1);
    for (const r of answered) expect(r.messages).toEqual([expect.stringMatching(/^已綑綁：車輛AB 1234，1個CCRN/)]);
    expect((await h.rt.ports.bundles.activeForDriver(chan.driverNo)).filter((b) => b.ccrns.includes(ccrn.out1))).toHaveLength(1);
    expect(await audits('token.verify', '+852****4567')).toHaveLength(1);

    const who = '+85260003003';
    const stop = newSid();
    await Promise.all([deliver(stop, who, 'STOP'), deliver(stop, who, 'STOP'), deliver(stop, who, 'STOP')]);
    expect(await audits('sms.opt_out', '+852****3003')).toHaveLength(1);
  });

  it('handles a new MessageSid with the same text as a new message', async () => {
    const who = '+85260003004';
    await deliver(newSid(), who, 'STOP');
    // A second STOP is recorded (unchanged) and, as always, not confirmed again.
    expect((await deliver(newSid(), who, 'STOP')).messages).toEqual([]);
    expect((await audits('sms.opt_out', '+852****3004')).map((e) => e.outcome)).toEqual(['unchanged', 'ok']);
  });

  it('forgets a MessageSid a day later, when the retention purge runs', async () => {
    const who = '+85260003005';
    const sid = newSid();
    await deliver(sid, who, 'START');
    await deliver(sid, who, 'STOP', { OptOutType: 'STOP' }); // the sid's first answer stands
    expect(await audits('sms.opt_out', '+852****3005')).toHaveLength(0);
    h.clock.advance(DAY - 60_000);
    await h.rt.services.purgeExpired();
    await deliver(sid, who, 'STOP', { OptOutType: 'STOP' });
    expect(await audits('sms.opt_out', '+852****3005')).toHaveLength(0);
    h.clock.advance(2 * 60_000);
    expect((await h.rt.services.purgeExpired()).inbound).toBeGreaterThanOrEqual(1);
    const later = await deliver(sid, who, 'STOP', { OptOutType: 'STOP' });
    expect(later.messages).toEqual([expect.stringMatching(/no more ROCARS SMS reminders/)]);
    expect(await audits('sms.opt_out', '+852****3005')).toHaveLength(1);
  });

  it('records a delivery report sent twice once, and each status of a message', async () => {
    const seen: SmsStatus[] = [];
    const app = new Hono().route('/twilio/sms', smsRoutes(h.rt, { statusHooks: [async (s) => void seen.push(s)] }));
    const report = async (status: string) => {
      const params = { MessageSid: 'SM' + '9'.repeat(32), MessageStatus: status, To: '+85260003006', From: '+85236690000' };
      const res = await sendStatus(app, params);
      expect(res.status).toBe(200);
      twimls.push(await res.text());
    };
    await report('sent');
    await report('delivered');
    await report('delivered');
    expect(seen.map((s) => s.status)).toEqual(['sent', 'delivered']);
    expect((await audits('sms.status', '+852****3006')).map((e) => e.outcome)).toEqual(['delivered', 'sent']);
  });

  it('answered with TwiML that passes the schema', async () => {
    await expectValidTwiml(twimls);
  });
});
