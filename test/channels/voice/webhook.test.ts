import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import type { Runtime } from '../../../src/runtime.js';
import { twilioParams, twilioWebhook, type TwilioEnv } from '../../../src/channels/twilio/webhook.js';
import { twilioSignature } from './client.js';

const TOKEN = 'test-auth-token-123';
const PARAMS = { CallSid: 'CA' + 'b'.repeat(32), From: '+85291234567', To: '+85236690000', Digits: '1' };

function appFor(env: Record<string, string>, unsignedWebhooks = false) {
  const rt = { config: loadConfig(env), logger: silentLogger(), unsignedWebhooks } as unknown as Runtime;
  const app = new Hono<TwilioEnv>();
  app.use('*', twilioWebhook(rt));
  app.post('/twilio/voice/turn', (c) => c.json(twilioParams(c)));
  app.post('/twilio/sms', (c) => c.json(twilioParams(c)));
  return app;
}

const post = (app: Hono<TwilioEnv>, url: string, params: Record<string, string>, signature?: string) =>
  app.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
    body: new URLSearchParams(params),
  });

describe('Twilio webhook signature', () => {
  const app = appFor({ TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: 'https://rocars.example.test/' });

  it('accepts a request signed on the public URL with its query, and hands the parsed form on', async () => {
    const sig = twilioSignature(TOKEN, 'https://rocars.example.test/twilio/voice/turn?n=2&lang=en', PARAMS);
    const res = await post(app, 'http://10.0.0.5:3000/twilio/voice/turn?n=2&lang=en', PARAMS, sig);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(PARAMS);
  });

  it('agrees with the twilio SDK’s own signature', async () => {
    const sig = twilio.getExpectedTwilioSignature(TOKEN, 'https://rocars.example.test/twilio/voice/turn?n=1', PARAMS);
    expect((await post(app, 'http://localhost/twilio/voice/turn?n=1', PARAMS, sig)).status).toBe(200);
  });

  it('refuses an unsigned request with 403 and no TwiML', async () => {
    const res = await post(app, 'http://localhost/twilio/voice/turn?n=1', PARAMS);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toMatch(/<Response/);
  });

  it('refuses a signature made with another token', async () => {
    const sig = twilioSignature('wrong', 'https://rocars.example.test/twilio/voice/turn?n=1', PARAMS);
    expect((await post(app, 'http://localhost/twilio/voice/turn?n=1', PARAMS, sig)).status).toBe(403);
  });

  it('refuses a signature made on the URL the app sees instead of the public one', async () => {
    const sig = twilioSignature(TOKEN, 'http://localhost/twilio/voice/turn?n=1', PARAMS);
    expect((await post(app, 'http://localhost/twilio/voice/turn?n=1', PARAMS, sig)).status).toBe(403);
  });

  it('refuses a replay to another turn (the query is signed)', async () => {
    const sig = twilioSignature(TOKEN, 'https://rocars.example.test/twilio/voice/turn?n=1', PARAMS);
    expect((await post(app, 'http://localhost/twilio/voice/turn?n=2', PARAMS, sig)).status).toBe(403);
  });

  it('refuses changed parameters', async () => {
    const sig = twilioSignature(TOKEN, 'https://rocars.example.test/twilio/voice/turn?n=1', PARAMS);
    expect((await post(app, 'http://localhost/twilio/voice/turn?n=1', { ...PARAMS, Digits: '2' }, sig)).status).toBe(403);
  });

  it('reads the form as Twilio encodes it: escapes, + for space, Chinese, a bad escape kept as it is', async () => {
    const params = { ...PARAMS, SpeechResult: '二 六 one + two', Body: '50% off & more', Odd: '%ZZ' };
    const sig = twilioSignature(TOKEN, 'https://rocars.example.test/twilio/sms', params);
    const body = 'CallSid=' + PARAMS.CallSid + '&From=%2B85291234567&To=%2B85236690000&Digits=1' +
      '&SpeechResult=%E4%BA%8C+%E5%85%AD+one+%2B+two&Body=50%25+off+%26+more&Odd=%ZZ';
    const res = await app.request('http://localhost/twilio/sms', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(params);
  });

  it('keeps the last value of a name given twice, and signs what it keeps', async () => {
    const sig = twilioSignature(TOKEN, 'https://rocars.example.test/twilio/sms', { ...PARAMS, Digits: '2' });
    const body = new URLSearchParams(PARAMS).toString() + '&Digits=2';
    const res = await app.request('http://localhost/twilio/sms', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
      body,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).Digits).toBe('2');
  });

  it('checks against the request’s own origin without PUBLIC_BASE_URL', async () => {
    const own = appFor({ TWILIO_AUTH_TOKEN: TOKEN });
    const sig = twilioSignature(TOKEN, 'http://127.0.0.1:3000/twilio/voice/turn?n=1', PARAMS);
    expect((await post(own, 'http://127.0.0.1:3000/twilio/voice/turn?n=1', PARAMS, sig)).status).toBe(200);
    expect((await post(own, 'http://other.host/twilio/voice/turn?n=1', PARAMS, sig)).status).toBe(403);
  });
});

describe('unsigned webhooks without TWILIO_AUTH_TOKEN', () => {
  it('are accepted while the service listens on loopback', async () => {
    const res = await post(appFor({}, true), 'http://127.0.0.1/twilio/voice/turn?n=1', PARAMS);
    expect(res.status).toBe(200);
  });

  it('are refused otherwise', async () => {
    const res = await post(appFor({ HOST: '0.0.0.0' }, false), 'http://127.0.0.1/twilio/voice/turn?n=1', PARAMS);
    expect(res.status).toBe(403);
  });
});

describe('signature variants the twilio SDK accepts', () => {
  const app = appFor({ TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: 'https://rocars.example.test' });

  it('accepts a signature made on the public URL with its default port written out', async () => {
    const sig = twilioSignature(TOKEN, 'https://rocars.example.test:443/twilio/voice/turn?n=3', PARAMS);
    expect((await post(app, 'http://10.0.0.5:3000/twilio/voice/turn?n=3', PARAMS, sig)).status).toBe(200);
  });

  it('keeps a path under PUBLIC_BASE_URL', async () => {
    const under = appFor({ TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: 'https://gw.example.test/rocars/' });
    const sig = twilioSignature(TOKEN, 'https://gw.example.test/rocars/twilio/voice/turn?n=4', PARAMS);
    expect((await post(under, 'http://10.0.0.5:3000/twilio/voice/turn?n=4', PARAMS, sig)).status).toBe(200);
    expect((await post(under, 'http://10.0.0.5:3000/twilio/voice/turn?n=5', PARAMS, sig)).status).toBe(403);
  });

  it('refuses a signature of the right length that is not the right one', async () => {
    const sig = twilioSignature(TOKEN, 'https://rocars.example.test/twilio/voice/turn?n=3', PARAMS);
    const tampered = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect((await post(app, 'http://10.0.0.5:3000/twilio/voice/turn?n=3', PARAMS, tampered)).status).toBe(403);
  });
});
