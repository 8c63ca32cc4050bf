/**
 * Whole hotline calls through HTTP, as Twilio makes them: a real listening server, signed webhooks,
 * TwiML read verb by verb (test/helpers/twilio-client.mjs), the real runtime on PGlite (and on
 * Postgres with Redis sessions when TEST_DATABASE_URL / TEST_REDIS_URL are set). Every TwiML
 * document a call receives is checked against the TwiML schema after each test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dbTargets } from '../../helpers/db.js';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.js';
import { callTwiml, expectValidTwiml } from '../../helpers/twiml.js';
import { Call, elements, parseXml, twilioSignature, type TwilioCall } from './client.js';
import { dammCheckDigit } from '../../../src/core/identifiers.js';
import { addConsignment, addDriver, spokenDigits, typo, unknownCcrn } from './data.js';

const AUTH = 'voice-e2e-auth-token';
const PUBLIC = 'https://rocars.example.test';
const AGENT_TOKEN = 'agent-api-token-e2e-0001';
const HOTLINE = '+85236690000';
const BUNDLING = '+85239023333';
const STRANGER = '+85298765432';
const DEMO = { bundled: '261100000045', crossed: '261100000059', outbound: '261100000037' };

describe.each(dbTargets())('hotline calls over HTTP on $name', (target) => {
  let t: TestRuntime;
  let base: string;
  let calls: TwilioCall[] = [];

  const dial = (from: string, to = HOTLINE, sign = true) => {
    const c = new Call({ base, publicBase: PUBLIC, authToken: AUTH, from, to, sign });
    calls.push(c);
    return c;
  };
  /** The <Say> languages and the <Gather> language of the last answer. */
  const voices = (c: TwilioCall) => {
    const root = parseXml(c.responses.at(-1)!.body);
    const gather = elements(root).find((e) => e.name === 'Gather');
    const says = [...elements(root), ...(gather ? elements(gather) : [])].filter((e) => e.name === 'Say');
    return { say: [...new Set(says.map((s) => s.attrs.language))], gather: gather?.attrs.language };
  };
  const bundlesOf = async (driverNo: string) =>
    t.rt.db.sql<{ bundle_ref: string; ccrns: string[] }[]>`
      SELECT b.bundle_ref, array_agg(i.ccrn ORDER BY i.position) AS ccrns
      FROM bundles b JOIN bundle_items i USING (bundle_ref)
      WHERE b.driver_no = ${driverNo} AND b.status = 'active' GROUP BY b.bundle_ref`;
  const agentApi = (path: string) => fetch(base + path, { headers: { authorization: `Bearer ${AGENT_TOKEN}` } });

  beforeAll(async () => {
    t = await createTestRuntime({
      target,
      redis: target.name === 'postgres' && Boolean(process.env.TEST_REDIS_URL),
      env: { TWILIO_AUTH_TOKEN: AUTH, PUBLIC_BASE_URL: PUBLIC, AGENT_API_TOKEN: AGENT_TOKEN },
    });
    base = await t.listen();
  });
  afterAll(() => t?.close());
  afterEach(async () => {
    const docs = calls.flatMap(callTwiml);
    calls = [];
    if (docs.length) await expectValidTwiml(docs);
  });

  it('refuses unsigned and badly signed webhooks with 403', async () => {
    const unsigned = dial(STRANGER, HOTLINE, false);
    await unsigned.post('/twilio/voice');
    expect(unsigned.responses[0]!.status).toBe(403);
    const forged = new Call({ base, publicBase: PUBLIC, authToken: 'not-our-token', from: STRANGER, to: HOTLINE });
    await forged.post('/twilio/voice');
    expect(forged.responses[0]!.status).toBe(403);
    expect(forged.gather).toBeNull();
  });

  it('a driver bundles two CCRNs by keypad from their mobile, and hears the reference digit by digit', async () => {
    const d = await addDriver(t.rt.db.sql);
    const [a, b] = [await addConsignment(t.rt.db.sql, { packages: 12 }), await addConsignment(t.rt.db.sql, { packages: 3 })];
    const c = dial(d.mobile, BUNDLING);
    await c.post('/twilio/voice');
    expect(c.responses[0]!.type).toMatch(/^text\/xml/);
    // Caller ID is not identity: no name before a code, only the driver number's last four digits.
    expect(c.prompt).toMatch(new RegExp(`^Welcome to the 24-hour ROCARS hotline\\. Are you the driver whose number ends in ${spokenDigits(d.driverNo.slice(-4))}\\?`));
    expect(c.prompt).not.toContain('TEST Driver');
    await c.press('1');
    expect(c.prompt).toMatch(/6-digit code/);
    expect(c.gather!.numDigits).toBe('6');
    await c.press(d.code());
    expect(c.prompt).toMatch(/Bundle with your vehicle K T/);
    await c.press('1');
    expect(c.gather!.finishOnKey).toBe('#');
    await c.press(`${a}#`);
    expect(c.prompt).toContain(`CCRN ${spokenDigits(a)}: inbound, packages: 12.`);
    await c.press(`${b}#`);
    expect(c.prompt).toContain(`CCRN ${spokenDigits(b)}: inbound, packages: 3.`);
    await c.press('#');
    expect(c.prompt).toMatch(/Consignments to bundle with vehicle .*: 2\..*Shall we bundle them\?/);
    await c.press('1');
    const bundles = await bundlesOf(d.driverNo);
    expect(bundles).toHaveLength(1);
    expect(bundles[0]!.ccrns).toEqual([a, b]);
    expect(c.prompt).toContain(`Your bundle reference is ${spokenDigits(bundles[0]!.bundle_ref, 3)}.`);
    // Hours as the service says them everywhere: "9:05", "0:01" (after midnight in Hong Kong), "19:30".
    expect(c.prompt).toMatch(/earliest permitted crossing time is \d+ \w+ at \d{1,2}:\d\d\./);
    expect(c.prompt).toMatch(/sent you these details by SMS/);
    expect(c.ended).toBeNull();
  });

  it('identifies a caller from another phone by driver number, catching typos and unknown numbers', async () => {
    const d = await addDriver(t.rt.db.sql);
    const c = dial(STRANGER, BUNDLING);
    await c.post('/twilio/voice');
    await c.press('3');
    expect(c.prompt).toMatch(/key in your 8-digit driver number, then press hash/);
    await c.press(`${typo(d.driverNo)}#`);
    expect(c.prompt).toMatch(/That driver number does not check out.*key in your driver number again/);
    await c.press('4100#');
    expect(c.prompt).toMatch(/A driver number has 8 digits/);
    const stranger = '4100009' + dammCheckDigit('4100009');
    await c.press(`${stranger}#`);
    expect(c.prompt).toMatch(/no registered driver with that number/);
    await c.press(`${d.driverNo}#`);
    expect(c.prompt).toMatch(/6-digit code/);
    await c.press(d.code());
    expect(c.prompt).toMatch(/Bundle with your vehicle/);
  });

  it('a driver hears their bundles and cancels one, so the shipper can amend it', async () => {
    const d = await addDriver(t.rt.db.sql);
    const a = await addConsignment(t.rt.db.sql);
    const first = dial(d.mobile, BUNDLING);
    await first.post('/twilio/voice');
    await first.press('1');
    await first.press(d.code());
    await first.press('1');
    await first.press(`${a}#`);
    await first.press('#');
    await first.press('1');
    const [bundle] = await bundlesOf(d.driverNo);
    const c = dial(d.mobile, HOTLINE);
    await c.post('/twilio/voice');
    expect(c.prompt).toMatch(/Main menu\./);
    await c.press('1');
    await c.press('2');
    await c.press('1');
    await c.press(d.code(1));
    expect(c.prompt).toContain(`Your active bundles: 1. Bundle 1: reference ${spokenDigits(bundle!.bundle_ref, 3)}`);
    await c.press('1');
    expect(c.prompt).toMatch(/Cancel bundle .*The shipper can then amend them/);
    await c.press('1');
    expect(c.prompt).toMatch(/is cancelled\. Its consignments are no longer bundled/);
    expect(c.prompt).toMatch(/You have no active bundles/);
    expect(await bundlesOf(d.driverNo)).toEqual([]);
    expect((await t.rt.ports.consignments.byCcrn(a))?.status).toBe('submitted');
  });

  it('a repeated 1 never confirms twice: the same turn gets the saved answer', async () => {
    const d = await addDriver(t.rt.db.sql);
    const a = await addConsignment(t.rt.db.sql);
    const c = dial(d.mobile, BUNDLING);
    await c.post('/twilio/voice');
    await c.press('1');
    await c.press(d.code());
    await c.press('1');
    await c.press(`${a}#`);
    await c.press('#');
    const confirmUrl = c.gather!.action!;
    await c.press('1');
    const first = c.responses.at(-1)!.body;
    expect(await bundlesOf(d.driverNo)).toHaveLength(1);
    // Twilio retries the same request (a timeout on its side): same turn, same Digits.
    const retry = dial(d.mobile, BUNDLING);
    retry.params.CallSid = c.params.CallSid!;
    await retry.post(confirmUrl, { Digits: '1', FinishedOnKey: '' });
    expect(retry.responses[0]!.status).toBe(200);
    expect(retry.responses[0]!.body).toBe(first);
    expect(await bundlesOf(d.driverNo)).toHaveLength(1);
    // The next turn goes on from there: 1 hears the details again, still one bundle.
    await c.press('1');
    expect(c.prompt).toMatch(/Your bundle reference is/);
    expect(await bundlesOf(d.driverNo)).toHaveLength(1);
  });

  it('explains every refusal of a CCRN and lets the caller go on', async () => {
    const sql = t.rt.db.sql;
    const d = await addDriver(sql);
    const good = await addConsignment(sql);
    const cancelled = await addConsignment(sql, { status: 'cancelled' });
    const expired = await addConsignment(sql, { crossingInMinutes: -25 * 60 });
    const unknown = unknownCcrn();
    const c = dial(d.mobile, BUNDLING);
    await c.post('/twilio/voice');
    await c.press('1');
    await c.press(d.code());
    await c.press('1');
    await c.press(`${good}#`);
    expect(c.prompt).toContain('inbound');

    const refusals: [string, RegExp][] = [
      [unknown, new RegExp(`no consignment with CCRN ${spokenDigits(unknown)}.*check the number with the shipper`)],
      [cancelled, /has been cancelled .*ask the shipper for a new CCRN/],
      [expired, /has expired.*declare the cargo again/],
      [DEMO.crossed, /already crossed the boundary/],
      [DEMO.bundled, /already bundled with vehicle A B\s+1 2 3 4\. It must be unbundled first/],
      [DEMO.outbound, /is outbound, but this bundle is inbound/],
      [good, /already entered CCRN/],
    ];
    for (const [ccrn, said] of refusals) {
      await c.press(`${ccrn}#`);
      expect(c.prompt, ccrn).toMatch(said);
      expect(c.gather?.finishOnKey, ccrn).toBe('#');
    }
    // A typo is caught by the check digit before any lookup: the caller hears which number to re-enter.
    await c.press(`${typo(good)}#`);
    expect(c.prompt).toMatch(/That CCRN does not check out.*key in the CCRN again/);
    await c.press('#');
    expect(c.prompt).toMatch(/Consignments to bundle with vehicle .*: 1\./);
    await c.press('1');
    expect((await bundlesOf(d.driverNo))[0]!.ccrns).toEqual([good]);
  });

  it('warns when the earliest crossing falls after the declared crossing time, and the bundle stands', async () => {
    const d = await addDriver(t.rt.db.sql);
    const soon = await addConsignment(t.rt.db.sql, { crossingInMinutes: 10 });
    const c = dial(d.mobile, BUNDLING);
    await c.post('/twilio/voice');
    await c.press('1');
    await c.press(d.code());
    await c.press('1');
    await c.press(`${soon}#`);
    await c.press('#');
    await c.press('1');
    expect(c.prompt).toMatch(new RegExp(`CCRN ${spokenDigits(soon)} was declared to cross before that time\\. The bundle stands`));
    expect(await bundlesOf(d.driverNo)).toHaveLength(1);
  });

  it('stops bundling with an expired token, a locked token, or no vehicle, and says why', async () => {
    const sql = t.rt.db.sql;
    const cases = [
      { d: await addDriver(sql, { expiresInDays: -3 }), code: false, said: /has expired and cannot be used for bundling.*replace it at one of the 12 designated post offices/ },
      { d: await addDriver(sql, { tokenStatus: 'locked' }), code: false, said: /token is locked after five wrong codes in a row, until .*\. An agent can unlock it sooner/ },
      { d: await addDriver(sql, { vehicles: [] }), code: true, said: /No vehicle is registered to you/ },
    ];
    for (const { d, code, said } of cases) {
      const c = dial(d.mobile, BUNDLING);
      await c.post('/twilio/voice');
      await c.press('1');
      if (code) await c.press(d.code());
      expect(c.prompt).toMatch(said);
      expect(c.prompt).toMatch(/speak to an agent, or go back to the main menu/);
      await c.press('0');
      expect(c.ended).toBe('enqueue');
    }
  });

  it('locks the token on the fifth wrong code in a row; an agent finds the call by the caller’s number and unlocks it', async () => {
    const d = await addDriver(t.rt.db.sql);
    const c = dial(d.mobile, BUNDLING);
    await c.post('/twilio/voice');
    await c.press('1');
    const heard: string[] = [];
    for (let i = 0; i < 5; i++) {
      await c.press(d.wrongCode());
      heard.push(c.prompt);
    }
    expect(heard[0]).toMatch(/not correct\. You have 4 tries left/);
    expect(heard[2]).toMatch(/You have 2 tries left/);
    expect(heard[3]).toMatch(/one try left/);
    expect(heard[4]).toMatch(/your token is locked until .*\. An agent can unlock it sooner/);
    expect((await t.rt.ports.tokens.bySerial(d.serial))?.status).toBe('locked');
    await c.press('0');
    expect(c.ended).toBe('enqueue');
    expect(c.spoken.at(-1)).toMatch(/Please hold while we connect you to an agent/);

    // The agent who answers sees the caller's number, not the CallSid.
    const res = await agentApi(`/agent/handoffs?caller=${encodeURIComponent(d.mobile)}`);
    expect(res.status).toBe(200);
    const { handoffs } = (await res.json()) as { handoffs: { conversationId: string; driverNo: string; where: string; locale: string }[] };
    expect(handoffs).toEqual([expect.objectContaining({ conversationId: c.params.CallSid, driverNo: d.driverNo, where: 'blocked', locale: 'en' })]);
    const bySid = await agentApi(`/agent/handoffs/${c.params.CallSid}`);
    expect(bySid.status).toBe(200);

    const unlock = await fetch(`${base}/agent/tokens/${d.driverNo}/unlock`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: 'agent-42' }),
    });
    expect(unlock.status).toBe(200);
    const again = dial(d.mobile, BUNDLING);
    await again.post('/twilio/voice');
    await again.press('1');
    await again.press(d.code(1));
    expect(again.prompt).toMatch(/Bundle with your vehicle/);
  });

  it('refuses a replayed code without counting it, and takes the next one', async () => {
    const d = await addDriver(t.rt.db.sql);
    const code = d.code();
    const first = dial(d.mobile, BUNDLING);
    await first.post('/twilio/voice');
    await first.press('1');
    await first.press(code);
    expect(first.prompt).toMatch(/Bundle with your vehicle/);
    const second = dial(d.mobile, BUNDLING);
    await second.post('/twilio/voice');
    await second.press('1');
    await second.press(code);
    expect(second.prompt).toMatch(/That code has already been used\. Please wait for the next code/);
    expect((await t.rt.ports.tokens.bySerial(d.serial))?.failedAttempts).toBe(0);
    await second.press(d.code(1));
    expect(second.prompt).toMatch(/Bundle with your vehicle/);
  });

  it('0 from a menu transfers to an agent after saving a hand-off the agent API finds', async () => {
    const c = dial(STRANGER);
    await c.post('/twilio/voice');
    await c.press('3');
    expect(c.prompt).toMatch(/Main menu\..*For bundling.*press 1\..*For an agent, press 0\./);
    await c.press('0');
    expect(c.ended).toBe('enqueue');
    expect(c.endVerb && c.endVerb.children).toEqual([{ text: 'agents' }]);
    const res = await agentApi(`/agent/handoffs/${c.params.CallSid}`);
    const { handoffs } = (await res.json()) as { handoffs: { caller: string; where: string; reason: string }[] };
    expect(handoffs).toEqual([expect.objectContaining({ caller: STRANGER, where: 'main', reason: 'requested' })]);
  });

  it('no input twice is explained and asked again; the third time goes to an agent', async () => {
    const c = dial(STRANGER);
    await c.post('/twilio/voice');
    const menu = c.prompt;
    // The language menu is in Cantonese first: a caller who says nothing has chosen no other.
    await c.silence();
    expect(c.prompt).toMatch(/^唔好意思，我哋聽唔到你嘅回應。.*For English, press 3/);
    expect(c.gather).not.toBeNull();
    await c.silence();
    expect(c.prompt).toMatch(/^唔好意思，我哋聽唔到你嘅回應。.*For English, press 3/);
    await c.silence();
    expect(c.ended).toBe('enqueue');
    expect(c.prompt).toMatch(/聽唔到你嘅回應。.*請稍等，我哋而家幫你轉駁客戶服務員。$/);
    expect(menu).toMatch(/For English, press 3/);
    const res = await agentApi(`/agent/handoffs/${c.params.CallSid}`);
    const { handoffs } = (await res.json()) as { handoffs: { reason: string; where: string }[] };
    expect(handoffs).toEqual([expect.objectContaining({ reason: 'no_input', where: 'language' })]);
  });

  it('offers each language in its own voice, and answers in the one chosen', async () => {
    const c = dial(STRANGER);
    await c.post('/twilio/voice');
    expect(voices(c).say).toEqual(expect.arrayContaining(['yue-HK', 'cmn-CN', 'en-GB']));
    expect(c.prompt).toMatch(/廣東話，請按1。.*普通话，请按2。.*For English, press 3\./);
    await c.press('1');
    expect(voices(c)).toEqual({ say: ['yue-HK'], gather: 'yue-Hant-HK' });
    expect(c.prompt).toMatch(/主選單。.*請按1/);
    const p = dial(STRANGER);
    await p.post('/twilio/voice');
    await p.press('2');
    expect(voices(p)).toEqual({ say: ['cmn-CN'], gather: 'cmn-Hans-CN' });
    expect(p.prompt).toMatch(/主菜单。.*请按1/);
  });

  it('greets a registered driver in their language and bundles in Cantonese, by voice as well as keys', async () => {
    const d = await addDriver(t.rt.db.sql, { locale: 'zh-HK' });
    const a = await addConsignment(t.rt.db.sql);
    const c = dial(d.mobile, BUNDLING);
    await c.post('/twilio/voice');
    expect(voices(c)).toEqual({ say: ['yue-HK'], gather: 'yue-Hant-HK' });
    expect(c.prompt).toMatch(/^歡迎致電.*請問你係唔係司機編號尾四個字係.*嘅司機？/);
    expect(c.prompt).not.toContain('測試司機');
    await c.speak('係');
    expect(c.prompt).toMatch(/六位數字保安編碼/);
    await c.press(d.code());
    await c.press('1');
    await c.speak(a.split('').join(' '));
    await c.press('#');
    await c.press('1');
    const [bundle] = await bundlesOf(d.driverNo);
    expect(bundle!.ccrns).toEqual([a]);
    expect(c.prompt).toContain(`你嘅綑綁編號係${spokenDigits(bundle!.bundle_ref, 3)}。`);
    expect(voices(c)).toEqual({ say: ['yue-HK'], gather: 'yue-Hant-HK' });
  });

  it('bundles in Putonghua for a driver registered in Putonghua, with a spoken CCRN in words', async () => {
    const d = await addDriver(t.rt.db.sql, { locale: 'zh-CN' });
    const a = await addConsignment(t.rt.db.sql);
    const words = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    const c = dial(d.mobile, BUNDLING);
    await c.post('/twilio/voice');
    expect(voices(c)).toEqual({ say: ['cmn-CN'], gather: 'cmn-Hans-CN' });
    await c.press('1');
    await c.press(d.code());
    await c.press('1');
    await c.speak(a.split('').map((x) => words[Number(x)]).join(''));
    expect(c.prompt).toContain(spokenDigits(a));
    await c.press('#');
    await c.press('1');
    const [bundle] = await bundlesOf(d.driverNo);
    expect(c.prompt).toContain(`您的捆绑编号是${spokenDigits(bundle!.bundle_ref, 3)}。`);
  });

  it('answers 200 with an apology in the caller’s language when a turn fails on our side, then an agent', async () => {
    const c = dial(STRANGER);
    await c.post('/twilio/voice');
    await c.press('1');
    // Redis goes away: reads and writes fail (this instance may not need to read: it saved the last turn).
    const down = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    const load = vi.spyOn(t.rt.sessions, 'load').mockImplementation(down);
    const save = vi.spyOn(t.rt.sessions, 'save').mockImplementation(down);
    try {
      await c.press('2');
    } finally {
      load.mockRestore();
      save.mockRestore();
    }
    const last = c.responses.at(-1)!;
    expect(last.status).toBe(200);
    expect(last.type).toMatch(/^text\/xml/);
    expect(voices(c).say).toEqual(['yue-HK']);
    expect(c.prompt).toMatch(/對唔住.*請按0/);
    await c.press('0');
    expect(c.ended).toBe('enqueue');
    const res = await agentApi(`/agent/handoffs/${c.params.CallSid}`);
    const { handoffs } = (await res.json()) as { handoffs: { reason: string; locale: string }[] };
    expect(handoffs).toEqual([expect.objectContaining({ reason: 'service_failure', locale: 'zh-HK' })]);
  });

  it('apologises in all three languages when the very first turn fails', async () => {
    const load = vi.spyOn(t.rt.sessions, 'load').mockRejectedValueOnce(new Error('redis down'));
    const c = dial(STRANGER);
    try {
      await c.post('/twilio/voice');
    } finally {
      load.mockRestore();
    }
    expect(c.responses[0]!.status).toBe(200);
    expect(voices(c).say).toEqual(['yue-HK', 'cmn-CN', 'en-GB']);
    await c.silence();
    expect(c.ended).toBe('enqueue');
  });

  it('records the end of the call with the caller masked, and forgets the session', async () => {
    const c = dial(STRANGER);
    await c.post('/twilio/voice');
    c.params.CallStatus = 'completed';
    const res = await fetch(`${base}/twilio/voice/status`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(AUTH, `${PUBLIC}/twilio/voice/status`, { ...c.params, CallDuration: '42' }),
      },
      body: new URLSearchParams({ ...c.params, CallDuration: '42' }),
    });
    expect(res.status).toBe(204);
    expect(await t.rt.sessions.load(`voice:${c.params.CallSid}`)).toBeNull();
    const [entry] = await t.rt.ports.audit.list({ action: 'call.end', limit: 1 });
    expect(entry).toMatchObject({ channel: 'voice', callerMasked: '+852****5432', outcome: 'completed', detail: { callSid: c.params.CallSid, durationSec: 42 } });
  });
});
