// The reminder call through signed Twilio webhooks: the flow, answering machines, status callbacks.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { fakeClock } from '../helpers/clock.js';
import { expectValidTwiml, callTwiml } from '../helpers/twiml.js';
import { createMemoryQueue } from '../../src/reminders/queue/memory.js';
import { createScheduler } from '../../src/reminders/scheduler.js';
import { reminderSessionKey } from '../../src/channels/reminder-voice/routes.js';
import { attemptQuery } from '../../src/reminders/dispatch.js';
import { AUTH_TOKEN, FROM, TwilioSim } from './fake-twilio.js';
import { hkAt, insertDrivers, testDriver, testLandline, type TestDriver } from './fixtures.js';
import { PUBLIC_BASE, reminderRuntime, type ReminderRuntime } from './runtime.js';
import { Call, twilioSignature, type TwilioCall } from './client.js';

const sim = new TwilioSim();
const server = setupServer(...sim.handlers());
// Requests to our own server on loopback pass; anything else unhandled fails the test.
beforeAll(() =>
  server.listen({
    onUnhandledRequest: (req, print) => {
      if (new URL(req.url).hostname !== '127.0.0.1') print.error();
    },
  }),
);
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
beforeEach(() => sim.reset());

const clock = fakeClock(hkAt('2026-11-06', '10:00'));
let r: ReminderRuntime;
let base: string;
let next = 500;
const calls: TwilioCall[] = [];

beforeAll(async () => {
  r = await reminderRuntime({ clock });
  base = await r.listen();
});
afterAll(async () => {
  await expectValidTwiml(calls.flatMap(callTwiml));
  await r?.close();
});

/** A driver in a campaign of their own whose 30-day stage is now 'sending' as a call (attempt 1). */
async function reminded(spec: Partial<TestDriver> = {}) {
  const d = testDriver(next++, { labelColour: `call${next}`.replace(/\d/g, (x) => 'abcdefghij'[Number(x)]!), expiresOn: '2026-11-25', ...spec });
  await insertDrivers(r.rt.db.sql, [d]);
  const kit = r.rt.reminders;
  const { campaign } = await kit.campaigns.create({ labelColour: d.labelColour });
  const [stage] = await kit.repo.stages({ campaignId: campaign.id });
  await kit.repo.claim(stage!.deliveryId, 30, 'call', 'sms_failed', clock.now());
  return { d, ref: { deliveryId: stage!.deliveryId, stage: 30, attempt: 1 }, campaignId: campaign.id };
}

/** Twilio calls the reminder URL once the callee answers. */
async function answer(d: TestDriver, ref: { deliveryId: number; stage: number }, answeredBy = 'human'): Promise<TwilioCall> {
  const call = new Call({ base, publicBase: PUBLIC_BASE, authToken: AUTH_TOKEN, from: FROM, to: d.mobile! });
  calls.push(call);
  return call.post(`${PUBLIC_BASE}/twilio/reminder/call?${attemptQuery(ref, 1)}`, { AnsweredBy: answeredBy, Direction: 'outbound-api' });
}

describe('reminder call', () => {
  it('tells a person the reminder in their language, with the menu; * repeats it', async () => {
    const { d, ref } = await reminded({ locale: 'en' });
    const first = await answer(d, ref);
    expect(first.prompt).toContain('Your security token expires on 25 November 2026');
    expect(first.prompt).toContain('For where to replace it and what to bring, press 1.');
    expect(first.prompt).toContain('For all of this by SMS, press 2.');
    expect(first.prompt).toContain('For an agent, press 0.');
    expect(first.prompt).toContain('For this message again, press star.');
    await first.press('*');
    expect(first.prompt).toContain('Your security token expires on 25 November 2026');
    expect(first.gather).not.toBeNull();
  });

  it('understands spoken choices: "repeat", then "where do I go"', async () => {
    const { d, ref } = await reminded({ locale: 'en' });
    const call = await answer(d, ref);
    await call.speak('repeat please');
    expect(call.prompt).toContain('Your security token expires on 25 November 2026');
    await call.speak('where do I go');
    expect(call.prompt).toContain('General Post Office');
  });

  it('1: says where to replace the token and what to bring', async () => {
    const { d, ref } = await reminded({ locale: 'en' });
    const call = await answer(d, ref);
    await call.press('1');
    expect(call.prompt).toContain('Token Replacement Form');
    expect(call.prompt).toContain('proof of address issued within the last three months');
    expect(call.prompt).toContain('General Post Office');
    expect(call.prompt).toContain('Lok Ma Chau Control Point');
    expect(call.prompt).toContain('authorised representative aged 18 or over');
    // Silence after the details: goodbye, not an agent.
    await call.silence();
    expect(call.ended).toBe('hangup');
    expect(call.prompt).toContain('Goodbye');
  });

  it('2: sends it all by SMS in the driver’s language, then says goodbye', async () => {
    const { d, ref } = await reminded({ locale: 'zh-CN' });
    const call = await answer(d, ref);
    expect(call.responses[0]!.body).toContain('language="cmn-CN"');
    await call.press('2');
    const sms = sim.sentTo(d.mobile!, 'sms');
    expect(sms).toHaveLength(1);
    expect(sms[0]!.body).toContain(d.serial);
    expect(sms[0]!.body).toContain('郵政總局'); // the General Post Office by name
    expect(sms[0]!.body).toContain('落馬洲管制站');
    expect(sms[0]!.body).toContain('授权书');
    expect(call.prompt).toContain('我们已经通过短信把信息发送到您的手机');
    expect(call.ended).toBe('hangup');
  });

  it('does not offer 2 to a driver who opted out of SMS, and sends nothing on 2', async () => {
    const { d, ref } = await reminded({ locale: 'en' });
    await r.rt.ports.optOuts.set(d.mobile!, true, clock.now());
    const call = await answer(d, ref);
    expect(call.prompt).not.toContain('SMS');
    await call.press('2');
    expect(sim.accepted).toHaveLength(0);
    expect(call.gather).not.toBeNull(); // asked again
    expect(call.prompt).toContain('For where to replace it and what to bring, press 1.');
  });

  it('does not offer 2 on a landline', async () => {
    const { d, ref } = await reminded({ locale: 'en', mobile: testLandline(500), smsCapable: false });
    const call = await answer(d, ref);
    expect(call.prompt).not.toContain('press 2');
  });

  it('0: transfers to an agent with a hand-off record', async () => {
    const { d, ref } = await reminded({ locale: 'zh-HK' });
    const call = await answer(d, ref);
    expect(call.responses[0]!.body).toContain('language="yue-HK"');
    expect(call.prompt).toContain('保安編碼器會喺2026年11月25日到期');
    await call.press('0');
    expect(call.ended).toBe('enqueue');
    const handoffs = await r.rt.services.handoffs.byConversation(call.params.CallSid!);
    expect(handoffs[0]).toMatchObject({ driverNo: d.driverNo, reason: 'requested', locale: 'zh-HK' });
  });

  it('leaves an answering machine a short message and hangs up', async () => {
    const { d, ref, campaignId } = await reminded({ locale: 'en' });
    const call = await answer(d, ref, 'machine_end_beep');
    expect(call.gather).toBeNull();
    expect(call.ended).toBe('hangup');
    expect(call.spoken.join(' ')).toContain('expires on 25 November 2026 and must be replaced');
    expect(call.spoken.join(' ')).toContain('3 6 6 9, 0 0 0 0');
    const [stage] = await r.rt.reminders.repo.stages({ campaignId });
    expect(stage!.answeredBy).toBe('machine_end_beep');
  });

  it('places the call the dispatcher made: its URL runs the flow', async () => {
    const d = testDriver(next++, { labelColour: 'landlinecall', mobile: testLandline(600), smsCapable: false, expiresOn: '2026-11-25', locale: 'en' });
    await insertDrivers(r.rt.db.sql, [d]);
    const kit = r.rt.reminders;
    const queue = createMemoryQueue({ perSecond: { sms: 0, call: 0 }, backoffMs: 5 });
    const dispatcher = kit.dispatcher();
    await queue.process((job, info) => dispatcher.dispatch(job, info));
    await kit.campaigns.create({ labelColour: 'landlinecall' });
    await createScheduler({ repo: kit.repo, queue, clock }).tick();
    await queue.idle();
    await queue.close();
    const placed = sim.sentTo(d.mobile!, 'call');
    expect(placed).toHaveLength(1);
    expect(new URL(placed[0]!.url!).searchParams.get('lang')).toBe('en');
    const call = new Call({ base, publicBase: PUBLIC_BASE, authToken: AUTH_TOKEN, from: FROM, to: d.mobile!, callSid: placed[0]!.sid });
    calls.push(call);
    await call.post(placed[0]!.url!, { AnsweredBy: 'human', Direction: 'outbound-api' });
    expect(call.prompt).toContain('Your security token expires on 25 November 2026');
  });

  it('refuses a forged request (403) and a bad reference (400 naming it)', async () => {
    const { d, ref } = await reminded();
    const forged = new Call({ base, publicBase: PUBLIC_BASE, authToken: 'wrong-token-xxxxxxxx', from: FROM, to: d.mobile! });
    await forged.post(`${PUBLIC_BASE}/twilio/reminder/call?${attemptQuery(ref, 1)}`, { AnsweredBy: 'human' });
    expect(forged.responses[0]!.status).toBe(403);
    const bad = new Call({ base, publicBase: PUBLIC_BASE, authToken: AUTH_TOKEN, from: FROM, to: d.mobile! });
    await bad.post(`${PUBLIC_BASE}/twilio/reminder/call?delivery=${ref.deliveryId}&stage=x&attempt=1`);
    expect(bad.responses[0]).toMatchObject({ status: 400, body: 'Bad Request: stage must be a whole number from 0 to 2147483647' });
  });

  it('apologises and offers an agent when the stage does not exist', async () => {
    const call = new Call({ base, publicBase: PUBLIC_BASE, authToken: AUTH_TOKEN, from: FROM, to: testDriver(1).mobile! });
    calls.push(call);
    await call.post(`${PUBLIC_BASE}/twilio/reminder/call?delivery=999999&stage=30&attempt=1`, { AnsweredBy: 'human' });
    expect(call.responses[0]!.status).toBe(200);
    expect(call.gather).not.toBeNull();
    await call.press('1');
    expect(call.ended).toBe('enqueue');
  });
});

describe('reminder status callbacks (signed)', () => {
  async function callback(path: string, params: Record<string, string>, token = AUTH_TOKEN) {
    const url = PUBLIC_BASE + path;
    const all = { AccountSid: 'AC' + '0'.repeat(32), ApiVersion: '2010-04-01', ...params };
    return fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, url, all) },
      body: new URLSearchParams(all),
    });
  }

  it('MessageStatus settles the stage; a bad signature changes nothing', async () => {
    const { ref, campaignId } = await reminded();
    const q = attemptQuery(ref, 1);
    // The stage is a call here; an SMS callback of the same attempt is recorded but moves nothing.
    const forged = await callback(`/twilio/reminder/status/call?${q}`, { CallSid: 'CA' + 'a'.repeat(32), CallStatus: 'completed' }, 'forged-token-xxxx');
    expect(forged.status).toBe(403);
    expect((await r.rt.reminders.repo.stages({ campaignId }))[0]!.state).toBe('sending');

    const res = await callback(`/twilio/reminder/status/call?${q}`, { CallSid: 'CA' + 'a'.repeat(32), CallStatus: 'completed', AnsweredBy: 'human' });
    expect(res.status).toBe(204);
    expect((await r.rt.reminders.repo.stages({ campaignId }))[0]).toMatchObject({ state: 'delivered', callSid: 'CA' + 'a'.repeat(32), answeredBy: 'human' });
    expect(await r.rt.sessions.load(reminderSessionKey('CA' + 'a'.repeat(32)))).toBeNull();
  });

  it('an undelivered SMS turns into a call; bad references answer 400', async () => {
    const d = testDriver(next++, { labelColour: 'smscallback', expiresOn: '2026-11-25' });
    await insertDrivers(r.rt.db.sql, [d]);
    const kit = r.rt.reminders;
    const { campaign } = await kit.campaigns.create({ labelColour: 'smscallback' });
    const [stage] = await kit.repo.stages({ campaignId: campaign.id });
    await kit.repo.claim(stage!.deliveryId, 30, 'sms', 'sms', clock.now());
    await kit.repo.recordSent({ deliveryId: stage!.deliveryId, stage: 30, attempt: 1 }, 'sms', { sid: 'SM' + 'b'.repeat(32), via: 'provider' }, clock.now());
    const q = attemptQuery(stage!, 1);
    const res = await callback(`/twilio/reminder/status/sms?${q}`, { MessageSid: 'SM' + 'b'.repeat(32), MessageStatus: 'undelivered', ErrorCode: '30005', To: d.mobile! });
    expect(res.status).toBe(204);
    expect((await kit.repo.stages({ campaignId: campaign.id }))[0]).toMatchObject({ state: 'scheduled', channel: 'call', smsError: 30005 });

    const bad = await callback(`/twilio/reminder/status/sms?delivery=1&stage=30`, { MessageSid: 'SM' + 'c'.repeat(32), MessageStatus: 'sent' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('Bad Request: attempt must be a whole number from 1 to 2147483647');
  });
});
