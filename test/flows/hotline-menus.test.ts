/**
 * The hotline's menus: language, caller-ID greeting, main menu routing, status enquiries, token
 * guidance, centres, retries, `*` and `0` everywhere, stale sessions, failures (issue 3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { CCRN, DEMO, openFlowHarness, say, type Conversation, type FlowHarness } from '../helpers/flow-harness.js';
import { validId, withBadCheckDigit } from './support.js';
import type { Services } from '../../src/core/services.js';
import type { Reply } from '../../src/flows/reply.js';
import type { SessionStore } from '../../src/sessions/port.js';

const keysOf = (r: Reply) => r.say.map((m) => m.key);

describe.each(dbTargets())('hotline menus on $name', (target) => {
  let h: FlowHarness;
  let failing: keyof Services | null = null;
  beforeAll(async () => {
    h = await openFlowHarness({
      target,
      // Lets a test make one service fail as a database outage would.
      wrapServices: (s) =>
        new Proxy(s, {
          get(obj, prop) {
            const svc = obj[prop as keyof Services];
            if (prop !== failing || typeof svc !== 'object' || svc === null) return svc;
            return new Proxy(svc, {
              get: (o, p) => {
                const value = (o as unknown as Record<string | symbol, unknown>)[p];
                return typeof value === 'function' ? async () => Promise.reject(new Error('database down')) : value;
              },
            });
          },
        }),
    });
  });
  afterAll(() => h?.close());

  /** An English caller from no known number, at the main menu. */
  async function atMain(channel: 'voice' | 'sms' = 'voice'): Promise<Conversation> {
    const c = h.conversation({ channel, caller: channel === 'sms' ? '+85298761111' : null, locale: 'en' });
    await c.open();
    expect(c.last.state).toBe('main');
    return c;
  }

  describe('language', () => {
    it('offers each language in its own language to an unknown caller', async () => {
      const c = h.conversation({ caller: '+85298765432' });
      await c.open();
      expect(c.last.state).toBe('language');
      expect(c.last.reply.say).toEqual([
        { key: 'flow:language.welcome', locale: 'zh-HK' },
        { key: 'flow:language.welcome', locale: 'en' },
      ]);
      expect(c.last.reply.expect?.kind === 'menu' && c.last.reply.expect.options.map((o) => [o.key, o.locale])).toEqual([
        ['1', 'zh-HK'],
        ['2', 'zh-CN'],
        ['3', 'en'],
      ]);
      expect(c.heard()).toBe('歡迎使用道路貨物資料系統。\nWelcome to ROCARS.\n1: 廣東話\n2: 普通话\n3: English');
    });

    it.each([
      ['1', 'zh-HK', '主選單。'],
      ['2', 'zh-CN', '主菜单。'],
      ['3', 'en', 'Main menu.'],
    ] as const)('key %s opens the main menu in %s', async (key, locale, menu) => {
      const c = h.conversation({ caller: '+85298765432' });
      await c.open();
      await c.press(key);
      expect(c.last.state).toBe('main');
      expect(c.last.reply.locale).toBe(locale);
      expect(c.heard().split('\n')[1]).toBe(menu);
    });

    it.each([
      ['English', 'en'],
      ['廣東話', 'zh-HK'],
      ['普通话', 'zh-CN'],
      ['three', 'en'],
    ] as const)('understands %j said or texted', async (words, locale) => {
      const c = h.conversation({ caller: '+85298765432' });
      await c.open();
      await c.text(words);
      expect(c.last.reply.locale).toBe(locale);
    });

    it("greets a registered driver's number in the driver's language, never by name, and 9 changes it", async () => {
      const c = h.conversation({ caller: DEMO.chan.mobile });
      await c.open();
      expect(c.last.state).toBe('main');
      expect(c.last.reply.locale).toBe('zh-HK');
      expect(c.heard()).toMatch(/^歡迎使用道路貨物資料系統。\n主選單。\n1: 綑綁貨物/);
      expect(c.heard()).not.toContain('陳大文');
      expect(c.heard()).toContain('9: 轉其他語言');
      await c.press('9');
      expect(c.last.state).toBe('language');
      await c.press('3');
      expect(c.last.reply.locale).toBe('en');
      expect(c.last.state).toBe('main');

      const wang = h.conversation({ caller: DEMO.wang.mobile });
      await wang.open();
      expect(wang.last.reply.locale).toBe('zh-CN');
      expect(wang.heard()).toMatch(/^欢迎/);
      expect(wang.heard()).not.toContain('王偉');
    });

    it('skips the language menu when the language is known (web cookie, SMS LANG)', async () => {
      const c = h.conversation({ channel: 'sms', caller: '+85298765432', locale: 'zh-CN' });
      await c.open();
      expect(c.last.state).toBe('main');
      expect(c.heard()).toMatch(/^欢迎使用道路货物资料系统。\n主菜单。/);

      const driver = h.conversation({ channel: 'sms', caller: DEMO.chan.mobile, locale: 'en' });
      await driver.open();
      expect(driver.last.reply.locale).toBe('en');
      expect(driver.heard()).toMatch(/^Welcome to ROCARS\.\nMain menu\./);
    });

    it('takes a bundling line straight to bundling after the language', async () => {
      const c = h.conversation({ caller: '+85298765432', entry: 'bundling' });
      await c.open();
      expect(c.last.state).toBe('language');
      await c.press('3');
      expect(c.last.state).toBe('identify.driverNo');
      expect(say(c.last.reply, 'voice')).toMatch(/Please key in your 8-digit driver number, then press hash\.$/);

      const lee = h.conversation({ caller: DEMO.lee.mobile, entry: 'bundling' });
      await lee.open();
      expect(lee.last.state).toBe('identify.confirmCaller');
      expect(lee.heard()).toBe('Welcome to ROCARS.\nAre you the driver whose number ends in 0024?\n1: yes\n2: another driver number\n9: another language');
    });
  });

  describe('main menu', () => {
    it.each([
      ['1', 'bundlingMenu', /^Bundling\./],
      ['2', 'consignment.ask', /^Please send the 12-digit CCRN\.$/],
      ['3', 'registration.ask', /^Please send your 10-digit registration application reference\.$/],
      ['4', 'token.menu', /^Security tokens\. A token needs replacing when it has expired or expires within 60 days\./],
      ['5', 'centres', /^Registration centres and token replacement places\./],
      ['9', 'language', /^歡迎/],
      ['status', 'consignment.ask', /CCRN/],
      ['registration', 'registration.ask', /reference/],
    ])('%j leads to %s', async (key, state, said) => {
      const c = await atMain();
      await c.text(key);
      expect(c.last.state).toBe(state);
      expect(c.heard()).toMatch(said);
    });

    it('lists the stable keys of DESIGN.md', async () => {
      const c = await atMain();
      expect(c.last.reply.expect?.kind === 'menu' && c.last.reply.expect.options.map((o) => o.key)).toEqual(['1', '2', '3', '4', '5', '0', '*', '9']);
    });
  });

  describe('* repeats and 0 reaches an agent', () => {
    it('repeats the question with * and changes nothing else', async () => {
      const c = await atMain();
      await c.press('2');
      const asked = c.last.reply;
      await c.press('*');
      expect(c.last.reply).toEqual(asked);
      expect(c.last.state).toBe('consignment.ask');
      await c.text('repeat');
      expect(c.last.reply).toEqual(asked);
      await c.press(CCRN.in2);
      await c.press('*');
      expect(c.heard()).toMatch(/^CCRN 2611 0000 0021, inbound, packages: 3: /);
    });

    const paths: [string, string[], string][] = [
      ['the language menu', [], 'language'],
      ['the main menu', ['3'], 'main'],
      ['the bundling menu', ['3', '1'], 'bundlingMenu'],
      ['the driver number question', ['3', '1', '1'], 'identify.driverNo'],
      ['the consignment question', ['3', '2'], 'consignment.ask'],
      ['the registration question', ['3', '3'], 'registration.ask'],
      ['the token menu', ['3', '4'], 'token.menu'],
      ['the centres menu', ['3', '5'], 'centres'],
    ];
    it.each(paths)('0 from %s transfers to an agent and records the hand-off', async (_, keys, where) => {
      const c = h.conversation({ caller: '+85298765400' });
      await c.open();
      for (const k of keys) await c.press(k);
      expect(c.last.state).toBe(where);
      await c.press('0');
      expect(c.last.reply.expect).toBeNull();
      expect(c.last.reply.end).toEqual({ kind: 'agent', reason: 'requested', where });
      expect(c.last.state).toBe('agent');
      const records = await h.services.handoffs.byConversation(c.key.slice('voice:'.length));
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ caller: '+85298765400', channel: 'voice', where, reason: 'requested', driverNo: null });
    });

    it('hands over on a spoken "agent" too, with the identified driver in the record', async () => {
      const c = h.conversation({ caller: DEMO.chan.mobile });
      await c.open();
      for (const k of ['1', '1', '1']) await c.press(k);
      expect(c.last.state).toBe('identify.code');
      await c.text('客服');
      expect(c.last.reply.end).toEqual({ kind: 'agent', reason: 'requested', where: 'identify.code' });
      const [record] = await h.services.handoffs.byCaller(DEMO.chan.mobile);
      expect(record).toMatchObject({ driverNo: DEMO.chan.driverNo, locale: 'zh-HK', where: 'identify.code' });
    });
  });

  describe('retries', () => {
    it('says it heard nothing twice, and the third time transfers to an agent', async () => {
      const c = await atMain();
      await c.silence();
      expect(say(c.last.reply, 'voice')).toMatch(/^Sorry, we did not hear anything\.\nMain menu\.\n1: /);
      await c.silence();
      expect(c.last.state).toBe('main');
      await c.silence();
      expect(c.last.reply.expect).toBeNull();
      expect(c.last.reply.end).toEqual({ kind: 'agent', reason: 'no_input', where: 'main' });
      expect(say(c.last.reply, 'voice')).toBe('We still have not heard from you.\n[end: agent no_input at main]');
      const [record] = await h.services.handoffs.byConversation(c.key.slice('voice:'.length));
      expect(record).toMatchObject({ reason: 'no_input', where: 'main', locale: 'en' });
    });

    it('says what was wrong with a number, and the third invalid one transfers to an agent', async () => {
      const c = await atMain();
      await c.press('2');
      await c.press('2611000000');
      expect(say(c.last.reply, 'voice')).toMatch(/^A CCRN has 12 digits\. Please key it in again\.\nPlease key in the 12-digit CCRN, then press hash\.$/);
      await c.press(withBadCheckDigit(CCRN.in1));
      expect(say(c.last.reply, 'voice')).toMatch(/^That CCRN does not check out: a digit may be wrong\. Please key in the CCRN again\./);
      await c.press('7');
      expect(c.last.reply.end).toEqual({ kind: 'agent', reason: 'invalid_input', where: 'consignment.ask' });
      expect(c.heard()).toMatch(/^Sorry, we still could not take that\./);
    });

    it('counts misses per question: a new question starts afresh', async () => {
      const c = await atMain();
      await c.press('7');
      expect(c.heard()).toMatch(/^Sorry, that is not one of the options\.\nMain menu\./);
      await c.text('pizza');
      await c.press('2');
      expect(c.last.state).toBe('consignment.ask');
      await c.silence();
      await c.press('123');
      expect(c.last.state).toBe('consignment.ask');
      expect(c.last.reply.end).toBeUndefined();
    });

    it('does not count a refusal as a miss: an unknown CCRN may be tried again and again', async () => {
      const c = await atMain();
      await c.press('2');
      for (let i = 0; i < 4; i++) {
        await c.press(validId('2611', 12, 9_999_900 + i));
        expect(c.heard()).toMatch(/^We have no consignment with CCRN 2611 \d{4} \d{4}\. Please check the number with the shipper/);
        expect(c.last.state).toBe('consignment.ask');
      }
    });
  });

  describe('consignment status', () => {
    it.each([
      [CCRN.in1, /^CCRN 2611 0000 0013, inbound, packages: 12: not yet bundled\.$/m],
      [CCRN.bundled, /^CCRN 2611 0000 0045, inbound, packages: 8: bundled with vehicle AB 1234 at \d+ November( at)? \d{1,2}:\d\d\.\nTo amend it, the bundle must be cancelled first\./m],
      [CCRN.crossed, /^CCRN 2611 0000 0059, outbound, packages: 5: crossed at Shenzhen Bay Control Point at \d+ November( at)? \d{1,2}:\d\d\.$/m],
      [CCRN.cancelled, /^CCRN 2611 0000 0068, inbound, packages: 1: cancelled\.\nPlease ask the shipper for a new CCRN\.$/m],
      [CCRN.expired, /^CCRN 2611 0000 0076, inbound, packages: 2: expired, declare again\.\nThe shipper must declare the cargo again for a new CCRN\.$/m],
    ])('tells %s with the status words of DESIGN.md', async (ccrn, said) => {
      const c = await atMain();
      await c.press('2');
      await c.press(ccrn);
      expect(c.last.state).toBe('consignment.result');
      expect(c.heard()).toMatch(said);
      expect(c.heard()).toMatch(/Anything else\?\n1: another CCRN\n9: the main menu$/);
      await c.press('1');
      expect(c.last.state).toBe('consignment.ask');
    });

    it('reads a CCRN said in words', async () => {
      const c = await atMain('sms');
      await c.text('status');
      await c.text('two six one one, double zero double zero, double zero one three');
      expect(c.heard()).toMatch(/^CCRN 2611 0000 0013, inbound, packages: 12: not yet bundled\./);
    });
  });

  describe('registration status', () => {
    it('says the notification letter stays valid after its dates have passed', async () => {
      const c = await atMain();
      await c.press('3');
      await c.press('2026110012');
      expect(c.heard()).toMatch(
        /^Application 20261 10012: awaiting your visit to a Registration Centre\.\nYour notification letter remains valid even though its date range has passed\./,
      );
    });

    it.each([
      ['2026110020', 'processing'],
      ['2026110036', 'completed'],
      ['2026110048', 'rejected'],
      ['2026110057', 'more documents needed'],
    ])('tells %s: %s', async (ref, word) => {
      const c = await atMain();
      await c.press('3');
      await c.press(ref);
      expect(c.heard()).toMatch(new RegExp(`^Application \\d{5} \\d{5}: ${word}\\.`));
    });

    it('asks again for an unknown reference', async () => {
      const c = await atMain();
      await c.press('3');
      await c.press(validId('2026', 10, 99_999));
      expect(c.last.state).toBe('registration.ask');
      expect(c.heard()).toMatch(/^We have no application with that reference\./);
    });
  });

  describe('security token', () => {
    it('tells what to bring, who may come instead and where, then the caller\'s own token', async () => {
      const c = h.conversation({ caller: DEMO.chan.mobile, locale: 'en' });
      await c.open();
      await c.press('4');
      expect(c.heard()).toMatch(/purple label on the front, with the expiry date printed on the back/);
      await c.press('2');
      expect(c.heard()).toMatch(
        /^To replace your token, please bring:\nYour existing token\.\nThe completed Token Replacement Form\.\nYour proof of address, original or copy, issued within the last three months\.\nYour identity document\.\nReplacement is free of charge\./,
      );
      await c.press('3');
      expect(c.heard()).toMatch(/^If you cannot come yourself, you may authorise someone to replace the token for you\.\nYour representative must be 18 or over\.\n.*\nThey bring your authorisation letter\./s);
      await c.press('4');
      expect(c.heard()).toMatch(/^Tokens are replaced at the 12 designated post offices and at the Cargo Examination Complexes of the five land boundary control points\..*\nOpen now, \d+ places:\nGeneral Post Office\./s);
      await c.press('1');
      expect(c.last.state).toBe('identify.confirmCaller');
      expect(c.heard()).toMatch(/^Are you the driver whose number ends in 0019\?/);
      await c.press('1');
      // The token's own details only after a code: caller ID and a driver number prove nothing.
      expect(c.last.state).toBe('identify.code');
      expect(c.heard()).not.toMatch(/green|2028/);
      await c.press(h.code('chan'));
      expect(c.last.state).toBe('token.menu');
      expect(c.heard()).toMatch(/^Your token, with a green label, is valid until \d+ \w+ 2028\. It does not need replacing yet\./);
    });

    it('tells a keyed-in driver number nothing about the token before a code', async () => {
      const c = h.conversation({ caller: '+85298765432', locale: 'en' });
      await c.open();
      await c.press('4');
      await c.press('1');
      expect(c.last.state).toBe('identify.driverNo');
      await c.press(DEMO.lee.driverNo);
      expect(c.last.state).toBe('identify.code');
      expect(c.heard()).toBe('Please send the 6-digit code now shown on your security token.');
      await c.press(h.code('lee'));
      expect(c.heard()).toMatch(/^Your token, with a purple label, expires on \d+ December 2026, in \d+ days\./);
    });

    it('tells a driver whose token has expired', async () => {
      const c = h.conversation({ caller: DEMO.ho.mobile, locale: 'en' });
      await c.open();
      await c.press('4');
      await c.press('1');
      await c.press('1');
      // Said before any code (an expired token cannot give one), so without its date or label.
      expect(c.heard()).toMatch(/^Your security token has expired and cannot be used for bundling\.\nPlease replace it at one of the 12 designated post offices/);
      expect(c.heard()).not.toMatch(/purple|2024/);
    });
  });

  describe('centres and opening hours', () => {
    it('says which places are open now, then their hours by the day of the week', async () => {
      const saved = h.clock.now();
      try {
        h.clock.set('2026-11-29T12:00:00Z'); // Sunday 20:00 in Hong Kong: post offices closed
        const c = await atMain();
        await c.press('5');
        expect(c.heard()).toBe(
          [
            'Registration centres and token replacement places.',
            'Open now, 5 places:',
            'Lok Ma Chau Control Point.',
            'Man Kam To Control Point.',
            'Shenzhen Bay Control Point.',
            'Heung Yuen Wai Control Point.',
            'Hong Kong-Zhuhai-Macao Bridge Hong Kong Port.',
            'Which opening hours would you like?',
            '1: the post offices',
            '2: the control points',
            '9: the main menu',
          ].join('\n'),
        );
        await c.press('1');
        expect(c.heard()).toMatch(/^Opening hours of the 12 designated post offices\. Post offices are closed on public holidays\.\nGeneral Post Office\.\nMonday to Saturday: 8:00 to 18:00\.\nSunday: 12:00 to 17:00\.\nTsim Sha Tsui Post Office\.\nMonday to Saturday: 9:30 to 17:30\.\nSunday: closed\./);
        await c.press('2');
        expect(c.heard()).toMatch(/Lok Ma Chau Control Point\.\nOpen 24 hours, every day\.\nMan Kam To Control Point\.\nEvery day, 7:00 to 22:00\.\nShenzhen Bay Control Point\.\nEvery day, 6:30 to midnight\./);
      } finally {
        h.clock.set(saved);
      }
    });
  });

  describe('sessions', () => {
    it('starts a caller afresh, politely, when the saved flow version is stale', async () => {
      const c = await atMain();
      await c.press('2');
      const stored = await h.sessions.load<Record<string, unknown>>(c.key);
      await h.sessions.save(c.key, { ...stored!.value, v: 0 }, stored!.version, 600);
      await c.press(CCRN.in1);
      expect(c.last.state).toBe('main');
      expect(keysOf(c.last.reply)).toEqual(['flow:restarted', 'flow:greeting.welcome', 'flow:main.prompt']);
      expect(c.heard()).toMatch(/^Sorry, our service has been updated, so we need to start again from the beginning\./);
    });

    it('answers a repeated turn with the same words, what it said on the way included, and stores no Reply', async () => {
      const c = await atMain();
      const stored = await h.sessions.load<Record<string, unknown>>(c.key);
      await h.sessions.save(c.key, { ...stored!.value, v: 0 }, stored!.version, 600);
      const turn = c.last.turn + 1;
      const restarted = await c.press('2', turn);
      expect(keysOf(restarted.reply)[0]).toBe('flow:restarted');
      expect(await c.press('2', turn)).toEqual({ ...restarted, repeated: true });
      const missed = await c.press('7', turn + 1);
      expect(missed.reply.say.length).toBeGreaterThan(1);
      expect(await c.press('7', turn + 1)).toEqual({ ...missed, repeated: true });
      const saved = await h.sessions.load<Record<string, unknown>>(c.key);
      expect(saved!.value).not.toHaveProperty('reply');
      expect(JSON.stringify(saved!.value).length).toBeLessThan(1200);
    });

    it('starts a voice turn from what this instance saved last, and from the store when another instance saved since', async () => {
      let loads = 0;
      const counted: SessionStore = { ...h.sessions, kind: h.sessions.kind, load: (key) => (loads++, h.sessions.load(key)) };
      const one = h.newRunner({ sessions: counted });
      const two = h.newRunner({ sessions: counted });
      const a = h.conversation({ channel: 'voice', locale: 'en', runner: one });
      const b = h.conversation({ channel: 'voice', locale: 'en', runner: two, key: a.key });
      await a.send({ type: 'user.start' }, 1);
      await a.press('*', 2);
      await a.press('*', 3);
      expect(loads).toBe(1);
      expect((await b.press('2', 4)).state).toBe('consignment.ask');
      expect(loads).toBe(2);
      // Instance one saved turn 2, not 3: it reads the store, and goes on from where two left it.
      await a.press(CCRN.in1, 5);
      expect(a.last.state).toBe('consignment.result');
      expect(loads).toBe(3);
    });

    it('starts afresh when another instance ended the call meanwhile, although this one remembers the last turn', async () => {
      const one = h.newRunner();
      const two = h.newRunner();
      const a = h.conversation({ channel: 'voice', locale: 'en', runner: one });
      const opening = await a.send({ type: 'user.start' }, 1);
      await a.press('2', 2);
      expect(a.last.state).toBe('consignment.ask');
      await two.end(a.key);
      const next = await a.press(CCRN.in1, 3);
      expect(next.state).toBe(opening.state);
      expect(next.reply).toEqual(opening.reply);
    });

    it('answers a repeated turn from a session saved with the whole Reply (before a deploy)', async () => {
      const c = await atMain();
      const stored = await h.sessions.load<Record<string, unknown>>(c.key);
      const reply = { ...c.last.reply, say: [{ key: 'flow:main.prompt' }, { key: 'flow:main.prompt' }] };
      await h.sessions.save(c.key, { ...stored!.value, said: undefined, reply }, stored!.version, 600);
      expect(await c.press('5', c.last.turn)).toEqual({ ...c.last, reply, repeated: true });
    });

    it('starts afresh, politely, from a snapshot the machine can no longer read', async () => {
      const c = await atMain();
      const stored = await h.sessions.load<{ snapshot: Record<string, unknown> }>(c.key);
      await h.sessions.save(c.key, { ...stored!.value, snapshot: { ...stored!.value.snapshot, value: { gone: 'away' } } }, stored!.version, 600);
      await c.press('2');
      expect(keysOf(c.last.reply)[0]).toBe('flow:restarted');
      expect(c.last.state).toBe('main');
    });

    it('starts a new conversation after one has ended', async () => {
      const c = await atMain('sms');
      await c.text('0');
      expect(c.last.state).toBe('agent');
      await c.text('hello');
      expect(c.last.state).toBe('main');
      expect(keysOf(c.last.reply)).toEqual(['flow:greeting.welcome', 'flow:main.prompt']);
    });

    it('forgets a text conversation after 30 minutes and a call only after 2 hours', async () => {
      const text = await atMain('sms');
      await text.press('2');
      const call = await atMain('voice');
      await call.press('2');
      h.clock.advance(31 * 60_000);
      await text.text(CCRN.in1);
      expect(text.last.state).toBe('main');
      expect(keysOf(text.last.reply)).toEqual(['flow:greeting.welcome', 'flow:main.prompt']);
      await call.press(CCRN.in1);
      expect(call.last.state).toBe('consignment.result');
    });

    it('ends on hang-up', async () => {
      const c = await atMain();
      await c.send({ type: 'user.hangup' });
      expect(c.last.reply).toMatchObject({ expect: null, end: { kind: 'hangup' } });
      expect(c.last.state).toBe('hungUp');
    });
  });

  describe('failures', () => {
    it('apologises and hands over to an agent when a service fails', async () => {
      const c = await atMain();
      await c.press('2');
      failing = 'consignments';
      try {
        await c.press(CCRN.in1);
      } finally {
        failing = null;
      }
      expect(say(c.last.reply, 'voice')).toBe('Sorry, something has gone wrong on our side.\n[end: agent service_error at consignment.looking]');
      const [record] = await h.services.handoffs.byConversation(c.key.slice('voice:'.length));
      expect(record).toMatchObject({ reason: 'service_error', where: 'consignment.looking' });
    });

    it('still greets a caller whose number cannot be looked up', async () => {
      failing = 'drivers';
      try {
        const c = h.conversation({ caller: DEMO.lee.mobile });
        await c.open();
        expect(c.last.state).toBe('language');
      } finally {
        failing = null;
      }
    });
  });

  describe('in Chinese', () => {
    it.each([
      ['zh-HK', /^海關貨物編號2611 0000 0045，入境，8件：已經喺\d+月\d+日.*同車牌AB 1234綑綁。/m],
      ['zh-CN', /^海关货物编号2611 0000 0045，入境，8件：已于\d+月\d+日.*与车牌AB 1234捆绑。/m],
    ] as const)('walks a status enquiry in %s with every text present', async (locale, said) => {
      const c = h.conversation({ channel: 'voice', locale });
      await c.open();
      await c.press('2');
      await c.press(CCRN.bundled);
      expect(c.heard()).toMatch(said);
      await c.press('9');
      await c.press('5');
      await c.press('1');
      await c.press('2');
      await c.press('9');
      await c.press('4');
      for (const k of ['2', '3', '4']) await c.press(k);
      expect(c.last.state).toBe('token.menu');
    });
  });
});
