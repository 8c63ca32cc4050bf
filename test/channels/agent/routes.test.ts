import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentRoutes } from '../../../src/channels/agent/routes.js';
import { dammCheckDigit } from '../../../src/core/identifiers.js';
import type { Runtime } from '../../../src/runtime.js';
import { dbTargets } from '../../helpers/db.js';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.js';

const TOKEN = 'agent-api-token-for-tests';
const auth = { authorization: `Bearer ${TOKEN}` };
const CALLER = '+85291234567';
const UNKNOWN_DRIVER = '4100009' + dammCheckDigit('4100009');

describe.each(dbTargets())('agent API on $name', (target) => {
  let t: TestRuntime;
  const get = (path: string, headers: Record<string, string> = auth) => t.app.request(path, { headers });
  const unlock = (driverNo: string, body: unknown, headers: Record<string, string> = auth) =>
    t.app.request(`/agent/tokens/${driverNo}/unlock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    t = await createTestRuntime({ target, env: { AGENT_API_TOKEN: TOKEN } });
    await t.rt.services.handoffs.record({
      conversationId: 'CA' + '1'.repeat(32),
      channel: 'voice',
      caller: CALLER,
      driverNo: '41000019',
      locale: 'zh-HK',
      where: 'bundling.code',
      reason: 'token_locked',
    });
  });
  afterAll(() => t?.close());

  it('answers 404 on every route without AGENT_API_TOKEN', async () => {
    const off = new Hono();
    off.route('/agent', agentRoutes({ ...t.rt, config: { ...t.rt.config, AGENT_API_TOKEN: undefined } } as Runtime));
    expect((await off.request('/agent/handoffs?caller=%2B85291234567', { headers: auth })).status).toBe(404);
    expect((await off.request('/agent/tokens/41000035/unlock', { method: 'POST', headers: auth, body: '{"agentId":"a1"}' })).status).toBe(404);
  });

  it('refuses a missing or wrong bearer token with 401', async () => {
    expect((await get('/agent/handoffs?caller=%2B85291234567', {})).status).toBe(401);
    expect((await get('/agent/handoffs?caller=%2B85291234567', { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await get('/agent/handoffs?caller=%2B85291234567', { authorization: TOKEN })).status).toBe(401);
  });

  it('finds a hand-off by CallSid', async () => {
    const res = await get('/agent/handoffs/CA' + '1'.repeat(32));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { handoffs: Record<string, unknown>[] };
    expect(body.handoffs).toEqual([
      expect.objectContaining({ caller: CALLER, driverNo: '41000019', locale: 'zh-HK', where: 'bundling.code', reason: 'token_locked' }),
    ]);
    expect((await get('/agent/handoffs/CA' + '2'.repeat(32))).status).toBe(404);
  });

  it('finds hand-offs by the caller’s number however the agent types it', async () => {
    for (const q of ['%2B85291234567', '+85291234567', '9123%204567', '91234567']) {
      const res = await get(`/agent/handoffs?caller=${q}`);
      expect(res.status, q).toBe(200);
      const body = (await res.json()) as { caller: string; handoffs: unknown[] };
      expect(body.caller).toBe(CALLER);
      expect(body.handoffs).toHaveLength(1);
    }
    const none = (await (await get('/agent/handoffs?caller=%2B85298765432')).json()) as { handoffs: unknown[] };
    expect(none.handoffs).toEqual([]);
  });

  it('answers 400 naming the caller field for a number that is not one', async () => {
    for (const q of ['abc', '123', '']) {
      const res = await get(`/agent/handoffs?caller=${q}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: 'caller' });
    }
    expect((await get('/agent/handoffs')).status).toBe(400);
  });

  it('unlocks a locked token once, audited with the agent', async () => {
    const res = await unlock('41000035', { agentId: 'agent-7' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ serial: 'T00010003' });
    expect((await t.rt.ports.tokens.bySerial('T00010003'))?.status).toBe('active');
    const again = await unlock('41000035', { agentId: 'agent-7' });
    expect(again.status).toBe(409);
    const audit = await t.rt.ports.audit.list({ driverNo: '41000035', action: 'token.unlock' });
    expect(audit[audit.length - 1]).toMatchObject({ channel: 'agent', detail: { agentId: 'agent-7' } });
  });

  it('answers 409 for a token that is not locked and 404 for a driver it does not know', async () => {
    expect((await unlock('41000019', { agentId: 'agent-7' })).status).toBe(409);
    const unknown = await unlock(UNKNOWN_DRIVER, { agentId: 'agent-7' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'driver_unknown' });
  });

  it('answers 400 naming the field for a bad driver number or a missing agent', async () => {
    const typo = await unlock('41000036', { agentId: 'agent-7' });
    expect(typo.status).toBe(400);
    expect(await typo.json()).toMatchObject({ field: 'driverNo' });
    const short = await unlock('4100', { agentId: 'agent-7' });
    expect(await short.json()).toMatchObject({ field: 'driverNo' });
    const noAgent = await unlock('41000035', {});
    expect(noAgent.status).toBe(400);
    expect(await noAgent.json()).toMatchObject({ field: 'agentId' });
    const notJson = await unlock('41000035', 'agent-7');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ field: 'body' });
  });
});
