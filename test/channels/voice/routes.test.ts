/** Route mechanics of the voice channel with a hand-written runner (no database, no flows). */
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import type { Runtime } from '../../../src/runtime.js';
import type { AuditEntry, Handoff } from '../../../src/core/ports.js';
import type { Reply, UserEvent } from '../../../src/flows/reply.js';
import { voiceRoutes } from '../../../src/channels/voice/routes.js';
import { expectValidTwiml } from '../../helpers/twiml.js';
import { elements, parseXml, textOf, twilioSignature } from './client.js';
import { REPLIES, useFixtureStrings } from './replies.js';

const TOKEN = 'route-test-token';
const PUBLIC = 'https://rocars.example.test';
const SID = 'CA' + 'c'.repeat(32);
const STRANGER = '+85298765432';

interface TurnCall {
  key: string;
  start: { entry: string; caller: string | null };
  event: UserEvent;
  turn: number;
}

/** A runner that answers from a script and remembers what it was asked. */
function scriptedRunner(script: (call: TurnCall) => Reply | Promise<Reply>) {
  const calls: TurnCall[] = [];
  const ended: string[] = [];
  return {
    calls,
    ended,
    turn: async (call: TurnCall) => {
      calls.push(call);
      const reply = await script(call);
      return { reply, turn: call.turn, repeated: false, state: 'x' };
    },
    end: async (key: string) => {
      ended.push(key);
    },
  };
}

function runtime(runner: ReturnType<typeof scriptedRunner>, env: Record<string, string> = {}) {
  const audit: AuditEntry[] = [];
  const handoffs: Omit<Handoff, 'createdAt'>[] = [];
  const rt = {
    config: loadConfig({ TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: PUBLIC, ...env }),
    logger: silentLogger(),
    unsignedWebhooks: false,
    clock: { now: () => new Date('2026-11-26T02:00:00Z') },
    runner,
    ports: { audit: { record: async (e: AuditEntry) => void audit.push(e) } },
    services: {
      handoffs: {
        record: async (h: Omit<Handoff, 'createdAt'>) => {
          handoffs.push(h);
          return { ...h, id: handoffs.length, createdAt: new Date() };
        },
      },
    },
  } as unknown as Runtime;
  const app = new Hono();
  app.route('/twilio/voice', voiceRoutes(rt, { turnTimeoutMs: 300 }));
  return { app, audit, handoffs };
}

const twiml: string[] = [];
async function post(app: Hono, path: string, params: Record<string, string>) {
  const res = await app.request('http://10.1.2.3:3000' + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TOKEN, PUBLIC + path, params) },
    body: new URLSearchParams(params),
  });
  const body = await res.text();
  if (res.status === 200 && body) twiml.push(body);
  return { status: res.status, type: res.headers.get('content-type'), body };
}

const call = (extra: Record<string, string> = {}) => ({ CallSid: SID, From: STRANGER, To: '+85236690000', CallStatus: 'in-progress', ...extra });

beforeAll(() => useFixtureStrings());

describe('voice routes', () => {
  it('starts a hotline call at turn 1 and points the Gather at turn 2 on the public URL', async () => {
    const runner = scriptedRunner(() => REPLIES.mainMenu);
    const { app } = runtime(runner);
    const res = await post(app, '/twilio/voice', call());
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/xml/);
    expect(runner.calls[0]).toMatchObject({ key: `voice:${SID}`, turn: 1, event: { type: 'user.start' }, start: { entry: 'hotline', caller: STRANGER } });
    const gather = elements(parseXml(res.body))[0]!;
    expect(gather.attrs.action).toBe(`${PUBLIC}/twilio/voice/turn?n=2&lang=en`);
  });

  it('opens bundling for a call to a bundling line', async () => {
    const runner = scriptedRunner(() => REPLIES.ccrnEntry);
    const { app } = runtime(runner);
    await post(app, '/twilio/voice', call({ To: '+85239023333' }));
    expect(runner.calls[0]!.start.entry).toBe('bundling');
  });

  it('sends keys, speech and silence of turn n and asks for turn n+1 in the reply’s language', async () => {
    const runner = scriptedRunner(() => REPLIES.ccrnEntry);
    const { app } = runtime(runner);
    const a = await post(app, '/twilio/voice/turn?n=4&lang=en', call({ Digits: '261100000013' }));
    await post(app, '/twilio/voice/turn?n=5&lang=zh-HK', call({ SpeechResult: 'two six one one', Confidence: '0.9' }));
    await post(app, '/twilio/voice/turn?n=6&lang=zh-HK', call());
    expect(runner.calls.map((c) => [c.turn, c.event])).toEqual([
      [4, { type: 'user.digits', digits: '261100000013' }],
      [5, { type: 'user.text', text: 'two six one one' }],
      [6, { type: 'user.silence' }],
    ]);
    expect(elements(parseXml(a.body))[0]!.attrs.action).toBe(`${PUBLIC}/twilio/voice/turn?n=5&lang=zh-HK`);
  });

  it('emits relative turn URLs without PUBLIC_BASE_URL', async () => {
    const runner = scriptedRunner(() => REPLIES.mainMenu);
    const rt = {
      config: loadConfig({}),
      logger: silentLogger(),
      unsignedWebhooks: true,
      runner,
    } as unknown as Runtime;
    const app = new Hono();
    app.route('/twilio/voice', voiceRoutes(rt));
    const res = await app.request('http://127.0.0.1/twilio/voice', { method: 'POST', body: new URLSearchParams(call()) });
    expect(res.status).toBe(200);
    const body = await res.text();
    twiml.push(body);
    expect(elements(parseXml(body))[0]!.attrs.action).toBe('/twilio/voice/turn?n=2&lang=en');
  });

  it('refuses an unsigned turn with 403 and never reaches the flow', async () => {
    const runner = scriptedRunner(() => REPLIES.mainMenu);
    const { app } = runtime(runner);
    const res = await app.request('http://10.1.2.3/twilio/voice/turn?n=1', { method: 'POST', body: new URLSearchParams(call({ Digits: '1' })) });
    expect(res.status).toBe(403);
    expect(runner.calls).toEqual([]);
  });

  it('answers 400 naming the field for a signed webhook without a CallSid or a turn number', async () => {
    const { app } = runtime(scriptedRunner(() => REPLIES.mainMenu));
    const noSid = await post(app, '/twilio/voice', { From: STRANGER, To: '+85236690000' });
    expect(noSid.status).toBe(400);
    expect(noSid.body).toMatch(/CallSid/);
    const noTurn = await post(app, '/twilio/voice/turn?n=x', call({ Digits: '1' }));
    expect(noTurn.status).toBe(400);
    expect(noTurn.body).toMatch(/\bn\b/);
  });

  it('apologises with 200 TwiML in all three languages when the flow fails at the start, and offers an agent', async () => {
    const { app } = runtime(scriptedRunner(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))));
    const res = await post(app, '/twilio/voice', call());
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/xml/);
    const gather = elements(parseXml(res.body))[0]!;
    expect(elements(gather).map((s) => s.attrs.language)).toEqual(['yue-HK', 'cmn-CN', 'en-GB']);
    expect(gather.attrs.action).toBe(`${PUBLIC}/twilio/voice/fallback`);
    const after = await post(app, '/twilio/voice/fallback', call({ Digits: '0' }));
    expect(elements(parseXml(after.body)).map((e) => e.name)).toEqual(['Say', 'Say', 'Say', 'Enqueue']);
  });

  it('apologises in the caller’s language mid-call, and the fallback dials AGENT_NUMBER when set', async () => {
    const { app, handoffs } = runtime(
      scriptedRunner(() => {
        throw new Error('redis down');
      }),
      { AGENT_NUMBER: '+85236690001' },
    );
    const res = await post(app, '/twilio/voice/turn?n=3&lang=zh-HK', call({ Digits: '1' }));
    expect(res.status).toBe(200);
    const gather = elements(parseXml(res.body))[0]!;
    expect(elements(gather).map((s) => s.attrs.language)).toEqual(['yue-HK']);
    const after = await post(app, '/twilio/voice/fallback?lang=zh-HK', call());
    const root = elements(parseXml(after.body));
    expect(root.map((e) => e.name)).toEqual(['Say', 'Dial']);
    expect(textOf(root[1]!)).toBe('+85236690001');
    expect(handoffs).toEqual([
      { conversationId: SID, channel: 'voice', caller: STRANGER, driverNo: null, locale: 'zh-HK', where: 'service_failure', reason: 'service_failure' },
    ]);
  });

  it('apologises when the flow takes too long, instead of letting Twilio time out', async () => {
    const { app } = runtime(scriptedRunner(() => new Promise<Reply>(() => {})));
    const res = await post(app, '/twilio/voice/turn?n=2&lang=en', call({ Digits: '1' }));
    expect(res.status).toBe(200);
    expect(textOf(parseXml(res.body))).toMatch(/^Sorry/);
  });

  it('records the end of a call with the caller masked and ends the session', async () => {
    const runner = scriptedRunner(() => REPLIES.mainMenu);
    const { app, audit } = runtime(runner);
    const res = await post(app, '/twilio/voice/status', call({ CallStatus: 'completed', CallDuration: '74' }));
    expect(res.status).toBe(204);
    expect(runner.ended).toEqual([`voice:${SID}`]);
    expect(audit).toEqual([
      {
        at: new Date('2026-11-26T02:00:00Z'),
        channel: 'voice',
        callerMasked: '+852****5432',
        driverNo: null,
        action: 'call.end',
        outcome: 'completed',
        detail: { callSid: SID, durationSec: 74 },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain(STRANGER);
  });

  it('ignores progress callbacks that are not the end of the call', async () => {
    const runner = scriptedRunner(() => REPLIES.mainMenu);
    const { app, audit } = runtime(runner);
    expect((await post(app, '/twilio/voice/status', call({ CallStatus: 'ringing' }))).status).toBe(204);
    expect(runner.ended).toEqual([]);
    expect(audit).toEqual([]);
  });

  it('strips the characters XML forbids from SpeechResult after the signature check, so a reply that repeats it is TwiML', async () => {
    // A flow that says back what it heard (as a read-back does).
    const runner = scriptedRunner((c) => ({
      ...REPLIES.done,
      say: [{ key: 'fixture:done', params: { ref: c.event.type === 'user.text' ? c.event.text : '' } }],
    }));
    const { app } = runtime(runner);
    const res = await post(app, '/twilio/voice/turn?n=3&lang=en', call({ SpeechResult: 'two\u0000 six\u000b one\u000c one\u001f\ufffe', Confidence: '0.8' }));
    expect(res.status).toBe(200);
    expect(runner.calls[0]!.event).toEqual({ type: 'user.text', text: 'two six one one' });
    expect(textOf(parseXml(res.body))).toBe('Your bundle reference is two six one one. Goodbye.');
    await expectValidTwiml(res.body);
  });

  it('answers only valid TwiML', async () => {
    expect(twiml.length).toBeGreaterThan(10);
    await expectValidTwiml(twiml);
  });
});
