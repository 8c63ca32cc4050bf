/**
 * The web form through HTTP, as a browser with JavaScript off uses it: pages, field errors that
 * name what is wrong with the values kept, CSRF, headers, language, the driver session (never the
 * token code), bundling with its confirmation step, my bundles with cancel, token and centres.
 * PGlite with memory stores always; Postgres with Redis stores when TEST_DATABASE_URL and
 * TEST_REDIS_URL are set. The clock starts on a Monday at 10:00 Hong Kong time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { dbTargets } from '../../helpers/db.js';
import { codeAt } from '../../../src/core/totp.js';
import { webRoutes } from '../../../src/channels/web/routes.js';
import { pickLocale } from '../../../src/channels/web/routes.js';
import { splitCcrns, safeNext } from '../../../src/channels/web/forms.js';
import { DEMO, openHarness, withFailingStatus, type Harness } from '../sms/harness.js';
import { FormClient, csrfOf, textOf } from './client.js';

const START = new Date('2026-12-07T02:00:00Z');
const targets = [
  { name: 'PGlite, memory sessions', target: dbTargets()[0]!, redis: false },
  ...(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL
    ? [{ name: 'Postgres, Redis sessions', target: dbTargets()[1]!, redis: true }]
    : []),
];
const { lee, chan, ccrn } = DEMO;

describe('web form helpers', () => {
  it('reads a CCRN list typed one per line, in groups, or several on a line', () => {
    expect(splitCcrns('261100000013\n2611 0000 0021\r\n2611-0000-0037, 261100000045 261100000059').map((e) => e.digits)).toEqual([
      '261100000013',
      '261100000021',
      '261100000037',
      '261100000045',
      '261100000059',
    ]);
    expect(splitCcrns('２６１１００００００１３').map((e) => e.digits)).toEqual(['261100000013']);
  });

  it('goes back only to a local path after a language switch', () => {
    expect(safeNext('/status')).toBe('/status');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext(undefined)).toBe('/');
  });

  it('picks the language from the cookie, else the browser', () => {
    expect(pickLocale('zh-CN', 'en')).toBe('zh-CN');
    expect(pickLocale(undefined, 'zh-TW,zh;q=0.9')).toBe('zh-HK');
    expect(pickLocale(undefined, 'zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(pickLocale('fr', 'fr-FR')).toBe('en');
  });
});

describe.each(targets)('web form on $name', ({ target, redis }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness({ target, redis, start: START, env: { TRUST_PROXY: '1' }, web: { rateLimit: { get: 1000, post: 1000, driver: 1000, windowSeconds: 60 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('pages', () => {
    it('serves the home page with a language attribute, secure headers and a CSP that forbids script', async () => {
      const b = new FormClient(h.app);
      const p = await b.get('/');
      expect(p.status).toBe(200);
      expect(p.html).toMatch(/^<!DOCTYPE html><html lang="en">/);
      expect(p.html).not.toMatch(/<script/i);
      expect(p.html).not.toMatch(/ style=/i);
      const csp = p.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).not.toMatch(/script-src|unsafe-inline/);
      expect(p.headers.get('x-content-type-options')).toBe('nosniff');
      expect(p.headers.get('x-frame-options')).toBe('DENY');
      for (const href of ['/status', '/registration', '/bundle', '/bundles', '/token', '/centres']) expect(p.html).toContain(`href="${href}"`);
      const css = await h.app.request('/style.css');
      expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    });

    it('sets the session cookie httpOnly, SameSite=Lax and Secure behind https', async () => {
      const res = await h.app.request('http://localhost/', { headers: { 'x-forwarded-for': '198.51.100.1' } });
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-rocars='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Secure/);
      expect(cookie).toMatch(/Path=\//);
    });

    it('switches language by cookie and comes back to the page', async () => {
      const b = new FormClient(h.app);
      const p = await b.get('/lang/zh-HK?next=%2Fstatus');
      expect(p.url).toBe('/status');
      expect(b.cookies.get('lang')).toBe('zh-HK');
      expect(p.html).toMatch(/<html lang="zh-HK">/);
      expect(textOf(p.html)).toMatch(/貨物狀態/);
      expect((await b.get('/lang/zh-CN?next=//evil.example')).url).toBe('/');
      expect(b.last!.html).toMatch(/<html lang="zh-CN">/);
    });
  });

  describe('consignment and registration status', () => {
    it('shows the status of a CCRN', async () => {
      const b = new FormClient(h.app);
      await b.get('/status');
      const p = await b.post('/status', { ccrn: ccrn.bundled });
      expect(p.status).toBe(200);
      expect(textOf(p.html)).toMatch(/CCRN 2611 0000 0045: bundled with vehicle AB 1234 at 7 December at 9:40/);
      await b.post('/status', { ccrn: '2611-0000-0059' });
      expect(textOf(b.last!.html)).toMatch(/crossed at Shenzhen Bay Control Point/);
    });

    it('names what is wrong next to the field, links to it from the summary, and keeps the value', async () => {
      const b = new FormClient(h.app);
      await b.get('/status');
      const p = await b.post('/status', { ccrn: '2611 0000 0014' });
      expect(p.status).toBe(400);
      expect(p.html).toMatch(/<title>Error: Consignment status/);
      expect(p.html).toMatch(/class="error-summary" role="alert"[^>]*>.*<a href="#ccrn">CCRN 2611 0000 0014 has a typo/);
      expect(p.html).toMatch(/<div id="ccrn-error" class="error-message">.*has a typo/);
      expect(p.html).toMatch(/<input type="text" id="ccrn" name="ccrn" value="2611 0000 0014"[^>]*aria-describedby="ccrn-hint ccrn-error" aria-invalid="true"/);
      await b.post('/status', { ccrn: '12345' });
      expect(textOf(b.last!.html)).toMatch(/Enter the CCRN as 12 digits: "12345" is not 12 digits/);
      await b.post('/status', { ccrn: '261100000999' });
      expect(textOf(b.last!.html)).toMatch(/CCRN 2611 0000 0999 is not found/);
    });

    it('tells a registration status with the notification-letter rule, in Chinese', async () => {
      const b = new FormClient(h.app);
      await b.get('/lang/zh-HK?next=/registration');
      const p = await b.post('/registration', { refNo: DEMO.reg.awaiting });
      expect(textOf(p.html)).toMatch(/申請編號20261 10012：請親臨登記中心辦理.*即使信上的日期已過，通知信仍然有效/);
      await b.post('/registration', { refNo: '2026110013' });
      expect(b.last!.status).toBe(400);
      expect(textOf(b.last!.html)).toMatch(/申請編號20261 10013有錯字/);
    });
  });

  describe('CSRF', () => {
    it('refuses a post without the session’s token, or from another origin', async () => {
      const b = new FormClient(h.app);
      await b.get('/status');
      expect((await b.post('/status', { ccrn: ccrn.in1 }, 'not-the-token')).status).toBe(403);
      await b.get('/status');
      const token = csrfOf(b.last!.html);
      const foreign = await b.request('/status', { method: 'POST', form: { _csrf: token, ccrn: ccrn.in1 }, headers: { origin: 'https://evil.example' } });
      expect(foreign.status).toBe(403);
      expect(textOf(foreign.html)).toMatch(/This form has expired/);
      expect((await b.post('/status', { ccrn: ccrn.in1 }, token)).status).toBe(200);
    });
  });

  describe('bundling', () => {
    it('asks the driver number, then the code, then vehicle and CCRNs, confirms, and bundles', async () => {
      const b = new FormClient(h.app);
      let p = await b.get('/bundle');
      expect(textOf(p.html)).toMatch(/Step 1 of 4.*Driver number/);

      p = await b.post('/driver', { driverNo: '41000025', next: 'bundle' });
      expect(p.status).toBe(400);
      expect(p.html).toMatch(/<a href="#driverNo">Driver number 4100 0025 has a typo/);
      expect(p.html).toMatch(/value="41000025"/);
      p = await b.post('/driver', { driverNo: '4100 0024', next: 'bundle' });
      expect(textOf(p.html)).toMatch(/Step 2 of 4 .*Driver number 4100 0024\. Token code/);

      p = await b.post('/code', { code: '12345', next: 'bundle' });
      expect(textOf(p.html)).toMatch(/Enter the token code as the 6 digits/);
      const wrong = ['111111', '222222'].find((c) => ![-2, -1, 0, 1].some((o) => codeAt(lee.secret, h.clock.now(), o) === c))!;
      p = await b.post('/code', { code: wrong, next: 'bundle' });
      expect(p.html).toMatch(/<a href="#code">The token code is wrong\. 4 tries are left/);
      expect(p.html).toMatch(/<input type="text" id="code" name="code" value=""/);

      p = await b.post('/code', { code: h.nextCode(lee.secret), next: 'bundle' });
      expect(textOf(p.html)).toMatch(/Step 3 of 4 .*authorised until 7 December at 10:1\d.*This driver's security token expires on 27 December 2026/);
      expect(p.html).toMatch(/<option value="CD5678">CD 5678<\/option><option value="EF901">EF 901<\/option>/);

      // Nothing is lost on a refusal: every problem named, what was typed kept.
      p = await b.post('/bundle/details', { vehicle: '', ccrns: `${ccrn.in1}\n${ccrn.cancelled}\n261100000014` });
      expect(p.status).toBe(400);
      const summary = textOf(/<div class="error-summary"[\s\S]*?<\/div>/.exec(p.html)![0]);
      expect(summary).toMatch(/Choose the vehicle to bundle with/);
      expect(summary).toMatch(/CCRN 2611 0000 0014 has a typo/);
      // All at once: a typo elsewhere in the list does not hide a cancelled CCRN.
      expect(summary).toMatch(/CCRN 2611 0000 0068 was cancelled/);
      expect(p.html).toContain(`<textarea id="ccrns" name="ccrns"`);
      expect(p.html).toContain(`${ccrn.in1}\n${ccrn.cancelled}\n261100000014</textarea>`);
      p = await b.post('/bundle/details', { vehicle: 'CD5678', ccrns: `${ccrn.in1}\n${ccrn.cancelled}` });
      expect(p.html).toMatch(/<a href="#ccrns">CCRN 2611 0000 0068 was cancelled\. Ask the shipper for a new CCRN/);
      expect(p.html).toMatch(/<option value="CD5678" selected="">CD 5678/);
      p = await b.post('/bundle/details', { vehicle: 'CD5678', ccrns: `${ccrn.in1}\n${ccrn.out1}` });
      expect(textOf(p.html)).toMatch(/CCRN 2611 0000 0037 goes the other way \(Outbound \(out of Hong Kong\)\)/);

      p = await b.post('/bundle/details', { vehicle: 'CD5678', ccrns: `${ccrn.in1}\n2611 0000 0021` });
      expect(p.status).toBe(200);
      expect(textOf(p.html)).toMatch(/Step 4 of 4 Check before you bundle Vehicle CD 5678 Direction Inbound.*2 consignments.*2611 0000 0013 12 .*2611 0000 0021 3/);

      p = await b.post('/bundle/confirm', { vehicle: 'CD5678', ccrns: `${ccrn.in1}\n${ccrn.in2}` });
      const [bundle] = await h.rt.ports.bundles.activeForDriver(lee.driverNo);
      expect(bundle).toMatchObject({ vehicleMark: 'CD5678', ccrns: [ccrn.in1, ccrn.in2], channel: 'web' });
      expect(p.url).toBe(`/bundle/done/${bundle!.bundleRef}`);
      expect(textOf(p.html)).toMatch(/The consignments are bundled Bundle reference: \d{3} \d{3} \d{3} Earliest crossing time: 7 December at 10:3\d/);

      // The session holds the driver and "authorised until", never the code.
      const sid = b.cookies.get('__Host-rocars')!;
      const stored = await h.rt.sessions.load<Record<string, unknown>>(`web:${sid}`);
      expect(Object.keys(stored!.value).sort()).toEqual(['auth', 'csrf', 'driverNo']);
      expect(JSON.stringify(stored!.value)).not.toMatch(/"code"/);

      // Bundling the same CCRN again is refused with the reason, the form kept.
      await b.get('/bundle');
      p = await b.post('/bundle/confirm', { vehicle: 'EF901', ccrns: ccrn.in1 });
      expect(p.status).toBe(400);
      expect(textOf(p.html)).toMatch(/CCRN 2611 0000 0013 is already bundled with another vehicle/);

      // Another browser cannot see this result page: it is asked for a driver number.
      const other = await new FormClient(h.app).get(`/bundle/done/${bundle!.bundleRef}`);
      expect(textOf(other.html)).toMatch(/Step 1 of 3 .*Driver number/);
      expect(textOf(other.html)).not.toMatch(/CD 5678|2611 0000 0013/);
    });

    it('keeps the vehicle and CCRNs when the 10-minute authorisation lapses', async () => {
      const b = new FormClient(h.app);
      await b.get('/bundle');
      await b.post('/driver', { driverNo: chan.driverNo, next: 'bundle' });
      await b.post('/code', { code: h.nextCode(chan.secret), next: 'bundle' });
      h.clock.advance(11 * 60_000);
      let p = await b.post('/bundle/details', { vehicle: 'AB1234', ccrns: ccrn.out2 });
      expect(textOf(p.html)).toMatch(/Your authorisation has lapsed after 10 minutes/);
      expect(p.html).toContain(`<input type="hidden" name="ccrns" value="${ccrn.out2}"/>`);
      p = await b.post('/code', { code: h.nextCode(chan.secret), next: 'bundle', vehicle: 'AB1234', ccrns: ccrn.out2 });
      expect(p.html).toContain(`>${ccrn.out2}</textarea>`);
      expect(p.html).toMatch(/<option value="AB1234" selected="">/);
    });
  });

  describe('my bundles', () => {
    it('lists the driver’s bundles and cancels one after confirmation', async () => {
      const b = new FormClient(h.app);
      await b.get('/lang/zh-HK?next=/bundles');
      await b.post('/driver', { driverNo: lee.driverNo, next: 'bundles' });
      let p = await b.post('/code', { code: h.nextCode(lee.secret), next: 'bundles' });
      const [bundle] = await h.rt.ports.bundles.activeForDriver(lee.driverNo);
      const ref = bundle!.bundleRef.replace(/(\d{3})(?=\d)/g, '$1 ');
      expect(textOf(p.html)).toContain(`綑綁編號${ref}，車輛CD 5678`);
      p = await b.post('/bundles/cancel', { bundleRef: bundle!.bundleRef });
      expect(textOf(p.html)).toMatch(new RegExp(`取消綑綁${ref}？.*2批貨物將會解除綑綁`));
      p = await b.post('/bundles/cancel', { bundleRef: bundle!.bundleRef, confirm: 'yes' });
      expect(p.url).toBe(`/bundles?cancelled=${bundle!.bundleRef}`);
      expect(textOf(p.html)).toContain(`綑綁${ref}已取消`);
      expect((await h.rt.ports.consignments.byCcrn(ccrn.in1))?.status).toBe('submitted');
      p = await b.post('/bundles/cancel', { bundleRef: bundle!.bundleRef, confirm: 'yes' });
      expect(p.status).toBe(400);
      expect(textOf(p.html)).toMatch(/已經取消或已過境/);
    });
  });

  describe('token and centres', () => {
    it('shows what to bring and whether a driver’s token needs replacing', async () => {
      const b = new FormClient(h.app);
      let p = await b.get('/token');
      expect(textOf(p.html)).toMatch(/The completed Token Replacement Form\..*authorisation letter/);
      // A driver number alone shows nothing of the token: its details need the code (README, "Before a code").
      p = await b.post('/token', { driverNo: lee.driverNo });
      expect(p.status).toBe(400);
      expect(p.html).toMatch(/<a href="#code">Enter the token code as the 6 digits shown on the token/);
      expect(textOf(p.html)).not.toMatch(/T00010002|\(purple label\)|December 2026/);
      const wrong = ['111111', '222222'].find((c) => ![-2, -1, 0, 1].some((o) => codeAt(lee.secret, h.clock.now(), o) === c))!;
      p = await b.post('/token', { driverNo: lee.driverNo, code: wrong });
      expect(textOf(p.html)).toMatch(/The token code is wrong\. 4 tries are left/);
      expect(textOf(p.html)).not.toMatch(/T00010002|\(purple label\)/);
      p = await b.post('/token', { driverNo: lee.driverNo, code: h.nextCode(lee.secret) });
      expect(textOf(p.html)).toMatch(/Token T00010002 \(purple label\) expires on 27 December 2026\. Please replace it soon/);
      // Authorised now: the same browser checks again without another code.
      p = await b.post('/token', { driverNo: lee.driverNo });
      expect(textOf(p.html)).toMatch(/Token T00010002/);
      p = await b.post('/token', { driverNo: '4100002' });
      expect(p.status).toBe(400);
      expect(p.html).toMatch(/<a href="#driverNo">Enter the driver number as 8 digits/);
    });

    it('lists the places with their hours and which are open now', async () => {
      const b = new FormClient(h.app);
      const p = await b.get('/centres');
      const text = textOf(p.html);
      expect(text).toMatch(/General Post Office Mon to Sat: 08:00-18:00 Sun: 12:00-17:00 Open now/);
      expect(text).toMatch(/Lok Ma Chau Control Point 24 hours, every day Open now/);
      expect(text).toMatch(/Man Kam To Control Point Every day: 07:00-22:00/);
      await b.get('/lang/zh-CN?next=/centres');
      expect(textOf(b.last!.html)).toMatch(/邮政总局.*正在开放/);
    });
  });

  describe('limits and failures', () => {
    it('limits requests per client and says when to come back', async () => {
      const app = new Hono().route('/', webRoutes(h.rt, { rateLimit: { get: 3, post: 1, windowSeconds: 60 } }));
      const b = new FormClient(app, '192.0.2.77');
      for (let i = 0; i < 3; i++) expect((await b.get('/status')).status).toBe(200);
      const p = await b.get('/status');
      expect(p.status).toBe(429);
      expect(Number(p.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(textOf(p.html)).toMatch(/Please wait a minute/);
      // Another client is not affected.
      expect((await new FormClient(app, '192.0.2.78').get('/status')).status).toBe(200);
    });

    it('reads fields without the characters XML forbids, and never fails on them', async () => {
      const b = new FormClient(h.app);
      for (const ch of ['\u0000', '\u000b', '\u000c', '\u001f', '\ud800', '\ufffe']) {
        await b.get('/status');
        const p = await b.post('/status', { ccrn: `2611${ch}0000 0013` });
        // A form is UTF-8: a lone surrogate cannot travel in it and arrives as U+FFFD, a typo.
        if (ch === '\ud800') expect(p.status).toBe(400);
        else expect(textOf(p.html), JSON.stringify(ch)).toMatch(/CCRN 2611 0000 0013: not yet bundled/);
        await b.get('/registration');
        const bad = await b.post('/registration', { refNo: `20${ch}26` });
        expect(bad.status, JSON.stringify(ch)).toBe(400);
        // What was typed is shown back, without the character (a lone surrogate arrives as U+FFFD).
        expect(textOf(bad.html)).toMatch(ch === '\ud800' ? /"20\ufffd26" is not 10 digits/ : /"2026" is not 10 digits/);
        expect(bad.html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe]/);
      }
    });

    it('answers a failure of ours with a polite page, not a stack trace', async () => {
      const app = new Hono().route('/', webRoutes(withFailingStatus(h.rt, 'database down at 10.0.0.5')));
      const b = new FormClient(app);
      await b.get('/status');
      const p = await b.post('/status', { ccrn: ccrn.in1 });
      expect(p.status).toBe(500);
      expect(textOf(p.html)).toMatch(/Something went wrong on our side.*3669 0000/);
      expect(p.html).not.toMatch(/database down|10\.0\.0\.5|at .*\.ts/);
    });
  });
});
