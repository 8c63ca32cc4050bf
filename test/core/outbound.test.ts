import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createTwilioProvider } from '../../src/channels/twilio/rest.js';
import { twilioClient } from '../../src/node/twilio-transport.js';
import { createOutbound } from '../../src/core/outbound.js';
import { createDataPorts } from '../../src/db/repositories/index.js';
import type { Database } from '../../src/db/connect.js';
import type { DataPorts } from '../../src/core/ports.js';
import { dbTargets } from '../helpers/db.js';

const ACCOUNT = 'AC' + '0'.repeat(31) + '1';
const MESSAGES = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Messages.json`;
const CALLS = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Calls.json`;
const FROM = '+85230010000';
const REAL = '+85261112222'; // not in the demo seed
const DEMO = '+85291234567'; // CHAN Tai Man, demo seed

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** What Twilio received: the form fields of each request. */
let received: { url: string; form: Record<string, string> }[] = [];
beforeEach(() => {
  received = [];
});

const twilioAnswers = (url: string, status: number, body: Record<string, unknown>) =>
  http.post(url, async ({ request }) => {
    received.push({ url: request.url, form: Object.fromEntries(new URLSearchParams(await request.text())) });
    return HttpResponse.json(body, { status });
  });

const twilioError = (code: number, status: number) => ({
  code,
  message: `error ${code}`,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

/** A logger whose lines the test can read. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const provider = () => createTwilioProvider({ client: twilioClient(ACCOUNT, 'test-auth-token'), from: FROM });

describe('Twilio provider', () => {
  it('sends an SMS and answers the message sid', async () => {
    server.use(twilioAnswers(MESSAGES, 201, { sid: 'SM' + 'a'.repeat(32), status: 'queued' }));
    const result = await provider().sendSms({
      to: REAL,
      body: 'Your token needs replacing.',
      purpose: 'token_reminder',
      statusCallback: 'https://rocars.example/twilio/sms/status',
    });
    expect(result).toEqual({ ok: true, sid: 'SM' + 'a'.repeat(32), via: 'provider' });
    expect(received).toHaveLength(1);
    expect(received[0]!.form).toMatchObject({
      To: REAL,
      From: FROM,
      Body: 'Your token needs replacing.',
      StatusCallback: 'https://rocars.example/twilio/sms/status',
    });
  });

  it('places a call with answering-machine detection when asked', async () => {
    server.use(twilioAnswers(CALLS, 201, { sid: 'CA' + 'b'.repeat(32), status: 'queued' }));
    const result = await provider().placeCall({
      to: REAL,
      url: 'https://rocars.example/twilio/voice/reminder?campaign=1',
      purpose: 'token_reminder',
      summary: 'Token reminder',
      statusCallback: 'https://rocars.example/twilio/voice/status',
      machineDetection: true,
    });
    expect(result).toEqual({ ok: true, sid: 'CA' + 'b'.repeat(32), via: 'provider' });
    expect(received[0]!.form).toMatchObject({
      To: REAL,
      From: FROM,
      Url: 'https://rocars.example/twilio/voice/reminder?campaign=1',
      StatusCallback: 'https://rocars.example/twilio/voice/status',
      MachineDetection: 'DetectMessageEnd',
    });
  });

  it('does not ask for machine detection unless told to', async () => {
    server.use(twilioAnswers(CALLS, 201, { sid: 'CA' + 'c'.repeat(32) }));
    await provider().placeCall({ to: REAL, url: 'https://rocars.example/x', purpose: 'p', summary: 's' });
    expect(received[0]!.form).not.toHaveProperty('MachineDetection');
  });

  it.each([
    [21610, 400],
    [21211, 400],
    [21614, 400],
    [21612, 400],
    [21408, 400],
    [20404, 404],
  ])('answers permanent for Twilio error %i (HTTP %i)', async (code, status) => {
    server.use(twilioAnswers(MESSAGES, status, twilioError(code, status)));
    const result = await provider().sendSms({ to: REAL, body: 'x', purpose: 'p' });
    expect(result).toMatchObject({ ok: false, kind: 'permanent', code, status });
  });

  it.each([
    [429, 20429],
    [503, 20503],
    [500, 20500],
  ])('answers temporary for HTTP %i', async (status, code) => {
    server.use(twilioAnswers(MESSAGES, status, twilioError(code, status)));
    const result = await provider().sendSms({ to: REAL, body: 'x', purpose: 'p' });
    expect(result).toMatchObject({ ok: false, kind: 'temporary', status });
  });

  it('answers temporary when the network fails', async () => {
    server.use(http.post(CALLS, () => HttpResponse.error()));
    const result = await provider().placeCall({ to: REAL, url: 'https://rocars.example/x', purpose: 'p', summary: 's' });
    expect(result).toMatchObject({ ok: false, kind: 'temporary', status: null });
  });

  it('logs a refusal with the masked number only', async () => {
    const { logger, lines } = capturedLogger();
    server.use(twilioAnswers(MESSAGES, 400, twilioError(21610, 400)));
    const p = createTwilioProvider({ client: twilioClient(ACCOUNT, 'test-auth-token'), from: FROM, logger });
    await p.sendSms({ to: REAL, body: 'secret body text', purpose: 'token_reminder' });
    const log = lines.join('');
    expect(log).toContain('+852****2222');
    expect(log).not.toContain(REAL);
    expect(log).not.toContain('secret body text');
  });
});

describe.each(dbTargets())('outbound on $name', (target) => {
  let db: Database;
  let ports: DataPorts;
  const clock = { now: () => new Date('2026-11-26T10:00:00+08:00') };

  beforeAll(async () => {
    db = await target.open();
    ports = createDataPorts(db.sql);
    await db.sql`
      INSERT INTO drivers (driver_no, name_en, name_zh, mobile, locale, id_document_type, id_document_number, demo)
      VALUES ('41000019', 'CHAN Tai Man', '陳大文', ${DEMO}, 'zh-HK', 'hkid', 'A1234563', true)
      ON CONFLICT DO NOTHING`;
  });
  afterAll(() => db?.close());

  it('keeps messages in the outbox when there are no credentials', async () => {
    const { logger, lines } = capturedLogger();
    const outbound = createOutbound({ outbox: ports.outbox, drivers: ports.drivers, provider: null, clock, logger });
    const result = await outbound.sendSms({ to: REAL, body: 'Bring your token to a post office.', purpose: 'token_reminder' });
    expect(result).toMatchObject({ ok: true, via: 'outbox' });
    const sid = result.ok ? result.sid : '';
    expect(sid).toMatch(/^OB/);
    const [kept] = (await ports.outbox.list(50)).filter((e) => e.sid === sid);
    expect(kept).toMatchObject({
      kind: 'sms',
      toMasked: '+852****2222',
      body: 'Bring your token to a post office.',
      purpose: 'token_reminder',
      reason: 'no_credentials',
    });
    expect(kept!.createdAt.getTime()).toBe(clock.now().getTime());
    const log = lines.join('');
    expect(log).toContain('+852****2222');
    expect(log).toContain('token_reminder');
    expect(log).not.toContain(REAL);
    expect(log).not.toContain('Bring your token');
  });

  it('never sends to a demo-seed number, even with credentials', async () => {
    // No msw handler: a request to Twilio would fail the test (onUnhandledRequest: 'error').
    const outbound = createOutbound({ outbox: ports.outbox, drivers: ports.drivers, provider: provider(), clock });
    const sms = await outbound.sendSms({ to: DEMO, body: 'demo text', purpose: 'token_reminder' });
    const call = await outbound.placeCall({ to: DEMO, url: 'https://rocars.example/x', purpose: 'token_reminder', summary: 'Token reminder call' });
    expect(sms).toMatchObject({ ok: true, via: 'outbox' });
    expect(call).toMatchObject({ ok: true, via: 'outbox' });
    expect(received).toHaveLength(0);
    const kept = await ports.outbox.list(50);
    const callEntry = kept.find((e) => call.ok && e.sid === call.sid);
    expect(callEntry).toMatchObject({ kind: 'call', toMasked: '+852****4567', body: 'Token reminder call', reason: 'demo_number' });
    expect(kept.every((e) => !e.toMasked.includes('91234567'))).toBe(true);
  });

  it('sends other numbers through the provider when there are credentials', async () => {
    server.use(twilioAnswers(MESSAGES, 201, { sid: 'SM' + 'd'.repeat(32) }));
    const outbound = createOutbound({ outbox: ports.outbox, drivers: ports.drivers, provider: provider(), clock });
    const before = (await ports.outbox.list(500)).length;
    const result = await outbound.sendSms({ to: REAL, body: 'hello', purpose: 'token_reminder' });
    expect(result).toEqual({ ok: true, sid: 'SM' + 'd'.repeat(32), via: 'provider' });
    expect(received[0]!.form).toMatchObject({ To: REAL, Body: 'hello' });
    expect((await ports.outbox.list(500)).length).toBe(before);
  });

  it("passes the provider's refusal on", async () => {
    server.use(twilioAnswers(MESSAGES, 400, twilioError(21610, 400)));
    const outbound = createOutbound({ outbox: ports.outbox, drivers: ports.drivers, provider: provider(), clock });
    const result = await outbound.sendSms({ to: REAL, body: 'hello', purpose: 'token_reminder' });
    expect(result).toMatchObject({ ok: false, kind: 'permanent', code: 21610 });
  });
});
