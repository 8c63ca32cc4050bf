/**
 * The conversation suite on every conversation channel: voice and SMS through their Twilio
 * webhooks, and the test-only channel that proves the port (each on PGlite with the demo data).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { Hono } from 'hono';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.js';
import { Call } from '../voice/client.js';
import { AUTH_TOKEN, HOTLINE, PUBLIC_BASE, sendSms } from '../sms/harness.js';
import { smsRoutes } from '../../../src/channels/sms/routes.js';
import { conversationSuite, type ChannelUnderTest, type Talker } from './suite.js';
import { testChannelApp, type TestAnswer } from './test-channel.js';

const STRANGERS = ['+85298765401', '+85298765402', '+85298765403', '+85298765404'];
const env = { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL: PUBLIC_BASE };

/** A channel on a runtime of its own: fresh demo data for each. */
function onRuntime(make: (t: TestRuntime) => Promise<(from: string) => Talker>): () => ChannelUnderTest {
  let t: TestRuntime;
  let talker: (from: string) => Talker;
  beforeAll(async () => {
    t = await createTestRuntime({ env });
    talker = await make(t);
  });
  afterAll(() => t?.close());
  return () => ({ talker: (from) => talker(from), sql: t.rt.db.sql });
}

describe('voice', () => {
  conversationSuite(
    onRuntime(async (t) => {
      const base = await t.listen();
      return (from) => {
        const call = new Call({ base, publicBase: PUBLIC_BASE, authToken: AUTH_TOKEN, from, to: HOTLINE });
        return {
          start: async () => (await call.post('/twilio/voice')).prompt,
          // Long numbers end with the hash key, as the prompts ask.
          send: async (input) => (await call.press(/^\d{7,}$/.test(input) ? `${input}#` : input)).prompt,
        };
      };
    }),
    STRANGERS,
  );
});

describe('SMS', () => {
  conversationSuite(
    onRuntime(async (t) => {
      // The suite sends more than ten messages a minute from one number.
      const app = new Hono().route('/twilio/sms', smsRoutes(t.rt, { rateLimit: { limit: 100, windowSeconds: 60 } }));
      return (from) => {
        const text = async (body: string) => (await sendSms(app, from, body)).messages.join('\n');
        return { start: () => text('MENU'), send: text };
      };
    }),
    STRANGERS,
  );
});

describe('the test channel', () => {
  conversationSuite(
    onRuntime(async (t) => {
      const app = testChannelApp(t.rt.runner, t.rt.logger);
      return (from) => {
        const say = async (text?: string) => {
          const res = await app.request('/test/conversation', { method: 'POST', body: JSON.stringify({ from, ...(text !== undefined ? { text } : {}) }) });
          const a = (await res.json()) as TestAnswer;
          return [...a.said, ...a.options.map((o) => `${o.key}: ${o.label}`)].join('\n');
        };
        return { start: () => say(), send: (input) => say(input) };
      };
    }),
    STRANGERS,
  );
});
