import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.js';
import { BODY_LIMIT_BYTES } from '../../src/app.js';
import { dbTargets } from '../helpers/db.js';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.js';

describe.each(dbTargets())('the HTTP app on $name', (target) => {
  let t: TestRuntime;
  const lines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    t = await createTestRuntime({ target, redis: Boolean(process.env.TEST_REDIS_URL), logger: createLogger('debug', sink) });
  });
  afterAll(() => t?.close());

  it('reports status, version, database and session store on /health', async () => {
    const res = await t.app.request('/health');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      database: target.name === 'pglite' ? 'embedded' : 'postgres',
      sessions: process.env.TEST_REDIS_URL ? 'redis' : 'memory',
      unsignedWebhooks: true,
      outbound: 'outbox',
    });
  });

  it('sends security headers', async () => {
    const res = await t.app.request('/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBeTruthy();
  });

  it('keeps the security headers on what browsers read, even on a 404, and leaves them off Twilio webhooks', async () => {
    for (const path of ['/', '/agent/handoffs', '/nowhere']) {
      const res = await t.app.request(path);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
    const hook = await t.app.request('/twilio/voice', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'CallSid=x' });
    expect(hook.status).toBe(400);
    expect(hook.headers.get('x-frame-options')).toBeNull();
  });

  it('refuses a body over the limit with 413 naming the body', async () => {
    const res = await t.app.request('/twilio/sms', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Body=' + 'x'.repeat(BODY_LIMIT_BYTES + 10),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ field: 'body' });
    const declared = await t.app.request('/twilio/sms', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(BODY_LIMIT_BYTES + 1) },
      body: 'Body=x',
    });
    expect(declared.status).toBe(413);
  });

  it('logs every request once with the status it got, a refusal before any route included', async () => {
    const logged = (path: string) =>
      lines.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as { msg: string; path?: string; status?: number })
        .filter((l) => l.msg === 'request' && l.path === path);
    await t.app.request('/health');
    await t.app.request('/nowhere-logged');
    await t.app.request('/twilio/reminder/too-big', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(BODY_LIMIT_BYTES + 1) },
      body: 'x=1',
    });
    expect(logged('/health').at(-1)?.status).toBe(200);
    expect(logged('/nowhere-logged').map((l) => l.status)).toEqual([404]);
    expect(logged('/twilio/reminder/too-big').map((l) => l.status)).toEqual([413]);
    // A webhook with its length declared, as Twilio sends it: its own status, 200 or 400.
    const call = { CallSid: 'CA' + '0'.repeat(32), From: '+85261112222', To: '+85236690000' };
    for (const body of [new URLSearchParams(call).toString(), 'CallSid=CA1']) {
      await t.app.request('/twilio/voice', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) },
        body,
      });
    }
    expect(logged('/twilio/voice').map((l) => l.status).slice(-2)).toEqual([200, 400]);
  });

  it('logs requests without phone numbers or message bodies', async () => {
    const body = new URLSearchParams({ From: '+85261112222', To: '+85236690000', Body: 'STATUS 261100000013', MessageSid: 'SM' + '0'.repeat(32) });
    await t.app.request('/twilio/sms', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const all = lines.join('');
    expect(all).toContain('/twilio/sms');
    expect(all).not.toContain('61112222');
    expect(all).not.toContain('STATUS 2611');
  });
});

describe('the body limit without a declared length', () => {
  it('refuses a chunked body over the limit with 413', async () => {
    const t = await createTestRuntime();
    try {
      const big = new TextEncoder().encode('Body=' + 'x'.repeat(BODY_LIMIT_BYTES + 10));
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(big);
          controller.close();
        },
      });
      const res = await t.app.request('/twilio/sms', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
        body: stream,
        // @ts-expect-error: undici needs duplex for a streamed request body
        duplex: 'half',
      });
      expect(res.status).toBe(413);
    } finally {
      await t.close();
    }
  });
});
