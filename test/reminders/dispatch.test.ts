// Reminder dispatch end to end in one process: campaign -> scheduler -> in-process queue -> Twilio (msw).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { dbTargets } from '../helpers/db.js';
import type { Database } from '../../src/db/connect.js';
import { sendPurpose, attemptQuery } from '../../src/reminders/dispatch.js';
import { FROM, TWILIO_API, useTwilioSim } from './fake-twilio.js';
import { harness, LEASE_MS, PUBLIC_BASE, type Harness } from './harness.js';
import { hkAt, insertDrivers, testDriver, testLandline, type TestDriver } from './fixtures.js';

const { sim, server } = useTwilioSim();

let next = 1;
/** Fresh drivers with a label colour of their own, so each test runs its own campaign. */
async function drivers(h: Harness, label: string, specs: Partial<TestDriver>[]): Promise<TestDriver[]> {
  const list = specs.map((s) => testDriver(next++, { labelColour: label, ...s }));
  await insertDrivers(h.db.sql, list);
  return list;
}

async function campaign(h: Harness, label: string) {
  const r = await h.kit.campaigns.create({ labelColour: label });
  return r.campaign.id;
}

const stagesOf = async (h: Harness, campaignId: number) => h.kit.repo.stages({ campaignId });

describe.each(dbTargets())('reminder dispatch on $name', (target) => {
  let db: Database;
  let h: Harness;
  beforeAll(async () => {
    db = await target.open();
    h = await harness(db);
  });
  afterAll(async () => {
    await h?.close();
    await db?.close();
  });
  // Each test runs its own campaign: the ones of earlier tests stop once they are done.
  afterEach(async () => {
    await h.db.sql`UPDATE reminder_campaigns SET status = 'paused'`;
  });

  it('sends one SMS per stage, in the driver’s language, on the stage’s day', async () => {
    const list = await drivers(h, 'stages', [{ locale: 'en' }, { locale: 'zh-HK' }, { locale: 'zh-CN' }]);
    h.clock.set(hkAt('2026-10-01'));
    const id = await campaign(h, 'stages');
    await h.run();
    expect(sim.accepted).toHaveLength(0);

    const days = ['2026-12-01', '2026-12-17', '2026-12-24', '2026-12-30'];
    for (const [i, day] of days.entries()) {
      h.clock.set(hkAt(day, '07:30'));
      await h.run();
      expect(sim.accepted).toHaveLength(i * 3); // not before the window opens at 08:00
      h.clock.set(hkAt(day, '10:00'));
      await h.run();
      await h.run();
      expect(sim.accepted).toHaveLength((i + 1) * 3);
    }
    for (const d of list) {
      const got = sim.sentTo(d.mobile!);
      expect(got.map((a) => [a.kind, a.stage])).toEqual([
        ['sms', 30],
        ['sms', 14],
        ['sms', 7],
        ['sms', 1],
      ]);
      expect(got[0]!.from).toBe(FROM);
      expect(got[0]!.statusCallback).toMatch(new RegExp(`^${PUBLIC_BASE}/twilio/reminder/status/sms\\?delivery=\\d+&stage=30&attempt=1$`));
    }
    const [en, hk, cn] = list.map((d) => sim.sentTo(d.mobile!)[0]!.body!);
    expect(en).toContain('expires on 31 December 2026');
    expect(en).toContain('3669 0000');
    expect(hk).toContain('保安編碼器');
    expect(hk).toContain('2026年12月31日');
    expect(cn).toContain('保安编码器');

    const report = await h.kit.campaigns.report(id);
    expect(report).toMatchObject({ deliveries: 3, sent: 12, pending: 0, failed: 0 });
    expect(report!.byChannel.sms.sent).toBe(12);
  });

  it('holds SMS until 08:00 and calls until 09:00 (Hong Kong time)', async () => {
    const [texted, called] = await drivers(h, 'quiet', [
      { expiresOn: '2026-11-25' },
      { expiresOn: '2026-11-25', mobile: testLandline(900), smsCapable: false },
    ]);
    h.clock.set(hkAt('2026-11-05', '22:30')); // 15 days left: the 30-day stage is due now
    await campaign(h, 'quiet');
    await h.run();
    expect(sim.accepted).toHaveLength(0);

    h.clock.set(hkAt('2026-11-06', '07:59'));
    await h.run();
    expect(sim.accepted).toHaveLength(0);

    h.clock.set(hkAt('2026-11-06', '08:00'));
    await h.run();
    expect(sim.sentTo(texted!.mobile!, 'sms')).toHaveLength(1);
    expect(sim.sentTo(called!.mobile!)).toHaveLength(0);

    h.clock.set(hkAt('2026-11-06', '08:59'));
    await h.run();
    expect(sim.sentTo(called!.mobile!)).toHaveLength(0);

    h.clock.set(hkAt('2026-11-06', '09:00'));
    await h.run();
    expect(sim.sentTo(called!.mobile!, 'call')).toHaveLength(1);
    expect(sim.accepted).toHaveLength(2);
  });

  describe('channel', () => {
    it('calls a driver with no SMS-capable number, with answering-machine detection', async () => {
      const [d] = await drivers(h, 'landline', [{ mobile: testLandline(901), smsCapable: false, expiresOn: '2026-11-25' }]);
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, 'landline');
      await h.run();
      const calls = sim.sentTo(d!.mobile!);
      expect(calls.map((c) => c.kind)).toEqual(['call']);
      const [stage] = await stagesOf(h, id);
      // Each claim is an attempt: the SMS queue's claim handed the stage to the call queue.
      const q = attemptQuery(stage!, stage!.attempt);
      expect(calls[0]!.url).toBe(`${PUBLIC_BASE}/twilio/reminder/call?${q}&lang=${d!.locale}`);
      expect(calls[0]!.statusCallback).toBe(`${PUBLIC_BASE}/twilio/reminder/status/call?${q}`);
      expect(calls[0]!.machineDetection).toBe('DetectMessageEnd');
      expect(stage).toMatchObject({ channel: 'call', channelReason: 'no_sms_number', state: 'sent', callSid: calls[0]!.sid });
    });

    it('calls a driver who opted out of SMS, and never texts them', async () => {
      const [d] = await drivers(h, 'optedout', [{ expiresOn: '2026-11-25' }]);
      await h.ports.optOuts.set(d!.mobile!, true, h.clock.now());
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, 'optedout');
      await h.run();
      expect(sim.sentTo(d!.mobile!).map((a) => a.kind)).toEqual(['call']);
      expect((await stagesOf(h, id))[0]).toMatchObject({ channel: 'call', channelReason: 'opted_out' });
      expect((await h.kit.campaigns.report(id))!.optedOut).toBe(1);
    });

    it('calls when the SMS fails permanently (invalid number), once, for the same stage', async () => {
      const [d] = await drivers(h, 'smsinvalid', [{ expiresOn: '2026-11-25' }]);
      sim.refuseAlways(d!.mobile!, { status: 400, code: 21211 }, 'sms');
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, 'smsinvalid');
      await h.run();
      // The SMS was tried exactly once (a permanent error is never retried), then the call went.
      expect(sim.attempts.filter((a) => a.to === d!.mobile && a.kind === 'sms').map((a) => a.status)).toEqual([400]);
      expect(sim.sentTo(d!.mobile!).map((a) => a.kind)).toEqual(['call']);
      expect((await stagesOf(h, id))[0]).toMatchObject({ state: 'sent', channel: 'call', channelReason: 'sms_failed', smsError: 21211 });
    });

    it('records an opt-out when Twilio says the number replied STOP (21610), and calls instead', async () => {
      const [d] = await drivers(h, 'smsstop', [{ expiresOn: '2026-11-25' }]);
      h.clock.set(hkAt('2026-11-06', '10:00'));
      await campaign(h, 'smsstop');
      sim.refuseNext(d!.mobile!, { status: 400, code: 21610 });
      await h.run();
      expect(sim.sentTo(d!.mobile!).map((a) => a.kind)).toEqual(['call']);
      expect(await h.ports.optOuts.isOptedOut(d!.mobile!)).toBe(true);
    });

    it('skips a driver with no number at all, and says so in the stage', async () => {
      const [d] = await drivers(h, 'nonumber', [{ mobile: null, smsCapable: false, expiresOn: '2026-11-25' }]);
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, 'nonumber');
      await h.run();
      expect(sim.attempts).toHaveLength(0);
      expect((await stagesOf(h, id)).find((s) => s.driverNo === d!.driverNo && s.stage === 30)).toMatchObject({
        state: 'skipped',
        skipReason: 'no_number',
      });
    });
  });

  describe('provider errors', () => {
    it('retries 429 and 5xx with back-off and sends exactly once', async () => {
      const [d] = await drivers(h, 'busy', [{ expiresOn: '2026-11-25' }]);
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, 'busy');
      sim.refuseNext(d!.mobile!, { status: 429, code: 20429 }, { status: 503, code: 20503 });
      await h.run();
      expect(sim.attempts.filter((a) => a.to === d!.mobile).map((a) => a.status)).toEqual([429, 503, 201]);
      expect(sim.sentTo(d!.mobile!)).toHaveLength(1);
      expect((await stagesOf(h, id))[0]).toMatchObject({ state: 'sent', channel: 'sms', attempt: 3 });
    });

    it('never retries a call refused permanently: recorded as failed', async () => {
      const [d] = await drivers(h, 'callbad', [{ mobile: testLandline(902), smsCapable: false, expiresOn: '2026-11-25' }]);
      sim.refuseAlways(d!.mobile!, { status: 400, code: 21211 });
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, 'callbad');
      await h.run();
      expect(sim.attempts.filter((a) => a.to === d!.mobile)).toHaveLength(1);
      expect((await stagesOf(h, id))[0]).toMatchObject({ state: 'failed', channel: 'call', callError: 21211 });
      expect((await h.kit.campaigns.report(id))!.failed).toBe(1);
    });

    it('after the last retry of a failing SMS, calls instead', async () => {
      const [d] = await drivers(h, 'smsdown', [{ expiresOn: '2026-11-25' }]);
      h.clock.set(hkAt('2026-11-06', '10:00'));
      await campaign(h, 'smsdown');
      sim.refuseNext(d!.mobile!, ...Array.from({ length: 4 }, () => ({ status: 500, code: 20500 })));
      await h.run();
      expect(sim.attempts.filter((a) => a.to === d!.mobile).map((a) => `${a.kind}:${a.status}`)).toEqual([
        'sms:500',
        'sms:500',
        'sms:500',
        'sms:500',
        'call:201',
      ]);
    });
  });

  describe('stopping', () => {
    it('stops the reminders of a driver whose token is replaced (and only theirs)', async () => {
      const [a, b] = await drivers(h, 'replaced', [{ expiresOn: '2026-12-31' }, { expiresOn: '2026-12-31' }]);
      h.clock.set(hkAt('2026-12-01', '10:00'));
      const id = await campaign(h, 'replaced');
      await h.run();
      expect(sim.accepted).toHaveLength(2);

      const r = await h.kit.campaigns.replaceToken(a!.driverNo, { serial: 'NEW' + a!.serial, expiresOn: '2031-12-31' }, 'test');
      expect(r).toMatchObject({ ok: true, oldSerial: a!.serial, remindersStopped: 1 });
      expect((await h.ports.tokens.bySerial(a!.serial))!.status).toBe('replaced');

      h.clock.set(hkAt('2026-12-17', '10:00'));
      await h.run();
      expect(sim.sentTo(a!.mobile!)).toHaveLength(1);
      expect(sim.sentTo(b!.mobile!)).toHaveLength(2);
      const stages = await stagesOf(h, id);
      expect(stages.filter((s) => s.driverNo === a!.driverNo).map((s) => [s.stage, s.state, s.skipReason])).toEqual([
        [30, 'sent', null],
        [14, 'skipped', 'replaced'],
        [7, 'skipped', 'replaced'],
        [1, 'skipped', 'replaced'],
      ]);
      expect((await h.kit.campaigns.report(id))!.replaced).toBe(1);
    });

    it('checks the token again at dispatch: replaced elsewhere, nothing is sent', async () => {
      const [d] = await drivers(h, 'replacedelsewhere', [{ expiresOn: '2026-11-25' }]);
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, 'replacedelsewhere');
      // Replaced through the token port only (the back end, an agent): the reminders were not told.
      await h.ports.tokens.replace(d!.driverNo, { serial: 'X' + d!.serial, secretBase32: 'JBSWY3DPEHPK3PXP', labelColour: 'green', expiresOn: '2031-01-01' }, h.clock.now());
      await h.run();
      expect(sim.attempts).toHaveLength(0);
      expect((await stagesOf(h, id)).every((s) => s.state === 'skipped')).toBe(true);
    });

    it('pauses and resumes a campaign', async () => {
      const [d] = await drivers(h, 'paused', [{ expiresOn: '2026-11-25' }]);
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, 'paused');
      await h.kit.campaigns.setStatus(id, 'paused');
      await h.run();
      expect(sim.attempts).toHaveLength(0);
      await h.kit.campaigns.setStatus(id, 'active');
      await h.run();
      expect(sim.sentTo(d!.mobile!)).toHaveLength(1);
    });
  });

  describe('a stage left "sending" (its worker died)', () => {
    /** A worker marked the stage, maybe called the provider, and died before recording. */
    async function orphan(label: string, reachedProvider: boolean) {
      const [d] = await drivers(h, label, [{ expiresOn: '2026-11-25' }]);
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, label);
      const [s] = await stagesOf(h, id);
      const claim = await h.kit.repo.claim(s!.deliveryId, 30, 'sms', 'sms', h.clock.now());
      expect(claim).toEqual({ attempt: 1 });
      if (reachedProvider) {
        const token = (await h.ports.tokens.bySerial(d!.serial))!;
        const { renderText, smsReminder } = await import('../../src/reminders/messages.js');
        const body = renderText(smsReminder({ serial: token.serial, expiresOn: token.expiresOn, today: '2026-11-06', hotline: '+85236690000' }), d!.locale);
        const sent = await h.kit.parts.outbound.sendSms({
          to: d!.mobile!,
          body,
          purpose: sendPurpose(s!, 'sms', 1),
          statusCallback: `${PUBLIC_BASE}/twilio/reminder/status/sms?${attemptQuery(s!, 1)}`,
        });
        expect(sent.ok).toBe(true);
      }
      return { d: d!, id, deliveryId: s!.deliveryId };
    }

    it('is left alone while its lease lasts', async () => {
      const { deliveryId, d } = await orphan('leaseheld', false);
      h.clock.advance(LEASE_MS / 2);
      const out = await h.dispatcher.dispatch({ deliveryId, stage: 30, channel: 'sms' }, { attempt: 1, finalAttempt: false });
      expect(out).toMatchObject({ kind: 'later', outcome: 'lease_held' });
      expect(sim.sentTo(d.mobile!)).toHaveLength(0);
    });

    it('is settled from the provider when the provider has it: never sent twice', async () => {
      const { d, id } = await orphan('orphansent', true);
      expect(sim.sentTo(d.mobile!)).toHaveLength(1);
      h.clock.advance(LEASE_MS + 1000);
      await h.run(); // the scheduler hands the stage out again; the worker looks it up
      expect(sim.sentTo(d.mobile!)).toHaveLength(1);
      const [s] = await stagesOf(h, id);
      expect(s).toMatchObject({ state: 'sent', attempt: 1, smsSid: sim.sentTo(d.mobile!)[0]!.sid });
    });

    it('is sent once when the provider definitely never got it', async () => {
      const { d, id } = await orphan('orphanlost', false);
      h.clock.advance(LEASE_MS + 1000);
      await h.run();
      expect(sim.sentTo(d.mobile!)).toHaveLength(1);
      expect((await stagesOf(h, id))[0]).toMatchObject({ state: 'sent', attempt: 2 });
    });

    it('is settled by a status callback that came first', async () => {
      const { d, id, deliveryId } = await orphan('orphancallback', true);
      const sid = sim.sentTo(d.mobile!)[0]!.sid;
      await h.kit.callbacks.sms({ deliveryId, stage: 30, attempt: 1 }, { MessageSid: sid, MessageStatus: 'delivered', To: d.mobile! });
      h.clock.advance(LEASE_MS + 1000);
      await h.run();
      expect(sim.sentTo(d.mobile!)).toHaveLength(1);
      expect((await stagesOf(h, id))[0]).toMatchObject({ state: 'delivered', smsSid: sid });
    });

    it('waits, and never resends, while the provider cannot be asked', async () => {
      const { d, deliveryId, id } = await orphan('orphanunknown', false);
      server.use(http.get(`${TWILIO_API}/2010-04-01/Accounts/:sid/Messages.json`, () => HttpResponse.json({ code: 20500, status: 500 }, { status: 500 })));
      h.clock.advance(LEASE_MS + 1000);
      const out = await h.dispatcher.dispatch({ deliveryId, stage: 30, channel: 'sms' }, { attempt: 1, finalAttempt: false });
      expect(out).toMatchObject({ kind: 'later', outcome: 'uncertain_wait' });
      expect(sim.sentTo(d.mobile!)).toHaveLength(0);
      expect((await stagesOf(h, id))[0]).toMatchObject({ state: 'sending', attempt: 1 });
    });
  });

  describe('status callbacks', () => {
    it('mark an SMS delivered, and a failed delivery turns into a call', async () => {
      const [ok, bad] = await drivers(h, 'callbacks', [{ expiresOn: '2026-11-25' }, { expiresOn: '2026-11-25' }]);
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, 'callbacks');
      await h.run();
      const sent = await stagesOf(h, id);
      const sOk = sent.find((s) => s.driverNo === ok!.driverNo && s.stage === 30);
      const sBad = sent.find((s) => s.driverNo === bad!.driverNo && s.stage === 30);
      await h.kit.callbacks.sms({ deliveryId: sOk!.deliveryId, stage: 30, attempt: 1 }, { MessageSid: sOk!.smsSid!, MessageStatus: 'sent' });
      await h.kit.callbacks.sms({ deliveryId: sOk!.deliveryId, stage: 30, attempt: 1 }, { MessageSid: sOk!.smsSid!, MessageStatus: 'delivered' });
      // A late 'sent' after 'delivered' changes nothing.
      await h.kit.callbacks.sms({ deliveryId: sOk!.deliveryId, stage: 30, attempt: 1 }, { MessageSid: sOk!.smsSid!, MessageStatus: 'sent' });
      await h.kit.callbacks.sms(
        { deliveryId: sBad!.deliveryId, stage: 30, attempt: 1 },
        { MessageSid: sBad!.smsSid!, MessageStatus: 'undelivered', ErrorCode: '30003', To: bad!.mobile! },
      );
      await h.run();
      const after = await stagesOf(h, id);
      expect(after.find((s) => s.driverNo === ok!.driverNo && s.stage === 30)).toMatchObject({ state: 'delivered', smsStatus: 'delivered' });
      expect(after.find((s) => s.driverNo === bad!.driverNo && s.stage === 30)).toMatchObject({ state: 'sent', channel: 'call', smsError: 30003, smsStatus: 'undelivered' });
      expect(sim.sentTo(bad!.mobile!).map((a) => a.kind)).toEqual(['sms', 'call']);
      const call = sim.sentTo(bad!.mobile!, 'call')[0]!;
      await h.kit.callbacks.call({ deliveryId: sBad!.deliveryId, stage: 30, attempt: call.attempt! }, { CallSid: call.sid, CallStatus: 'completed', AnsweredBy: 'human' });
      expect((await stagesOf(h, id)).find((s) => s.driverNo === bad!.driverNo && s.stage === 30)).toMatchObject({ state: 'delivered', answeredBy: 'human' });
      const report = await h.kit.campaigns.report(id);
      expect(report).toMatchObject({ sent: 2, delivered: 2 });
    });

    it('record an unanswered call as failed', async () => {
      const [d] = await drivers(h, 'noanswer', [{ mobile: testLandline(903), smsCapable: false, expiresOn: '2026-11-25' }]);
      h.clock.set(hkAt('2026-11-06', '10:00'));
      const id = await campaign(h, 'noanswer');
      await h.run();
      const call = sim.sentTo(d!.mobile!)[0]!;
      await h.kit.callbacks.call({ deliveryId: call.delivery!, stage: 30, attempt: call.attempt! }, { CallSid: call.sid, CallStatus: 'no-answer' });
      expect((await stagesOf(h, id))[0]).toMatchObject({ state: 'failed', callStatus: 'no-answer' });
    });
  });

  it('keeps demo numbers in the outbox, never at the provider', async () => {
    // The demo driver LEE Siu Ming's number, as a record of this suite marked demo.
    const [d] = await drivers(h, 'demo', [{ expiresOn: '2026-11-25' }]);
    await h.db.sql`UPDATE drivers SET demo = true WHERE driver_no = ${d!.driverNo}`;
    h.clock.set(hkAt('2026-11-06', '10:00'));
    const id = await campaign(h, 'demo');
    await h.run();
    expect(sim.attempts).toHaveLength(0);
    const [s] = await stagesOf(h, id);
    expect(s).toMatchObject({ state: 'sent', via: 'outbox' });
    const kept = await h.ports.outbox.list(5);
    expect(kept.find((o) => o.sid === s!.smsSid)).toMatchObject({ kind: 'sms', purpose: sendPurpose(s!, 'sms', 1) });
  });
});
