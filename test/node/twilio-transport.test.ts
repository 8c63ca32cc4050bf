// The twilio SDK over our transport (src/channels/twilio/http-client.ts), against a real HTTP
// server on loopback: what reaches the wire, and what the SDK makes of the answers.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { twilioClient, twilioForm } from '../../src/node/twilio-transport.js';
import { classifyTwilioError, createTwilioProvider } from '../../src/channels/twilio/rest.js';

const SID = 'AC' + '1'.repeat(32);
const TOKEN = 'http-client-test-token';

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
  contentType: string | undefined;
  form: URLSearchParams;
}

let server: Server;
let base: string;
let seen: Seen[] = [];
let answer: (req: IncomingMessage) => { status: number; body: unknown; delayMs?: number } = () => ({ status: 201, body: {} });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        path: req.url!,
        auth: req.headers.authorization,
        contentType: req.headers['content-type'],
        form: new URLSearchParams(body),
      });
      const a = answer(req);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(a.body));
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
});

describe('twilioForm', () => {
  it('encodes arrays as repeated keys, dates as ISO, and leaves out what is unset', () => {
    const form = new URLSearchParams(
      twilioForm({ To: '+85261234567', StatusCallbackEvent: ['initiated', 'completed'], Skip: undefined, None: null, At: new Date('2026-11-26T04:00:00Z'), N: 3 }),
    );
    expect(form.getAll('StatusCallbackEvent')).toEqual(['initiated', 'completed']);
    expect(form.get('To')).toBe('+85261234567');
    expect(form.get('At')).toBe('2026-11-26T04:00:00.000Z');
    expect(form.get('N')).toBe('3');
    expect(form.has('Skip') || form.has('None')).toBe(false);
  });
});

describe('the SDK over TwilioHttpClient', () => {
  it('posts a message as a signed-in form to the API base given, and reads the sid Twilio answers', async () => {
    answer = () => ({ status: 201, body: { sid: 'SM' + 'a'.repeat(32), status: 'queued' } });
    const client = twilioClient(SID, TOKEN, { apiBase: base });
    const m = await client.messages.create({ to: '+85261234567', from: '+85230001234', body: '你好 token', statusCallback: 'https://x.example/cb?a=1&b=2' });
    expect(m.sid).toBe('SM' + 'a'.repeat(32));
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req.auth).toBe('Basic ' + Buffer.from(`${SID}:${TOKEN}`).toString('base64'));
    expect(req.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(req.form)).toEqual({ To: '+85261234567', From: '+85230001234', Body: '你好 token', StatusCallback: 'https://x.example/cb?a=1&b=2' });
  });

  it('places a call with every status callback event as its own parameter', async () => {
    answer = () => ({ status: 201, body: { sid: 'CA' + 'b'.repeat(32), status: 'queued' } });
    const provider = createTwilioProvider({ from: '+85230001234', client: twilioClient(SID, TOKEN, { apiBase: base }) });
    const r = await provider.placeCall({ to: '+85261234567', url: 'https://x.example/call', purpose: 'test', summary: 's', statusCallback: 'https://x.example/st', machineDetection: true });
    expect(r).toEqual({ ok: true, sid: 'CA' + 'b'.repeat(32), via: 'provider' });
    expect(seen[0]!.form.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(seen[0]!.form.get('MachineDetection')).toBe('DetectMessageEnd');
  });

  it('lists with the filters in the query string', async () => {
    answer = () => ({ status: 200, body: { messages: [], next_page_uri: null } });
    const client = twilioClient(SID, TOKEN, { apiBase: base });
    await client.messages.list({ to: '+85261234567', from: '+85230001234', limit: 50 });
    const url = new URL(seen[0]!.path, base);
    expect(seen[0]!.method).toBe('GET');
    expect(url.pathname).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(url.searchParams.get('To')).toBe('+85261234567');
    expect(url.searchParams.get('From')).toBe('+85230001234');
  });

  it("turns Twilio's refusal into the SDK's error, with its code and status", async () => {
    answer = () => ({ status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } });
    const client = twilioClient(SID, TOKEN, { apiBase: base });
    const err = await client.messages.create({ to: '+85200000000', from: '+85230001234', body: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 21211 });
    expect(classifyTwilioError(err)).toMatchObject({ kind: 'permanent', code: 21211 });
  });

  it('gives up after its timeout, and the send counts as temporary', async () => {
    answer = () => ({ status: 201, body: { sid: 'SMlate' }, delayMs: 2_000 });
    const client = twilioClient(SID, TOKEN, { apiBase: base, timeoutMs: 200 });
    const err = await client.messages.create({ to: '+85261234567', from: '+85230001234', body: 'x' }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/timed out after 200 ms/);
    expect(classifyTwilioError(err)).toMatchObject({ kind: 'temporary', status: null });
  });
});
