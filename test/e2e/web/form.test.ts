/**
 * The web form in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core), served
 * by @hono/node-server over the whole app (createTestRuntime: PGlite with the demo data, memory
 * sessions). In English and in Cantonese/Traditional Chinese (switched with the page's own link):
 * a status enquiry by keyboard only, a full bundling with the demo data, a refused bundling with
 * its errors shown, my bundles, token and centres; axe-core finds no violation on any page; a
 * phone-sized screenshot of every page goes to test-output/screenshots/.
 *
 * Required when CI=true (a missing Chromium fails the run); elsewhere skipped, with a message, when
 * Chromium is not installed (`apt-get install chromium`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.js';
import { fakeClock } from '../../helpers/clock.js';
import { dbTargets } from '../../helpers/db.js';
import { codeAt } from '../../../src/core/totp.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE = fileURLToPath(new URL('../../../node_modules/axe-core/axe.min.js', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url));
const START = new Date('2026-12-07T02:00:00Z'); // Monday 10:00 in Hong Kong
const LEE = { driverNo: '41000024', secret: 'CUELNF4JLK7QHVK4HBA7LERWVOJMTOTL' };
const CCRN = { in1: '261100000013', in2: '261100000021', cancelled: '261100000068' };

const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';

if (!haveChromium && inCi) {
  describe('web form in Chromium', () => {
    it('needs Chromium in CI', () => {
      throw new Error(`${CHROMIUM} not found: CI must install Debian's chromium (.ci/run does) before the browser tests`);
    });
  });
} else if (!haveChromium) {
  console.warn(`web form browser tests skipped: ${CHROMIUM} not found (apt-get install chromium to run them; they are required when CI=true)`);
  describe.skip('web form in Chromium (no Chromium here)', () => {
    it('skipped', () => {});
  });
} else {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  // English on PGlite with memory sessions; Cantonese on Postgres with Redis sessions when the
  // test servers are set (CI), so the browser flows run on both stores without doubling the time.
  const realServers = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);
  const LANGS = [
    {
      lang: 'en' as const,
      stores: 'PGlite, memory sessions',
      options: {},
      t: {
        statusLink: 'Consignment status',
        check: 'Check',
        notBundled: 'CCRN 2611 0000 0013: not yet bundled',
        cont: 'Continue',
        confirm: 'Confirm and bundle',
        bundled: 'The consignments are bundled',
        problem: 'There is a problem',
        cancelledErr: 'CCRN 2611 0000 0068 was cancelled',
        typoErr: 'CCRN 2611 0000 0014 has a typo',
        bundlesTitle: 'My bundles',
        openNow: 'Open now',
      },
    },
    {
      lang: 'zh-HK' as const,
      stores: realServers ? 'Postgres, Redis sessions' : 'PGlite, memory sessions',
      options: realServers ? { target: dbTargets()[1]!, redis: true } : {},
      t: {
        statusLink: '貨物狀態',
        check: '查詢',
        notBundled: 'CCRN 2611 0000 0013：未綑綁',
        cont: '繼續',
        confirm: '確認並綑綁',
        bundled: '貨物已經綑綁',
        problem: '請更正以下問題',
        cancelledErr: 'CCRN 2611 0000 0068已取消',
        typoErr: 'CCRN 2611 0000 0014有錯字',
        bundlesTitle: '我的綑綁',
        openNow: '現正開放',
      },
    },
  ];

  describe.each(LANGS)('web form in Chromium ($lang, $stores)', ({ lang, t, options }) => {
    let tr: TestRuntime;
    let base: string;
    let context: BrowserContext;
    let page: Page;
    const clock = fakeClock(START);
    let shot = 0;

    /** axe-core in the page: no violation. The screenshot is taken first, so a failure can be seen. */
    async function check(name: string) {
      await page.screenshot({ path: `${SHOTS}${lang}-${String(++shot).padStart(2, '0')}-${name}.png`, fullPage: true });
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${name}: wider than the phone`).toBeLessThanOrEqual(0);
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
        const r = await axe.run(document);
        return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
      });
      expect(violations, `${name}: axe violations`).toEqual([]);
    }

    beforeAll(async () => {
      tr = await createTestRuntime({ clock, ...options });
      base = await tr.listen();
      // bypassCSP only lets the test inject axe-core; the CSP itself is checked in its own test.
      context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true, locale: 'en-GB' });
      page = await context.newPage();
    });
    afterAll(async () => {
      await context?.close();
      await tr?.close();
    });

    it('opens in the chosen language (the page’s own switch, kept in a cookie)', async () => {
      await page.goto(`${base}/`);
      if (lang !== 'en') {
        await page.click(`header a[lang="${lang}"]`);
        await page.waitForURL(`${base}/`);
        const cookies = await context.cookies(base);
        expect(cookies.find((c) => c.name === 'lang')?.value).toBe(lang);
      }
      await check('home');
    });

    it('answers a status enquiry, by keyboard only', async () => {
      await page.goto(`${base}/`);
      // The skip link comes first and takes the focus to the content.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#main');
      for (let i = 0; i < 15; i++) {
        await page.keyboard.press('Tab');
        if ((await page.evaluate(() => document.activeElement?.getAttribute('href'))) === '/status') break;
      }
      expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/status');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/status`);
      await check('status-form');
      for (let i = 0; i < 15 && (await page.evaluate(() => document.activeElement?.id)) !== 'ccrn'; i++) await page.keyboard.press('Tab');
      await page.keyboard.type('2611 0000 0013');
      await page.keyboard.press('Enter');
      await page.waitForLoadState();
      await expect.poll(() => page.textContent('[role=status] h2')).toBe(t.notBundled);
      await check('status-result');
    });

    it('bundles two CCRNs with the demo driver, vehicle and token', async () => {
      await page.goto(`${base}/bundle`);
      await check('bundle-1-driver');
      await page.fill('#driverNo', LEE.driverNo);
      await page.click(`button:has-text("${t.cont}")`);
      await page.waitForSelector('#code');
      await check('bundle-2-code');
      await page.fill('#code', codeAt(LEE.secret, clock.now()));
      await page.click(`button:has-text("${t.cont}")`);
      await page.waitForSelector('#vehicle');
      expect(await page.$$eval('#vehicle option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['', 'CD5678', 'EF901']);
      await check('bundle-3-details');
      await page.selectOption('#vehicle', 'CD5678');
      await page.fill('#ccrns', `${CCRN.in1}\n${CCRN.in2}`);
      await page.click(`button:has-text("${t.cont}")`);
      await page.waitForSelector(`button:has-text("${t.confirm}")`);
      expect(await page.$$eval('table tbody tr td:first-child', (tds) => tds.map((td) => td.textContent))).toEqual(['2611 0000 0013', '2611 0000 0021']);
      await check('bundle-4-confirm');
      await page.click(`button:has-text("${t.confirm}")`);
      await page.waitForURL(/\/bundle\/done\/\d{9}$/);
      const [bundle] = await tr.rt.ports.bundles.activeForDriver(LEE.driverNo);
      expect(bundle).toMatchObject({ vehicleMark: 'CD5678', ccrns: [CCRN.in1, CCRN.in2], channel: 'web' });
      expect(await page.textContent('[role=status] h2')).toBe(t.bundled);
      expect(await page.textContent('[role=status] .big')).toBe(bundle!.bundleRef.replace(/(\d{3})(?=\d)/g, '$1 '));
      await check('bundle-5-done');
    });

    it('refuses a cancelled CCRN and a typo, names both next to the field, keeps what was typed', async () => {
      await page.goto(`${base}/bundle`);
      await page.selectOption('#vehicle', 'EF901');
      const typed = `${CCRN.cancelled}\n2611 0000 0014`;
      await page.fill('#ccrns', typed);
      await page.click(`button:has-text("${t.cont}")`);
      await page.waitForSelector('.error-summary');
      expect(await page.textContent('.error-summary h2')).toBe(t.problem);
      const summary = await page.textContent('.error-summary');
      expect(summary).toContain(t.typoErr);
      expect(await page.textContent('#ccrns-error')).toContain(t.typoErr);
      expect(await page.inputValue('#ccrns')).toBe(typed);
      expect(await page.inputValue('#vehicle')).toBe('EF901');
      await check('bundle-refused-typo');
      // The summary links to the field.
      await page.click('.error-summary a[href="#ccrns"]');
      expect(await page.evaluate(() => location.hash)).toBe('#ccrns');
      // Fix the typo: the cancelled CCRN is refused by the core, and said so.
      await page.fill('#ccrns', CCRN.cancelled);
      await page.click(`button:has-text("${t.cont}")`);
      await page.waitForSelector('#ccrns-error');
      expect(await page.textContent('#ccrns-error')).toContain(t.cancelledErr);
      expect(await page.inputValue('#ccrns')).toBe(CCRN.cancelled);
      expect(await tr.rt.ports.consignments.byCcrn(CCRN.cancelled)).toMatchObject({ status: 'cancelled', bundleRef: null });
      await check('bundle-refused-cancelled');
    });

    it('lists my bundles with a way to cancel, the token guidance and the centres open now', async () => {
      await page.goto(`${base}/bundles`);
      expect(await page.textContent('h1')).toBe(t.bundlesTitle);
      expect(await page.$$('form[action="/bundles/cancel"] button')).toHaveLength(1);
      await check('bundles');
      await page.goto(`${base}/token`);
      await check('token');
      await page.goto(`${base}/centres`);
      expect(await page.$$eval('td.open', (tds) => tds.length)).toBe(17);
      expect(await page.textContent('td.open')).toBe(t.openNow);
      await check('centres');
    });

    it.runIf(lang === 'en')('blocks any inline script (the CSP, in a real browser without bypass)', async () => {
      const strict = await browser.newContext();
      try {
        const p = await strict.newPage();
        const refused: string[] = [];
        p.on('console', (m) => {
          if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
        });
        await p.goto(`${base}/`);
        await p.addScriptTag({ content: 'window.__ran = true;' }).catch(() => undefined);
        expect(await p.evaluate(() => (window as unknown as { __ran?: boolean }).__ran ?? false)).toBe(false);
        expect(refused.length).toBeGreaterThan(0);
      } finally {
        await strict.close();
      }
    });
  });
}
