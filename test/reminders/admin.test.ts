// The admin API: bearer ADMIN_API_TOKEN, campaigns and token replacement, 400 naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../src/channels/admin/routes.js';
import { codeAt } from '../../src/core/totp.js';
import { ADMIN_TOKEN, reminderRuntime, type ReminderRuntime } from './runtime.js';
import { hkAt, testDriverNo } from './fixtures.js';
import { fakeClock } from '../helpers/clock.js';

// Demo seed: LEE Siu Ming (41000024) holds purple token T00010002 expiring in 20 days; HO Ka Yan
// (41000043) a purple one that expired on 2024-05-31.
const LEE = '41000024';
const LEE_SERIAL = 'T00010002';
const LEE_SECRET = 'CUELNF4JLK7QHVK4HBA7LERWVOJMTOTL';

let r: ReminderRuntime;
beforeAll(async () => {
  r = await reminderRuntime();
});
afterAll(() => r?.close());

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const post = (path: string, body?: unknown, headers: Record<string, string> = auth) =>
  r.app.request(path, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
const get = (path: string, headers: Record<string, string> = auth) => r.app.request(path, { headers });

describe('admin API access', () => {
  it('answers 404 everywhere when ADMIN_API_TOKEN is not set', async () => {
    const off = adminRoutes({ campaigns: r.rt.reminders.campaigns, adminToken: undefined, logger: r.rt.logger });
    expect((await off.request('/campaigns', { headers: auth })).status).toBe(404);
    expect((await off.request('/drivers/41000024/token-replacement', { method: 'POST', headers: auth })).status).toBe(404);
  });

  it('refuses a missing or wrong bearer token', async () => {
    expect((await get('/admin/campaigns', {})).status).toBe(401);
    const wrong = await get('/admin/campaigns', { authorization: `Bearer ${ADMIN_TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
    expect((await get('/admin/campaigns', { authorization: ADMIN_TOKEN })).status).toBe(401);
  });
});

describe('admin API campaigns', () => {
  it('previews a campaign without creating it', async () => {
    const res = await post('/admin/campaigns', { labelColour: 'purple', dryRun: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { preview: { tokens: number; byChannel: { sms: number }; samples: { driverNo: string; text: string }[] } };
    expect(body.preview.tokens).toBe(2);
    expect(body.preview.byChannel.sms).toBe(2);
    const lee = body.preview.samples.find((s) => s.driverNo === LEE);
    expect(lee!.text).toContain(LEE_SERIAL);
    expect(body.preview.samples.find((s) => s.driverNo === '41000043')!.text).toContain('已於 2024年5月31日 到期');
    expect(((await (await get('/admin/campaigns')).json()) as { campaigns: unknown[] }).campaigns).toHaveLength(0);
  });

  it.each([
    [{}, 'labelColour'],
    [{ expiringBefore: '2026-02-30' }, 'expiringBefore'],
    [{ expiringBefore: '31/12/2026' }, 'expiringBefore'],
    [{ labelColour: 'purple', stages: 'soon' }, 'stages'],
    [{ labelColour: 'purple', stages: [30, -1] }, 'stages'],
    [{ labelColour: '#800080' }, 'labelColour'],
    [{ labelColour: 'purple', colour: 'x' }, 'colour'],
    [{ labelColour: 'purple', dryRun: 'yes' }, 'dryRun'],
    ['{not json', 'body'],
  ])('refuses %j naming the field %s', async (body, field) => {
    const res = await post('/admin/campaigns', body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid', field });
  });

  it('creates, lists, pauses, resumes and reports a campaign', async () => {
    const created = await post('/admin/campaigns', { labelColour: 'purple', stages: [30, 14, 7, 1] });
    expect(created.status).toBe(201);
    const { campaign, deliveries } = (await created.json()) as { campaign: { id: number; status: string; stages: number[] }; deliveries: number };
    expect(deliveries).toBe(2);
    expect(campaign).toMatchObject({ status: 'active', stages: [30, 14, 7, 1] });

    const list = (await (await get('/admin/campaigns')).json()) as { campaigns: { id: number }[] };
    expect(list.campaigns.map((c) => c.id)).toContain(campaign.id);

    const paused = await post(`/admin/campaigns/${campaign.id}/pause`);
    expect(((await paused.json()) as { campaign: { status: string } }).campaign.status).toBe('paused');
    const resumed = await post(`/admin/campaigns/${campaign.id}/resume`);
    expect(((await resumed.json()) as { campaign: { status: string } }).campaign.status).toBe('active');

    const report = await get(`/admin/campaigns/${campaign.id}/report`);
    expect(report.status).toBe(200);
    // LEE (20 days left): the 30-day stage now, then 14, 7 and 1; HO (expired): one reminder, 3 stages missed.
    expect(await report.json()).toMatchObject({ deliveries: 2, sent: 0, delivered: 0, failed: 0, optedOut: 0, replaced: 0, pending: 5, skipped: 3 });

    expect((await get('/admin/campaigns/999999/report')).status).toBe(404);
    const bad = await post('/admin/campaigns/abc/pause');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'id' });
  });
});

describe('admin API token replacement', () => {
  it.each([
    ['41000025', { serial: 'T00020002', expiresOn: '2031-05-31' }, 400, 'driverNo'],
    [LEE, { serial: 't2', expiresOn: '2031-05-31' }, 400, 'serial'],
    [LEE, { serial: 'T00020002', expiresOn: '2031-13-01' }, 400, 'expiresOn'],
    [LEE, { serial: 'T00020002' }, 400, 'expiresOn'],
    [LEE, { serial: 'T00020002', expiresOn: '2031-05-31', secretBase32: 'not base32!' }, 400, 'secretBase32'],
    [LEE, { serial: 'T00010001', expiresOn: '2031-05-31' }, 409, 'serial'],
    [testDriverNo(999), { serial: 'T00020002', expiresOn: '2031-05-31' }, 404, 'driverNo'],
  ])('driver %s with %j answers %i naming %s', async (driverNo, body, status, field) => {
    const res = await post(`/admin/drivers/${driverNo}/token-replacement`, body);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ field });
  });

  it('records the new token: the old one stops working and its reminders stop', async () => {
    const oldCode = codeAt(LEE_SECRET, r.rt.clock.now());
    const res = await post(`/admin/drivers/${LEE}/token-replacement`, { serial: 'T00020002', expiresOn: '2031-05-31', labelColour: 'green' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ oldSerial: LEE_SERIAL, serial: 'T00020002', expiresOn: '2031-05-31', labelColour: 'green', remindersStopped: 1 });
    expect(JSON.stringify(body)).not.toMatch(/secret/i);

    const verify = await r.rt.services.tokens.verify({ driverNo: LEE, code: oldCode }, { channel: 'admin', caller: null });
    expect(verify.ok).toBe(false);
    const status = await r.rt.services.tokens.status({ driverNo: LEE });
    expect(status).toMatchObject({ ok: true, token: { serial: 'T00020002', expiresOn: '2031-05-31', needsReplacing: false } });

    const { campaigns } = (await (await get('/admin/campaigns')).json()) as { campaigns: { id: number }[] };
    const report = await (await get(`/admin/campaigns/${campaigns[0]!.id}`)).json();
    expect(report).toMatchObject({ deliveries: 2, replaced: 1, pending: 1 });
  });
});

describe('admin API token replacement: the new expiry and the fields', () => {
  // 07:00 in Hong Kong on 7 November is still 6 November in UTC: "today" is Hong Kong's.
  const clock = fakeClock(hkAt('2026-11-07', '07:00'));
  let h: ReminderRuntime;
  beforeAll(async () => {
    h = await reminderRuntime({ clock });
  });
  afterAll(() => h?.close());

  const replace = (body: unknown) =>
    h.app.request(`/admin/drivers/${LEE}/token-replacement`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const tokensOf = () => h.rt.db.sql`SELECT * FROM tokens WHERE driver_no = ${LEE} ORDER BY serial`;

  it.each([
    [{ serial: 'T00020002', expiresOn: '1999-01-01' }, 'expiresOn', /after today \(2026-11-07 in Hong Kong\)/],
    [{ serial: 'T00020002', expiresOn: '2026-11-06' }, 'expiresOn', /after today/],
    [{ serial: 'T00020002', expiresOn: '2026-11-07' }, 'expiresOn', /after today/],
    [{ serial: 'T00020002', expiresOn: '2031-02-30' }, 'expiresOn', /not a real date/],
    [{ serial: 'T00020002', expiresOn: 'soon' }, 'expiresOn', /date like 2026-12-31/],
    [{ serial: 'T00020002', expiresOn: '31/05/2031' }, 'expiresOn', /date like 2026-12-31/],
    [{ serial: 'T00020002', expiresOn: 20310531 }, 'expiresOn', /./],
    [{ serial: 'T-0002 0002', expiresOn: '2031-05-31' }, 'serial', /serial printed on the token/],
    [{ serial: 12345678, expiresOn: '2031-05-31' }, 'serial', /./],
    [{ serial: 'T00020002', expiresOn: '2031-05-31', labelColour: '#00ff00' }, 'labelColour', /colour name/],
    [{ serial: 'T00020002', expiresOn: '2031-05-31', labelColour: '' }, 'labelColour', /colour name/],
  ])('refuses %j with 400 naming %s, and the old token stays in service', async (body, field, why) => {
    const before = await tokensOf();
    const res = await replace(body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { field: string; message: string };
    expect(answer.field).toBe(field);
    expect(answer.message).toMatch(why);
    expect(await tokensOf()).toEqual(before);
  });

  it('after those refusals the old code still works; tomorrow in Hong Kong is accepted', async () => {
    const verify = await h.rt.services.tokens.verify({ driverNo: LEE, code: codeAt(LEE_SECRET, clock.now()) }, { channel: 'admin', caller: null });
    expect(verify.ok).toBe(true);
    const res = await replace({ serial: 'T00020003', expiresOn: '2026-11-08' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ oldSerial: LEE_SERIAL, serial: 'T00020003', expiresOn: '2026-11-08' });
  });
});
