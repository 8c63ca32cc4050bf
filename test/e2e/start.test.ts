// `npm start` on a clean environment, then the checks of shared/check/smoke.mjs (copied here, as the
// Twilio-like client is, so a clone without ../shared runs them): the service as Twilio calls it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Call, sms, startService, twilioSignature } from '../helpers/twilio-client.mjs';

const seed = JSON.parse(readFileSync(new URL('../../src/db/demo-seed.json', import.meta.url), 'utf8'));
const ccrn = (key: string): string => seed.consignments.find((c: { key: string }) => c.key === key).ccrn;
const HOTLINE = '+85236690000';
const STRANGER = '+85298765432';
const authToken = 'smoke-auth-token';
const publicBase = 'https://rocars.example.test';

describe('npm start on the embedded default', () => {
  let svc: { base: string; stop(): void; startMs: number; health: Record<string, unknown>; logs(): string };
  beforeAll(async () => {
    // No DATABASE_URL, no REDIS_URL: whatever the test runner has in its environment is removed.
    const env: Record<string, string> = { DATA_DIR: ':memory:', TWILIO_AUTH_TOKEN: authToken, PUBLIC_BASE_URL: publicBase, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'debug' };
    svc = await startService({ cwd: process.cwd(), env, timeoutMs: 90_000 });
    console.log(`npm start served /health after ${svc.startMs} ms`);
  }, 120_000);
  afterAll(() => svc?.stop());

  const newCall = (from = STRANGER, to = HOTLINE) => new Call({ base: svc.base, publicBase, authToken, from, to });

  it('serves /health with the embedded database and memory sessions', () => {
    expect(svc.health).toMatchObject({ status: 'ok', database: 'embedded', sessions: 'memory', unsignedWebhooks: false });
  });

  it('refuses unsigned and badly signed voice webhooks with 403', async () => {
    const c = new Call({ base: svc.base, publicBase, authToken, from: STRANGER, to: HOTLINE, sign: false });
    await c.post('/twilio/voice');
    expect(c.responses[0]?.status).toBe(403);
    const params = { CallSid: 'CA' + '1'.repeat(32), From: STRANGER, To: HOTLINE };
    const r = await fetch(svc.base + '/twilio/voice', {
      method: 'POST',
      body: new URLSearchParams(params),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature('wrong', publicBase + '/twilio/voice', params) },
    });
    expect(r.status).toBe(403);
  });

  it('gives a stranger the language menu, then the English main menu', async () => {
    const c = newCall();
    await c.post('/twilio/voice');
    expect(c.responses[0]?.status).toBe(200);
    expect(c.responses[0]?.type).toMatch(/xml/);
    expect(c.gather).toBeTruthy();
    await c.press('3');
    expect(c.gather).toBeTruthy();
    expect(c.prompt).toMatch(/press/i);
  });

  it('tells a submitted CCRN is not yet bundled, and catches a check-digit typo', async () => {
    const c = newCall();
    await c.post('/twilio/voice');
    await c.press('3');
    await c.press('2');
    await c.press(ccrn('in1') + '#');
    expect(c.prompt).toMatch(/not yet bundled/i);
    const d = newCall();
    await d.post('/twilio/voice');
    await d.press('3');
    await d.press('2');
    const good = ccrn('in1');
    await d.press(good.slice(0, 11) + ((+good[11]! + 1) % 10) + '#');
    expect(d.gather).toBeTruthy();
    expect(d.prompt).toMatch(/check|again|re-?enter/i);
  });

  it('reaches an agent with 0', async () => {
    const c = newCall();
    await c.post('/twilio/voice');
    await c.press('3');
    await c.press('0');
    expect(['dial', 'enqueue']).toContain(c.ended);
  });

  it('answers SMS HELP', async () => {
    const r = await sms({ base: svc.base, publicBase, authToken, from: STRANGER, to: HOTLINE, body: 'HELP' });
    expect(r.status).toBe(200);
    expect(r.messages[0]).toMatch(/3669 ?0000/);
  });

  it('keeps token codes, message bodies and full phone numbers out of the logs', () => {
    const logs = svc.logs();
    expect(logs).not.toContain('98765432');
    expect(logs).not.toContain('HELP');
  });
});
