/**
 * The SMS channel through its webhook (signed as Twilio signs), on the demo data: every command in
 * English and Chinese, one-shot and step-by-step bundling with the hotline's refusals, lockout and
 * replay protection, STOP/START/HELP, LANG, the rate limit and the delivery-status callback.
 * PGlite with memory stores always; real Postgres with Redis stores when TEST_DATABASE_URL and
 * TEST_REDIS_URL are set. The clock starts on a Monday at 10:00 Hong Kong time (post offices open).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { dbTargets } from '../../helpers/db.js';
import { expectValidTwiml } from '../../helpers/twiml.js';
import { codeAt } from '../../../src/core/totp.js';
import { smsRoutes, type SmsStatus } from '../../../src/channels/sms/routes.js';
import { DEMO, PUBLIC_BASE, openHarness, sendSms, sendStatus, withFailingStatus, type Harness } from './harness.js';
import twilio from 'twilio';

const START = new Date('2026-12-07T02:00:00Z'); // Monday 10:00 in Hong Kong

const targets = [
  { name: 'PGlite, memory sessions', target: dbTargets()[0]!, redis: false },
  ...(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL
    ? [{ name: 'Postgres, Redis sessions', target: dbTargets()[1]!, redis: true }]
    : []),
];

const { lee, chan, wang, ho, ccrn, stranger } = DEMO;

describe.each(targets)('SMS channel on $name', ({ target, redis }) => {
  let h: Harness;
  const twimls: string[] = [];
  /** Sends and remembers the TwiML for the schema check at the end. */
  const text = async (from: string, body: string, extra?: Record<string, string>) => {
    const r = await sendSms(h.app, from, body, extra);
    twimls.push(r.body);
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/xml/);
    expect(r.messages).toHaveLength(1);
    return r.messages[0]!;
  };
  const silent = async (from: string, body: string, extra?: Record<string, string>) => {
    const r = await sendSms(h.app, from, body, extra);
    twimls.push(r.body);
    expect(r.status).toBe(200);
    expect(r.messages).toEqual([]);
    return r;
  };
  /** A 6-digit code that is none of the token's codes around now. */
  const wrongCode = (secret: string) => {
    const valid = new Set([-2, -1, 0, 1].map((o) => codeAt(secret, h.clock.now(), o)));
    for (let n = 111111; ; n += 1) if (!valid.has(String(n))) return String(n);
  };

  beforeAll(async () => {
    h = await openHarness({ target, redis, start: START, sms: { rateLimit: { limit: 1000, windowSeconds: 60 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('HELP', () => {
    it('says what the service is, the commands and the hotline, in the language of the keyword', async () => {
      const en = await text(stranger, 'HELP');
      expect(en).toMatch(/ROCARS/);
      expect(en).toMatch(/3669 0000/);
      for (const word of ['STATUS', 'REG', 'BUNDLE', 'MYBUNDLES', 'CANCEL', 'TOKEN', 'CENTRES', 'LANG', 'STOP']) expect(en).toContain(word);
      const hk = await text(stranger, '幫助');
      expect(hk).toMatch(/道路貨物資料系統/);
      for (const word of ['狀態', '登記', '綑綁', '我的綑綁', '取消', '編碼器', '地點', '語言', '停止', '3669 0000']) expect(hk).toContain(word);
      const cn = await text(stranger, '帮助');
      for (const word of ['状态', '登记', '捆绑', '我的捆绑', '取消', '编码器', '地点', '语言', '3669 0000']) expect(cn).toContain(word);
    });

    it("answers Twilio's OptOutType HELP", async () => {
      expect(await text(stranger, 'INFO', { OptOutType: 'HELP' })).toMatch(/3669 0000/);
    });
  });

  describe('STATUS', () => {
    it('tells each status in the words every channel uses', async () => {
      expect(await text(stranger, `STATUS ${ccrn.in1}`)).toMatch(/^CCRN 2611 0000 0013: not yet bundled\. Inbound, 12 packages/);
      expect(await text(stranger, `status ${ccrn.bundled}`)).toMatch(/bundled with vehicle AB 1234 .*bundle ref 261 100 013/);
      expect(await text(stranger, `STATUS ${ccrn.crossed}`)).toMatch(/crossed at Shenzhen Bay/);
      expect(await text(stranger, `STATUS ${ccrn.cancelled}`)).toMatch(/cancelled/);
      expect(await text(stranger, `STATUS ${ccrn.expired}`)).toMatch(/expired, declare again/);
    });

    it('forgives spaces, dashes and full-width digits, and answers Chinese keywords in Chinese', async () => {
      expect(await text(stranger, 'status 2611-0000-0013')).toMatch(/not yet bundled/);
      expect(await text(stranger, '狀態 ２６１１ ００００ ００１３')).toMatch(/^CCRN 2611 0000 0013：未綑綁。入境，12件/);
      expect(await text(stranger, `状态${ccrn.crossed}`)).toMatch(/已于.*经深圳湾过境/);
      expect(await text(stranger, `查詢 ${ccrn.expired}`)).toMatch(/已過期，須重新申報/);
    });

    it('catches a typo by its check digit and says which number to re-send', async () => {
      expect(await text(stranger, 'STATUS 261100000014')).toMatch(/CCRN 2611 0000 0014 has a typo/);
      expect(await text(stranger, '狀態 261100000014')).toMatch(/2611 0000 0014有錯字/);
      expect(await text(stranger, 'STATUS 26110000001')).toMatch(/12 digits; 26110000001 is not one/);
      expect(await text(stranger, 'STATUS 261100000999')).toMatch(/2611 0000 0999 is not found/);
    });
  });

  describe('REG', () => {
    it('tells the registration status, with the notification-letter rule', async () => {
      expect(await text(stranger, `REG ${DEMO.reg.awaiting}`)).toMatch(/awaiting your visit.*still valid even if its dates have passed/);
      expect(await text(stranger, `REG ${DEMO.reg.rejected}`)).toMatch(/rejected/);
      expect(await text(stranger, `登記 ${DEMO.reg.processing}`)).toMatch(/^登記申請20261 10020：處理中。$/);
      expect(await text(stranger, `登记 ${DEMO.reg.completed}`)).toMatch(/已完成/);
      expect(await text(stranger, 'REG 2026110013')).toMatch(/has a typo/);
      expect(await text(stranger, 'REG 123')).toMatch(/10 digits; 123 is not one/);
    });
  });

  describe('BUNDLE (one-shot)', () => {
    it('bundles from the driver’s own mobile and gives the bundle ref and earliest crossing time', async () => {
      const answer = await text(lee.mobile, `BUNDLE CD5678 ${ccrn.in1} ${ccrn.in2} ${h.code(lee.secret)}`);
      const [bundle] = await h.rt.ports.bundles.activeForDriver(lee.driverNo);
      expect(bundle).toMatchObject({ vehicleMark: 'CD5678', ccrns: [ccrn.in1, ccrn.in2], channel: 'sms' });
      const ref = bundle!.bundleRef.replace(/(\d{3})(?=\d)/g, '$1 ');
      expect(answer).toContain(`Bundled: vehicle CD 5678 with 2 CCRNs. Bundle ref ${ref}. Earliest crossing 7 December at 10:30.`);
      // The demo token expires within 60 days: the hotline's reminder comes too.
      expect(answer).toMatch(/Reminder: your token expires on 27 December 2026/);
      expect(await text(stranger, `STATUS ${ccrn.in1}`)).toMatch(/bundled with vehicle CD 5678/);
    });

    it('refuses a code already used (replay) without counting it', async () => {
      const code = h.nextCode(lee.secret);
      await text(lee.mobile, `MYBUNDLES ${code}`);
      expect(await text(lee.mobile, `BUNDLE CD5678 ${ccrn.in3} ${code}`)).toMatch(/already used/);
      expect((await h.rt.ports.tokens.currentForDriver(lee.driverNo))?.failedAttempts).toBe(0);
    });

    it('warns when the earliest crossing falls after a declared crossing time, and the bundle stands', async () => {
      const answer = await text(lee.mobile, `bundle ef 901 ${ccrn.soon} ${h.nextCode(lee.secret)}`);
      expect(answer).toMatch(/Bundled: vehicle EF 901 with 1 CCRN\./);
      expect(answer).toMatch(/after the declared crossing time of CCRN 2611 0000 0084\. The bundle still stands/);
    });

    it('works in Chinese, answered in the driver’s language', async () => {
      const answer = await text(chan.mobile, `綑綁 AB1234 ${ccrn.out1} ${h.code(chan.secret)}`);
      expect(answer).toMatch(/^已綑綁：車輛AB 1234，1個CCRN，編號\d{3} \d{3} \d{3}，最早12月7日 上午10:\d\d過境。$/);
    });

    it('is only for a registered driver’s own mobile', async () => {
      expect(await text(stranger, `BUNDLE CD5678 ${ccrn.in3} 123456`)).toMatch(/only from the mobile registered to your driver number/);
      expect(await text(stranger, `捆绑 CD5678 ${ccrn.in3} 123456`)).toMatch(/只限用你司机编号登记的手机号码/);
    });

    it('refuses inbound and outbound together, and a CCRN given twice', async () => {
      expect(await text(lee.mobile, `BUNDLE CD5678 ${ccrn.in3} ${ccrn.out3} ${h.nextCode(lee.secret)}`)).toMatch(
        /CCRN 2611 0000 0117 goes the other way \(Outbound\)\. Bundle inbound and outbound CCRNs separately/,
      );
      expect(await text(lee.mobile, `BUNDLE CD5678 ${ccrn.out3} ${ccrn.out3} ${h.nextCode(lee.secret)}`)).toMatch(/is in the list twice/);
    });

    it('refuses a vehicle that is not the driver’s before the code is used', async () => {
      const code = h.nextCode(lee.secret);
      expect(await text(lee.mobile, `BUNDLE AB1234 ${ccrn.in3} ${code}`)).toMatch(/AB 1234 is not registered to you\. Your vehicles: CD 5678, EF 901/);
      // The code was not used up: it still bundles.
      expect(await text(lee.mobile, `BUNDLE CD5678 ${ccrn.in3} ${code}`)).toMatch(/^Bundled/);
    });

    it.each([
      ['a cancelled CCRN', ccrn.cancelled, /2611 0000 0068 was cancelled\. Ask the shipper for a new CCRN/],
      ['a crossed CCRN', ccrn.crossed, /2611 0000 0059 has already crossed/],
      ['an expired CCRN', ccrn.expired, /2611 0000 0076 has expired: the shipper must declare it again/],
      ['a CCRN bundled elsewhere', ccrn.bundled, /2611 0000 0045 is already bundled with another vehicle\. The driver of that bundle can cancel it/],
      ['an unknown CCRN', '261100000999', /2611 0000 0999 is not found/],
      ['a typo in a CCRN', '261100000014', /2611 0000 0014 has a typo/],
    ])('refuses %s, names it, and uses no code', async (_, bad, message) => {
      const before = await h.rt.ports.tokens.currentForDriver(lee.driverNo);
      expect(await text(lee.mobile, `BUNDLE CD5678 ${bad} ${h.nextCode(lee.secret)}`)).toMatch(message);
      expect((await h.rt.ports.tokens.currentForDriver(lee.driverNo))?.lastUsedStep).toBe(before?.lastUsedStep);
    });

    it('says how many tries are left after a wrong code, and refuses an expired token', async () => {
      expect(await text(lee.mobile, `BUNDLE CD5678 ${ccrn.out3} ${wrongCode(lee.secret)}`)).toMatch(/Wrong token code\. 4 tries left/);
      expect(await text(lee.mobile, `BUNDLE CD5678 ${ccrn.out3} ${wrongCode(lee.secret)}`)).toMatch(/3 tries left/);
      // A right code clears the count.
      expect(await text(lee.mobile, `MYBUNDLES ${h.nextCode(lee.secret)}`)).toMatch(/Your active bundles/);
      expect((await h.rt.ports.tokens.currentForDriver(lee.driverNo))?.failedAttempts).toBe(0);
      expect(await text(ho.mobile, `綑綁 GH2468 ${ccrn.out3} ${h.code(ho.secret)}`)).toMatch(/保安編碼器已過期，不能綑綁/);
      expect(await text(wang.mobile, `捆绑 FU123 ${ccrn.out3} ${h.code(wang.secret)}`)).toMatch(/保安编码连续错误5次，编码器锁定至\d+月\d+日/);
    });

    it('explains what is missing from a BUNDLE that does not fit', async () => {
      expect(await text(lee.mobile, `BUNDLE CD5678 ${ccrn.out3}`)).toMatch(/6 digits shown on your security token/);
      expect(await text(lee.mobile, 'BUNDLE CD5678 26110000011 123456')).toMatch(/12 digits; 26110000011 is not one/);
      expect(await text(lee.mobile, `BUNDLE ${ccrn.out3} 123456`)).toMatch(/Which vehicle\?.*Your vehicles: CD 5678, EF 901/);
      expect(await text(chan.mobile, 'BUNDLE AB1234')).toMatch(/^綑綁請傳：綑綁 車牌 CCRN/);
    });
  });

  describe('MYBUNDLES and CANCEL', () => {
    it('lists the driver’s active bundles with a token code, and cancels one', async () => {
      const list = await text(lee.mobile, `MYBUNDLES ${h.nextCode(lee.secret)}`);
      expect(list).toMatch(/^Your active bundles:\n\d{3} \d{3} \d{3} (CD 5678|EF 901), \d CCRNs?, cross from/);
      const bundles = await h.rt.ports.bundles.activeForDriver(lee.driverNo);
      const first = bundles.find((b) => b.ccrns.includes(ccrn.in1))!;
      const done = await text(lee.mobile, `CANCEL ${first.bundleRef} ${h.nextCode(lee.secret)}`);
      expect(done).toMatch(/^Bundle \d{3} \d{3} \d{3} \(CD 5678\) is cancelled\. Its 2 CCRNs are free/);
      expect(await text(stranger, `STATUS ${ccrn.in1}`)).toMatch(/not yet bundled/);
    });

    it('works in Chinese', async () => {
      expect(await text(chan.mobile, `我的綑綁 ${h.nextCode(chan.secret)}`)).toMatch(/^你的有效綑綁：\n/);
      const b = (await h.rt.ports.bundles.activeForDriver(chan.driverNo)).find((x) => x.ccrns.includes(ccrn.out1))!;
      expect(await text(chan.mobile, `取消 ${b.bundleRef} ${h.nextCode(chan.secret)}`)).toMatch(/已取消，其1個CCRN可修改或重新綑綁/);
    });

    it('refuses a bundle ref that is not the driver’s, and a typo before any code is used', async () => {
      expect(await text(lee.mobile, `CANCEL ${DEMO.bundleRef.chan} ${h.nextCode(lee.secret)}`)).toMatch(/not one of your bundles/);
      expect(await text(lee.mobile, `CANCEL 261100014 ${h.nextCode(lee.secret)}`)).toMatch(/has a typo/);
      expect(await text(lee.mobile, 'CANCEL 261100013')).toMatch(/Send CANCEL, the 9-digit bundle ref and the code/);
      expect(await text(stranger, 'MYBUNDLES 123456')).toMatch(/only from the mobile registered/);
    });
  });

  describe('TOKEN and CENTRES', () => {
    it('tells a driver whether their token needs replacing, and what to bring', async () => {
      expect(await text(lee.mobile, 'TOKEN')).toMatch(/T00010002 \(purple label\) expires on 27 December 2026: please replace it soon\.\nBring the token/);
      expect(await text(chan.mobile, '編碼器')).toMatch(/綠色標籤.*暫時不用更換/);
      expect(await text(ho.mobile, 'TOKEN')).toMatch(/已於2024年5月31日過期，要更換後才可再綑綁/);
      expect(await text(stranger, '编码器')).toMatch(/60天内到期.*\n请带上编码器/);
    });

    it('lists the places open now in Hong Kong time', async () => {
      const en = await text(stranger, 'CENTRES');
      expect(en).toMatch(/^Open now \(10:\d\d\): all 12 designated post offices\.\nCargo Examination Complexes open now: Lok Ma Chau, Man Kam To, Shenzhen Bay, Heung Yuen Wai, HZMB\./);
      expect(en).toContain(`${PUBLIC_BASE}/centres`);
      expect(await text(stranger, '地點')).toMatch(/^12間指定郵政局現在都開放（10:\d\d）。\n開放中的貨物檢查大樓：落馬洲、文錦渡、深圳灣、香園圍、港珠澳大橋。/);
      expect(await text(stranger, '中心')).toMatch(/郵政局/);
      expect(await text(stranger, '地点')).toMatch(/邮政局/);
      // Saturday 14:00: only the GPO and Tsim Sha Tsui are open.
      const saturday = new Date('2026-12-12T06:00:00Z');
      const { centres } = await import('../../../src/channels/sms/commands.js');
      const { renderMessages } = await import('../../../src/channels/sms/render.js');
      const { createDirectory } = await import('../../../src/core/directory.js');
      const places = createDirectory({ clock: { now: () => saturday } }).places();
      expect(renderMessages(centres(places, saturday), 'en')).toMatch(/^Open now \(14:00\): GPO, Tsim Sha Tsui post offices\./);
    });
  });

  describe('LANG', () => {
    it('keeps the chosen language for later replies', async () => {
      const who = '+85260000001';
      expect(await text(who, 'LANG 繁')).toBe('好，之後會用繁體中文回覆。傳「幫助」查看指令。');
      expect(await text(who, `STATUS ${ccrn.out2}`)).toMatch(/未綑綁。出境/);
      expect(await text(who, 'lang sc')).toMatch(/以后用简体中文回复/);
      expect(await text(who, 'HELP')).toMatch(/道路货物资料系统/);
      expect(await text(who, '語言 英')).toMatch(/^OK: replies in English/);
      expect(await text(who, 'LANG klingon')).toMatch(/Send LANG EN for English/);
    });
  });

  describe('STOP and START', () => {
    it('records an opt-out once, confirms it once, and START undoes it', async () => {
      const who = '+85260000002';
      expect(await text(who, 'STOP')).toMatch(/no more ROCARS SMS reminders\. Send START/);
      expect(await h.rt.ports.optOuts.isOptedOut(who)).toBe(true);
      await silent(who, 'STOP');
      await silent(who, '停止');
      expect(await text(who, 'START')).toMatch(/reminders are on again/);
      expect(await h.rt.ports.optOuts.isOptedOut(who)).toBe(false);
      expect(await text(who, '停止')).toMatch(/不會再收到/);
      expect(await text(who, '开始')).toMatch(/已重新接收/);
      const audit = await h.rt.ports.audit.list({ action: 'sms.opt_out' });
      expect(audit[0]).toMatchObject({ channel: 'sms', callerMasked: '+852****0002' });
    });

    it("honours Twilio's OptOutType, whatever word the sender used", async () => {
      const who = '+85260000003';
      expect(await text(who, 'CANCEL', { OptOutType: 'STOP' })).toMatch(/no more ROCARS SMS reminders/);
      expect(await h.rt.ports.optOuts.isOptedOut(who)).toBe(true);
      expect(await text(who, 'YES', { OptOutType: 'START' })).toMatch(/on again/);
      expect(await h.rt.ports.optOuts.isOptedOut(who)).toBe(false);
      // A "yes" Twilio flags as opt-in from a number that never opted out is an answer, not a START.
      expect(await text(who, 'YES', { OptOutType: 'START' })).not.toMatch(/on again/);
    });
  });

  describe('conversations (the hotline flow by text)', () => {
    it('bundles step by step: keyword, code, vehicle, CCRNs, #, confirm', async () => {
      expect(await text(lee.mobile, 'BUNDLE')).toMatch(/6-digit code/);
      expect(await text(lee.mobile, h.nextCode(lee.secret))).toMatch(/Which vehicle.*\n.*\n1 vehicle CD 5678\n2 vehicle EF 901/s);
      expect(await text(lee.mobile, '2')).toMatch(/CCRN/);
      expect(await text(lee.mobile, ccrn.out3)).toMatch(/2611 0000 0117: outbound/);
      expect(await text(lee.mobile, '#')).toMatch(/vehicle EF 901: 1/);
      const done = await text(lee.mobile, '1');
      const b = (await h.rt.ports.bundles.activeForDriver(lee.driverNo)).find((x) => x.ccrns.includes(ccrn.out3))!;
      expect(b).toMatchObject({ vehicleMark: 'EF901', channel: 'sms' });
      expect(done).toContain(b.bundleRef.replace(/(\d{3})(?=\d)/g, '$1 '));
    });

    it('walks the menu by number or word, in Chinese too', async () => {
      const who = '+85260000004';
      expect(await text(who, 'hello')).toMatch(/Reply with a number:\n1 /);
      expect(await text(who, 'status')).toMatch(/12-digit CCRN/);
      expect(await text(who, ccrn.in2)).toMatch(/2611 0000 0021/);
      expect(await text(who, 'MENU')).toMatch(/Reply with a number:/);
      expect(await text(who, '3')).toMatch(/10-digit/);
      const zh = '+85260000005';
      expect(await text(zh, '你好')).toMatch(/請回覆數字：/);
      expect(await text(zh, '狀態')).toMatch(/十二位數字/);
      expect(await text(zh, '選單')).toMatch(/請回覆數字：/);
    });

    it('a keyword alone opens its question', async () => {
      expect(await text(stranger, 'STATUS')).toMatch(/12-digit CCRN/);
      expect(await text(stranger, ccrn.out2)).toMatch(/2611 0000 0092/);
      expect(await text(stranger, '登記')).toMatch(/十位數字/);
      expect(await text(stranger, 'MYBUNDLES')).toMatch(/only from the mobile number registered/);
    });
  });

  describe('rate limit', () => {
    it('answers 10 messages a minute, then one "slow down", then silence until the minute passes', async () => {
      const app = new Hono().route('/twilio/sms', smsRoutes(h.rt));
      const who = '+85260000006';
      for (let i = 0; i < 10; i++) expect((await sendSms(app, who, `STATUS ${ccrn.in2}`)).messages).toHaveLength(1);
      expect((await sendSms(app, who, `STATUS ${ccrn.in2}`)).messages).toEqual([expect.stringMatching(/Too many messages\. Please wait a minute/)]);
      const quiet = await sendSms(app, who, `STATUS ${ccrn.in2}`);
      expect(quiet.status).toBe(200);
      expect(quiet.messages).toEqual([]);
      // STOP is always honoured.
      expect((await sendSms(app, who, 'STOP')).messages).toHaveLength(1);
      if (h.stores === 'memory') {
        h.clock.advance(61_000);
        expect((await sendSms(app, who, `STATUS ${ccrn.in2}`)).messages[0]).toMatch(/not yet bundled/);
      }
    });
  });

  describe('webhook', () => {
    it('refuses an unsigned or badly signed request with 403 and a request without From with 400', async () => {
      expect((await sendSms(h.app, stranger, 'HELP', {}, { sign: false })).status).toBe(403);
      const params = { From: stranger, To: '+85236690000', Body: 'HELP', MessageSid: 'SM1' };
      const forged = await h.app.request('/twilio/sms', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature('not-the-token', PUBLIC_BASE + '/twilio/sms', params),
        },
        body: new URLSearchParams(params).toString(),
      });
      expect(forged.status).toBe(403);
      const r = await sendSms(h.app, '', 'HELP');
      expect(r.status).toBe(400);
      expect(r.body).toMatch(/From/);
    });

    it('answers a failure of ours with 200 and an apology', async () => {
      const app = new Hono().route('/twilio/sms', smsRoutes(withFailingStatus(h.rt, 'database down')));
      const who = '+85260000007';
      const r = await sendSms(app, who, `STATUS ${ccrn.in1}`);
      expect(r.status).toBe(200);
      expect(r.messages).toEqual([expect.stringMatching(/^Sorry, something went wrong on our side.*3669 0000/)]);
      const zh = await sendSms(app, who, `狀態 ${ccrn.in1}`);
      expect(zh.messages).toEqual([expect.stringMatching(/^對不起/)]);
    });

    it('records delivery reports with a masked number and runs the status hooks', async () => {
      const seen: SmsStatus[] = [];
      const app = new Hono().route('/twilio/sms', smsRoutes(h.rt, { statusHooks: [async (s) => void seen.push(s)] }));
      const params = { MessageSid: 'SM' + '7'.repeat(32), MessageStatus: 'undelivered', ErrorCode: '30003', To: '+85262345678', From: '+85236690000' };
      const res = await sendStatus(app, params);
      expect(res.status).toBe(200);
      twimls.push(await res.text());
      expect(seen).toEqual([{ messageSid: params.MessageSid, status: 'undelivered', errorCode: 30003, to: '+85262345678', from: '+85236690000' }]);
      const [entry] = await h.rt.ports.audit.list({ action: 'sms.status' });
      expect(entry).toMatchObject({ channel: 'sms', callerMasked: '+852****5678', outcome: 'undelivered', detail: { messageSid: params.MessageSid, errorCode: 30003 } });
      expect(JSON.stringify(entry)).not.toContain('62345678');
    });
  });

  describe('lockout across channels', () => {
    it('locks the token on the fifth wrong code, and a right code then cannot unlock it', async () => {
      for (let i = 1; i <= 4; i++) expect(await text(chan.mobile, `我的綑綁 ${wrongCode(chan.secret)}`)).toMatch(new RegExp(`再錯${5 - i}次`));
      expect(await text(chan.mobile, `我的綑綁 ${wrongCode(chan.secret)}`)).toMatch(/保安編碼連續錯誤5次，編碼器鎖上至\d+月\d+日/);
      expect(await text(chan.mobile, `綑綁 AB1234 ${ccrn.out2} ${h.nextCode(chan.secret)}`)).toMatch(/鎖上至/);
      expect((await h.rt.ports.tokens.currentForDriver(chan.driverNo))?.status).toBe('locked');
      // The driver's mobile is told once, in the driver's language (a demo number: into the outbox).
      const notices = (await h.rt.ports.outbox.list(100)).filter((e) => e.purpose === 'token_locked' && e.toMasked === '+852****4567');
      expect(notices).toHaveLength(1);
      expect(notices[0]!.body).toMatch(/^ROCARS 香港海關：你的保安編碼器因保安編碼連續錯誤5次，於.+鎖上至.+。如非你本人操作，請致電3669 0000/);
    });
  });

  it('answered with TwiML that passes the schema', async () => {
    await expectValidTwiml(twimls);
  });
});

