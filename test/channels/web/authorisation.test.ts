/**
 * Every web page about a driver's bundles needs a fresh authorisation (a token code given in this
 * browser less than 10 minutes ago), not merely the driver number in the session: a stranger who
 * types someone's driver number sees no bundle, vehicle, CCRN or token detail and changes nothing;
 * the driver who gives the code sees and does everything. PGlite with memory stores always;
 * Postgres with Redis stores when TEST_DATABASE_URL and TEST_REDIS_URL are set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../helpers/db.js';
import { DEMO, openHarness, type Harness } from '../sms/harness.js';
import { FormClient, textOf } from './client.js';

const START = new Date('2026-12-07T02:00:00Z');
const targets = [
  { name: 'PGlite, memory sessions', target: dbTargets()[0]!, redis: false },
  ...(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL
    ? [{ name: 'Postgres, Redis sessions', target: dbTargets()[1]!, redis: true }]
    : []),
];
const { lee, chan, ccrn, bundleRef } = DEMO;

/** What of CHAN's demo bundle (261 100 013: vehicle AB 1234, CCRN 2611 0000 0045) a page shows. */
const chanBundleShown = (html: string) => {
  const text = textOf(html);
  return ['AB 1234', 'AB1234', '2611 0000 0045', ccrn.bundled, '261 100 013'].filter((s) => text.includes(s) || html.includes(s));
};

/** Anything about LEE's token (serial T00010002, purple label, expiring 27 December 2026). */
const leeTokenShown = (html: string) => {
  const text = textOf(html);
  return ['T00010002', 'purple', '27 December', '2026-12-27', 'needs replacing'].filter((s) => text.includes(s) || html.includes(s));
};

describe.each(targets)('driver pages on $name', ({ target, redis }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness({ target, redis, start: START, env: { TRUST_PROXY: '1' }, web: { rateLimit: { get: 1000, post: 1000, driver: 1000, windowSeconds: 60 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A browser that has typed `driverNo` and no code. */
  async function stranger(driverNo: string) {
    const b = new FormClient(h.app);
    await b.get('/bundles');
    const p = await b.post('/driver', { driverNo, next: 'bundles' });
    expect(textOf(p.html)).toMatch(/Step 2 of 3/);
    return b;
  }

  it('shows nothing of a bundle to a browser that typed the driver number without a code', async () => {
    const b = await stranger(chan.driverNo);
    const done = await b.get(`/bundle/done/${bundleRef.chan}`);
    expect(chanBundleShown(done.html)).toEqual([]);
    expect(textOf(done.html)).toMatch(/Step 2 of 3 .*Driver number 4100 0019\..*Token code/);
    expect(textOf(done.html)).not.toMatch(/lapsed/);
    // The same answer whether or not the bundle is this driver's: nothing to learn by trying refs.
    const other = await b.get(`/bundle/done/${bundleRef.leeCrossed}`);
    expect(other.status).toBe(done.status);
    expect(textOf(other.html)).toBe(textOf(done.html));

    const list = await b.get('/bundles');
    expect(chanBundleShown(list.html)).toEqual([]);
    expect(textOf(list.html)).toMatch(/Step 2 of 3/);
  });

  it('changes nothing and shows nothing on the posts of a browser without a code', async () => {
    const b = await stranger(chan.driverNo);
    const before = await h.rt.ports.bundles.activeForDriver(chan.driverNo);
    expect(before.map((x) => x.bundleRef)).toEqual([bundleRef.chan]);

    for (const [path, form] of [
      ['/bundles/cancel', { bundleRef: bundleRef.chan }],
      ['/bundles/cancel', { bundleRef: bundleRef.chan, confirm: 'yes' }],
      ['/bundle/details', { vehicle: 'XY1', ccrns: ccrn.out2 }],
      ['/bundle/edit', { vehicle: 'XY1', ccrns: ccrn.out2 }],
      ['/bundle/confirm', { vehicle: 'XY1', ccrns: ccrn.out2 }],
    ] as const) {
      const p = await b.post(path, form);
      expect(chanBundleShown(p.html), path).toEqual([]);
      expect(textOf(p.html), path).toMatch(/Step 2 of [34] .*Token code/);
      expect(p.html, path).not.toMatch(/<select id="vehicle"/);
    }
    const after = await h.rt.ports.bundles.activeForDriver(chan.driverNo);
    expect(after).toEqual(before);
    expect((await h.rt.ports.consignments.byCcrn(ccrn.out2))?.status).toBe('submitted');
  });

  it('tells nothing about the token before the code, and reminds the driver once authorised', async () => {
    const b = new FormClient(h.app);
    await b.get('/bundle');
    let p = await b.post('/driver', { driverNo: lee.driverNo, next: 'bundle' });
    expect(textOf(p.html)).toMatch(/Step 2 of 4 .*Driver number 4100 0024\./);
    expect(leeTokenShown(p.html)).toEqual([]);
    p = await b.get('/bundle');
    expect(leeTokenShown(p.html)).toEqual([]);

    p = await b.post('/code', { code: h.nextCode(lee.secret), next: 'bundle' });
    expect(textOf(p.html)).toMatch(/Step 3 of 4 .*This driver's security token expires on 27 December 2026 and needs replacing/);
  });

  it('lets the driver see the result page while authorised, and asks for the code again after 10 minutes', async () => {
    const b = new FormClient(h.app);
    await b.get('/bundles');
    await b.post('/driver', { driverNo: chan.driverNo, next: 'bundles' });
    await b.post('/code', { code: h.nextCode(chan.secret), next: 'bundles' });
    let p = await b.get(`/bundle/done/${bundleRef.chan}`);
    expect(p.status).toBe(200);
    expect(textOf(p.html)).toMatch(/Bundle reference: 261 100 013 .*Vehicle AB 1234 .*2611 0000 0045/);
    // Another driver's bundle is not found, even when authorised.
    expect((await b.get(`/bundle/done/${bundleRef.leeCrossed}`)).status).toBe(404);

    // The driver reloads the page 11 minutes later: the code again, then My bundles with this bundle.
    h.clock.advance(11 * 60_000);
    p = await b.get(`/bundle/done/${bundleRef.chan}`);
    expect(chanBundleShown(p.html)).toEqual([]);
    expect(textOf(p.html)).toMatch(/Your authorisation has lapsed after 10 minutes/);
    p = await b.post('/code', { code: h.nextCode(chan.secret), next: 'bundles' });
    expect(p.url).toBe('/bundles');
    expect(textOf(p.html)).toMatch(/Bundle 261 100 013, vehicle AB 1234/);
    p = await b.get(`/bundle/done/${bundleRef.chan}`);
    expect(textOf(p.html)).toMatch(/Vehicle AB 1234/);
  });

  it('keeps the result page from another browser, and from one whose code was for another driver', async () => {
    expect((await new FormClient(h.app).get(`/bundle/done/${bundleRef.chan}`)).html).not.toMatch(/AB 1234/);
    // Authorised as LEE, then typing CHAN's number: LEE's authorisation does not carry over.
    const b = new FormClient(h.app);
    await b.get('/bundles');
    await b.post('/driver', { driverNo: lee.driverNo, next: 'bundles' });
    await b.post('/code', { code: h.nextCode(lee.secret), next: 'bundles' });
    await b.post('/driver', { driverNo: chan.driverNo, next: 'bundles' });
    const p = await b.get(`/bundle/done/${bundleRef.chan}`);
    expect(chanBundleShown(p.html)).toEqual([]);
    expect(textOf(p.html)).toMatch(/Driver number 4100 0019\./);
  });
});
