/**
 * The hotline's bundling and "my bundles" flows, driven through the real runner over the real
 * services and a database with the demo seed (issue 3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { CCRN, DEMO, openFlowHarness, say, type Conversation, type FlowHarness } from '../helpers/flow-harness.js';
import { makeConsignment, makeDriver, validId, withBadCheckDigit, wrongCode, type TestDriver } from './support.js';
import type { SessionStore } from '../../src/sessions/port.js';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createRedisSessionStore } from '../../src/sessions/redis.js';
import { formatTime } from '../../src/i18n.js';

describe.each(dbTargets())('hotline bundling on $name', (target) => {
  let h: FlowHarness;
  beforeAll(async () => {
    h = await openFlowHarness({ target });
  });
  afterAll(() => h?.close());

  const consignment = async (ccrn: string) =>
    (await h.db.sql<{ status: string; bundle_ref: string | null }[]>`SELECT status, bundle_ref FROM consignments WHERE ccrn = ${ccrn}`)[0];

  /** A driver of our own, identified by driver number and authorised, at the CCRN question. */
  async function atCcrnQuestion(driver?: TestDriver): Promise<{ c: Conversation; d: TestDriver }> {
    const d = driver ?? (await makeDriver(h.db.sql));
    const c = h.conversation({ locale: 'en', channel: 'voice' });
    await c.open();
    await c.press('1');
    await c.press('1');
    expect(c.last.state).toBe('identify.driverNo');
    await c.press(d.driverNo);
    expect(c.last.state).toBe('identify.code');
    await c.press(h.code(d));
    expect(c.last.state).toBe('bundling.vehicleConfirm');
    await c.press('1');
    expect(c.last.state).toBe('bundling.ccrn');
    return { c, d };
  }

  it('bundles two CCRNs end to end by keypad, reads the result back and confirms by SMS', async () => {
    const c = h.conversation({ caller: DEMO.lee.mobile });
    await c.open();
    expect(c.last.reply.locale).toBe('en');
    // Caller ID is not identity: no name, and nothing about the token, before a code.
    expect(c.heard()).toMatch(/^Welcome to ROCARS\.\nMain menu\./);

    await c.press('1');
    expect(c.heard()).toMatch(/1: bundling consignments with your vehicle\n2: hearing or cancelling your bundles/);
    await c.press('1');
    expect(c.heard()).toMatch(/^Are you the driver whose number ends in 0024\?\n1: yes\n2: another driver number\n9: another language$/);

    // Lee's token expires in 20 days: the reminder names its date, so it waits for the code.
    await c.press('1');
    expect(c.last.state).toBe('identify.code');
    expect(c.heard()).toBe('Please send the 6-digit code now shown on your security token.');
    expect(c.last.reply.expect).toEqual({ kind: 'digits', min: 6, max: 6, name: 'tokenCode', timeoutSec: 15 });

    await c.press(h.code('lee'));
    expect(c.heard()).toMatch(/^Please note: your security token expires on \d+ December 2026 and needs replacing\./);
    expect(c.heard()).toMatch(/Which vehicle are you bundling with\?\n1: vehicle CD 5678\n2: vehicle EF 901$/);
    await c.press('1');
    expect(c.last.reply.expect).toMatchObject({ kind: 'digits', min: 12, max: 12, finishKey: '#' });

    await c.press(CCRN.in1);
    expect(c.heard()).toMatch(/^CCRN 2611 0000 0013: inbound, packages: 12\.\nConsignments so far: 1\./);
    await c.press(CCRN.in2);
    expect(c.heard()).toMatch(/^CCRN 2611 0000 0021: inbound, packages: 3\.\nConsignments so far: 2\./);
    await c.press('#');
    expect(c.last.state).toBe('bundling.summary');
    expect(c.heard()).toContain(
      'Consignments to bundle with vehicle CD 5678: 2.\nCCRN 2611 0000 0013, inbound, packages: 12.\nCCRN 2611 0000 0021, inbound, packages: 3.\nShall we bundle them?',
    );

    await c.press('1');
    expect(c.last.state).toBe('bundling.result');
    const row = await consignment(CCRN.in1);
    expect(row).toMatchObject({ status: 'bundled' });
    const ref = row!.bundle_ref!;
    expect((await consignment(CCRN.in2))?.bundle_ref).toBe(ref);
    const spaced = `${ref.slice(0, 3)} ${ref.slice(3, 6)} ${ref.slice(6)}`;
    expect(c.heard()).toContain(`Done. Consignments bundled with vehicle CD 5678: 2.\nYour bundle reference is ${spaced}.`);
    const earliest = new Date(h.clock.now().getTime() + 30 * 60_000);
    const hk = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Hong_Kong', hour: '2-digit', minute: '2-digit', hour12: false }).format(earliest);
    expect(c.heard()).toContain(`The earliest permitted crossing time is `);
    expect(c.heard()).toContain(hk);
    expect(c.heard()).toContain('We have also sent you these details by SMS.');
    // Voice reads the reference digit by digit, in groups.
    expect(say(c.last.reply, 'voice')).toContain(`Your bundle reference is ${ref.slice(0, 3).split('').join(' ')}, `);
    expect(c.last.reply.say.find((m) => m.key === 'flow:result.reference')?.params?.ref).toEqual({ kind: 'digits', value: ref, group: 3 });

    const outbox = await h.ports.outbox.list(10);
    const sms = outbox.find((o) => o.purpose === 'bundle_confirmation' && o.body.includes(spaced));
    expect(sms).toMatchObject({ kind: 'sms', toMasked: '+852****5678', reason: 'no_credentials' });
    expect(sms!.body).toMatch(/^ROCARS: bundle \d{3} \d{3} \d{3}, vehicle CD 5678, 2 CCRN: 261100000013, 261100000021\. Earliest crossing /);

    // Offered again.
    await c.press('1');
    expect(c.last.state).toBe('bundling.result');
    expect(c.heard()).toContain(`Your bundle reference is ${spaced}.`);
    await c.press('9');
    expect(c.last.state).toBe('main');
  });

  it('warns when the earliest crossing falls after a declared crossing time, and the bundle stands', async () => {
    const c = h.conversation({ caller: DEMO.lee.mobile, channel: 'voice' });
    await c.open();
    for (const k of ['1', '1', '1']) await c.press(k);
    await c.press(h.code('lee'));
    await c.press('2'); // EF 901
    await c.press(CCRN.soon);
    await c.press('#');
    await c.press('1');
    expect(c.last.state).toBe('bundling.result');
    expect(c.heard()).toContain(
      'Please note: CCRN 2611 0000 0084 was declared to cross before that time. The bundle stands, but the vehicle may not cross before the earliest permitted crossing time.',
    );
    expect(await consignment(CCRN.soon)).toMatchObject({ status: 'bundled' });
  });

  it('says why each CCRN is refused and what to do, and lets the caller go on (refusals are not misses)', async () => {
    const { c } = await atCcrnQuestion();
    const mine = await makeConsignment(h.db.sql, { at: h.clock.now() });
    await c.press(mine);
    expect(c.heard()).toMatch(/^CCRN 2612 \d{4} \d{4}: inbound, packages: 2\./);

    const unknown = validId('2611', 12, 9_999_990);
    const table: [string, RegExp][] = [
      [unknown, /^We have no consignment with CCRN 2611 \d{4} \d{4}\. Please check the number with the shipper and key it in again\./],
      [CCRN.cancelled, /^CCRN 2611 0000 0068 has been cancelled and cannot be bundled\. Please ask the shipper for a new CCRN\./],
      [CCRN.crossed, /^CCRN 2611 0000 0059 has already crossed the boundary\. For cargo crossing again, the shipper must declare it again for a new CCRN\./],
      [CCRN.expired, /^CCRN 2611 0000 0076 has expired: its declared crossing time passed more than a day ago\. Please ask the shipper to declare the cargo again\./],
      [CCRN.bundled, /^CCRN 2611 0000 0045 is already bundled with vehicle AB 1234\. It must be unbundled first: the driver of that bundle can cancel it, or an agent can help\./],
      [CCRN.out2, /^CCRN 2611 0000 0092 is outbound, but this bundle is inbound\. One bundle takes one direction only, so please bundle it separately\./],
      [mine, /^You have already entered CCRN 2612 \d{4} \d{4}\./],
    ];
    for (const [ccrn, said] of table) {
      await c.press(ccrn);
      expect(c.heard()).toMatch(said);
      expect(c.last.state).toBe('bundling.ccrn');
      expect(c.heard()).toContain('Consignments so far: 1.');
    }
    // A typo is caught by the check digit before any lookup: that one is a miss, said so.
    await c.press(withBadCheckDigit(mine));
    expect(say(c.last.reply, 'voice')).toMatch(/^That CCRN does not check out: a digit may be wrong\. Please key in the CCRN again\./);
    await c.press('12345');
    expect(say(c.last.reply, 'voice')).toMatch(/^A CCRN has 12 digits\. Please key it in again\.\nConsignments so far: 1\. Key in the next CCRN and press hash, or press hash alone when you have finished\./);
    expect(c.last.reply.end).toBeUndefined();
  });

  it('drops a CCRN another driver bundled meanwhile, says why, and keeps the rest', async () => {
    const shared = await makeConsignment(h.db.sql, { at: h.clock.now() });
    const own = await makeConsignment(h.db.sql, { at: h.clock.now() });
    const a = await atCcrnQuestion();
    const b = await atCcrnQuestion();
    await a.c.press(shared);
    await a.c.press('#');
    await b.c.press(own);
    await b.c.press(shared);
    await b.c.press('#');
    await a.c.press('1');
    expect(a.c.last.state).toBe('bundling.result');
    await b.c.press('1');
    expect(b.c.last.state).toBe('bundling.summary');
    expect(b.c.heard()).toMatch(
      new RegExp(`^CCRN ${shared.slice(0, 4)} ${shared.slice(4, 8)} ${shared.slice(8)} is already bundled with vehicle TK \\d+\\. It must be unbundled first.*\\nIt has been taken off your list\\.\\nConsignments to bundle with vehicle TK \\d+: 1\\.`),
    );
    await b.c.press('1');
    expect(b.c.last.state).toBe('bundling.result');
    expect(await consignment(own)).toMatchObject({ status: 'bundled' });
  });

  it('says how many tries are left after a wrong code, locks the token on the fifth and offers an agent', async () => {
    const d = await makeDriver(h.db.sql);
    const c = h.conversation({ locale: 'en', caller: '+85298760001' });
    await c.open();
    for (const k of ['1', '1']) await c.press(k);
    await c.press(d.driverNo);
    const said: string[] = [];
    for (let i = 0; i < 5; i++) {
      h.clock.advance(30_000);
      await c.press(wrongCode(d.secret, h.clock.now()));
      said.push(c.heard());
    }
    expect(said[0]).toMatch(/^That code is not correct\. You have 4 tries left before your token is locked\./);
    expect(said[1]).toMatch(/You have 3 tries left/);
    expect(said[2]).toMatch(/You have 2 tries left/);
    expect(said[3]).toMatch(/^That code is not correct\. You have one try left: one more wrong code locks your token\./);
    // Locked for 15 minutes from the fifth wrong code, said in Hong Kong time.
    const until = formatTime(new Date(h.clock.now().getTime() + 15 * 60_000).toISOString(), 'en');
    expect(said[4]).toBe(
      `That code is not correct either. After five wrong codes in a row your token is locked until ${until}. An agent can unlock it sooner, after checking your identity.\n` +
        'You can speak to an agent, or go back to the main menu.\n0: an agent\n9: the main menu',
    );
    const [token] = await h.db.sql<{ status: string; locked_until: Date }[]>`SELECT status, locked_until FROM tokens WHERE driver_no = ${d.driverNo}`;
    expect(token).toEqual({ status: 'locked', locked_until: new Date(h.clock.now().getTime() + 15 * 60_000) });

    await c.press('0');
    expect(c.last.reply.expect).toBeNull();
    expect(c.last.reply.end).toEqual({ kind: 'agent', reason: 'requested', where: 'blocked' });
    const [handoff] = await h.services.handoffs.byConversation(c.key.slice('voice:'.length));
    expect(handoff).toMatchObject({ channel: 'voice', caller: '+85298760001', driverNo: d.driverNo, locale: 'en', where: 'blocked', reason: 'requested' });
  });

  it('refuses a code already used (replay), then accepts the next one', async () => {
    const d = await makeDriver(h.db.sql);
    const first = h.conversation({ locale: 'en' });
    const second = h.conversation({ locale: 'en' });
    for (const c of [first, second]) {
      await c.open();
      for (const k of ['1', '1']) await c.press(k);
      await c.press(d.driverNo);
    }
    const code = h.code(d);
    await first.press(code);
    expect(first.last.state).toBe('bundling.vehicleConfirm');
    await second.press(code);
    expect(second.last.state).toBe('identify.code');
    expect(second.heard()).toMatch(/^That code has already been used\. Please wait for the next code to appear on your token, then send it\./);
    expect(say(second.last.reply, 'voice')).toMatch(/^That code has already been used\. Please wait for the next code to appear on your token, then key it in\./);
    await second.press(h.code(d));
    expect(second.last.state).toBe('bundling.vehicleConfirm');
  });

  it('keeps no token code in the session, only until when the authorisation ends', async () => {
    const d = await makeDriver(h.db.sql);
    const c = h.conversation({ locale: 'en' });
    await c.open();
    for (const k of ['1', '1']) await c.press(k);
    await c.press(d.driverNo);
    const code = h.code(d);
    await c.press(code);
    const stored = JSON.stringify(await h.sessions.load(c.key));
    expect(stored).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
    expect(stored).toContain(`"until":${h.clock.now().getTime() + 10 * 60_000}`);
  });

  it('turns away a locked token and an expired one before asking for a code', async () => {
    const locked = h.conversation({ caller: DEMO.wang.mobile, locale: 'en' });
    await locked.open();
    for (const k of ['1', '1', '1']) await locked.press(k);
    expect(locked.last.state).toBe('blocked');
    const [wang] = await h.db.sql<{ locked_until: Date }[]>`SELECT locked_until FROM tokens WHERE driver_no = ${DEMO.wang.driverNo}`;
    expect(locked.heard()).toMatch(
      new RegExp(`^Your security token is locked after five wrong codes in a row, until ${formatTime(wang!.locked_until.toISOString(), 'en')}\\. An agent can unlock it sooner`),
    );

    const expired = h.conversation({ caller: DEMO.ho.mobile, locale: 'en' });
    await expired.open();
    for (const k of ['1', '1', '1']) await expired.press(k);
    expect(expired.last.state).toBe('blocked');
    expect(expired.heard()).toMatch(/^Your security token has expired and cannot be used for bundling\.\nPlease replace it at one of the 12 designated post offices/);
  });

  it('asks for a new code when the 10-minute authorisation has run out, then bundles', async () => {
    const { c, d } = await atCcrnQuestion();
    const ccrn = await makeConsignment(h.db.sql, { at: h.clock.now(), minutes: 600 });
    await c.press(ccrn);
    await c.press('#');
    h.clock.advance(11 * 60_000);
    await c.press('1');
    expect(c.last.state).toBe('identify.code');
    expect(say(c.last.reply, 'voice')).toMatch(/^For your security, please key in a new code from your token\./);
    await c.press(h.code(d));
    expect(c.last.state).toBe('bundling.result');
    expect(await consignment(ccrn)).toMatchObject({ status: 'bundled' });
  });

  it('lets a driver hear their bundles and cancel one, only with a token code (caller ID is not enough)', async () => {
    const { c, d } = await atCcrnQuestion(await makeDriver(h.db.sql, { vehicles: ['XY321'] }));
    const ccrn = await makeConsignment(h.db.sql, { at: h.clock.now(), direction: 'outbound' });
    await c.press(ccrn);
    await c.press('#');
    await c.press('1');
    const ref = (await consignment(ccrn))!.bundle_ref!;

    const mine = h.conversation({ caller: d.mobile });
    await mine.open();
    await mine.press('1');
    await mine.press('2');
    expect(mine.last.state).toBe('identify.confirmCaller');
    await mine.press('1');
    expect(mine.last.state).toBe('identify.code');
    await mine.press(h.code(d));
    expect(mine.last.state).toBe('myBundles.list');
    const spaced = `${ref.slice(0, 3)} ${ref.slice(3, 6)} ${ref.slice(6)}`;
    expect(mine.heard()).toMatch(
      new RegExp(`^Your active bundles: 1\\.\\nBundle 1: reference ${spaced}, vehicle XY 321, outbound, consignments: 1, earliest crossing .*\\nTo cancel a bundle, choose its number\\.\\n1: cancelling bundle ${spaced}\\n9: the main menu$`),
    );
    await mine.press('1');
    expect(mine.heard()).toMatch(new RegExp(`^Cancel bundle ${spaced} with vehicle XY 321, consignments: 1\\? The shipper can then amend them\\.`));
    await mine.press('2');
    expect(mine.last.state).toBe('myBundles.list');
    expect(mine.heard()).toMatch(/^The bundle stays as it is\./);
    await mine.press('1');
    await mine.press('1');
    expect(mine.heard()).toMatch(new RegExp(`^Bundle ${spaced} is cancelled\\. Its consignments are no longer bundled, and the shipper can amend them\\.\\nYou have no active bundles\\.`));
    expect(mine.last.state).toBe('myBundles.none');
    expect(await consignment(ccrn)).toMatchObject({ status: 'submitted', bundle_ref: null });
  });

  it('answers a repeated voice turn from the session without acting again (no double bundle)', async () => {
    const { c } = await atCcrnQuestion();
    const ccrn = await makeConsignment(h.db.sql, { at: h.clock.now() });
    await c.press(ccrn);
    await c.press('#');
    const turn = c.last.turn + 1;
    const first = await c.press('1', turn);
    expect(first.state).toBe('bundling.result');
    expect(first.repeated).toBe(false);
    const again = await c.press('1', turn);
    expect(again).toEqual({ ...first, repeated: true });
    const rows = await h.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM bundle_items WHERE ccrn = ${ccrn}`;
    expect(rows[0]?.n).toBe(1);
    // The next turn goes on from the saved state.
    const next = await c.press('9', turn + 1);
    expect(next.state).toBe('main');
  });

  it('applies two turns that arrive together on one key in sequence, none lost', async () => {
    const c = h.conversation({ channel: 'sms', caller: '+85298760002', locale: 'en' });
    await c.open();
    const [a, b] = await Promise.all([c.text('2'), c.text(CCRN.crossed)]);
    expect(a.state).toBe('consignment.ask');
    expect(b.state).toBe('consignment.result');
    expect(say(b.reply)).toMatch(/^CCRN 2611 0000 0059, outbound, packages: 5: crossed at Shenzhen Bay Control Point at /);
  });

  it('applies both turns when two instances save the same conversation at once (compare-and-set)', async () => {
    let conflicts = 0;
    const counting: SessionStore = {
      ...h.sessions,
      kind: h.sessions.kind,
      load: (k) => h.sessions.load(k),
      delete: (k) => h.sessions.delete(k),
      close: async () => {},
      save: async (k, v, version, ttl) => {
        const r = await h.sessions.save(k, v, version, ttl);
        if (r === null) conflicts++;
        return r;
      },
    };
    const one = h.newRunner({ sessions: counting });
    const two = h.newRunner({ sessions: counting });
    const c1 = h.conversation({ channel: 'sms', caller: '+85298760003', locale: 'en', runner: one });
    const c2 = h.conversation({ channel: 'sms', caller: '+85298760003', locale: 'en', runner: two, key: c1.key });
    await c1.open();
    // Two silences at once: both must count, so a third one is the third miss.
    await Promise.all([c1.silence(), c2.silence()]);
    expect(conflicts).toBeGreaterThan(0);
    await c1.silence();
    expect(c1.last.reply.end).toEqual({ kind: 'agent', reason: 'no_input', where: 'main' });
  });

  it('bundles by SMS from the driver\'s own mobile with words, and only from there', async () => {
    const d = await makeDriver(h.db.sql, { vehicles: ['KL88', 'MN99'] });
    const ccrn = await makeConsignment(h.db.sql, { at: h.clock.now() });
    const c = h.conversation({ channel: 'sms', caller: d.mobile, locale: 'en' });
    await c.open();
    await c.text('bundle');
    await c.text('1');
    expect(c.last.state).toBe('identify.code');
    expect(c.heard()).toBe('Please send the 6-digit code now shown on your security token.');
    await c.text(h.code(d));
    await c.text('MN 99');
    expect(c.last.state).toBe('bundling.ccrn');
    await c.text(`${ccrn.slice(0, 4)}-${ccrn.slice(4, 8)}-${ccrn.slice(8)}`);
    await c.text('done');
    expect(c.last.state).toBe('bundling.summary');
    await c.text('yes');
    expect(c.last.state).toBe('bundling.result');
    expect(c.heard()).not.toContain('SMS');

    const stranger = h.conversation({ channel: 'sms', caller: '+85298760004', locale: 'en' });
    await stranger.open();
    await stranger.text('1');
    await stranger.text('1');
    expect(stranger.last.state).toBe('main');
    expect(stranger.heard()).toMatch(/^By SMS, bundling works only from the mobile number registered to the driver\. Please call the hotline on 3669 0000\./);
  });
  // CI has Redis: the same guarantees with the shared session store (two instances, one conversation).
  describe.runIf(!!process.env.TEST_REDIS_URL)('with Redis sessions', () => {
    let redis: Redis;
    let store: SessionStore;
    const prefix = `rocars:test:flows:${randomBytes(4).toString('hex')}:`;
    beforeAll(() => {
      redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: 1 });
      store = createRedisSessionStore({ redis, prefix });
    });
    afterAll(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    });

    it('applies both turns of two instances, answers a repeated turn from the store, and expires voice after 2 h', async () => {
      const one = h.newRunner({ sessions: store });
      const two = h.newRunner({ sessions: store });
      const a = h.conversation({ channel: 'voice', locale: 'en', runner: one });
      const b = h.conversation({ channel: 'voice', locale: 'en', runner: two, key: a.key });
      await a.open();
      const [x, y] = await Promise.all([a.silence(), b.silence()]);
      expect([x.turn, y.turn].sort()).toEqual([2, 3]);
      const again = await b.press('2', 2);
      expect(again.repeated).toBe(true);
      await a.silence();
      expect(a.last.reply.end).toEqual({ kind: 'agent', reason: 'no_input', where: 'main' });
      const ttl = await redis.pttl(prefix + a.key);
      expect(ttl).toBeGreaterThan(2 * 3600_000 - 60_000);
      expect(ttl).toBeLessThanOrEqual(2 * 3600_000);

      const sms = h.conversation({ channel: 'sms', caller: '+85298760009', locale: 'en', runner: one });
      await sms.open();
      expect(await redis.pttl(prefix + sms.key)).toBeLessThanOrEqual(30 * 60_000);
    });
  });
});
