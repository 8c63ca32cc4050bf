import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CENSOR, createLogger, errorFields, REDACTED_FIELDS, redact } from '../src/logger.js';

/** A logger at debug that keeps each line, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

describe('the logger’s safety net', () => {
  it('censors every listed field at the top, one and two levels down, and in arrays', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        From: '+85261112222',
        callSid: 'CA1',
        params: { Body: 'STATUS 261100000013', Digits: '123456', CallSid: 'CA1' },
        call: { driver: { mobile: '+85261112222', driverNo: '20000018' } },
        list: [{ code: '654321', ok: true }],
      },
      'something',
    );
    const line = lines[0]!;
    expect(line).toMatchObject({
      From: CENSOR,
      callSid: 'CA1',
      params: { Body: CENSOR, Digits: CENSOR, CallSid: 'CA1' },
      call: { driver: { mobile: CENSOR, driverNo: '20000018' } },
      list: [{ code: CENSOR, ok: true }],
      msg: 'something',
    });
    const text = JSON.stringify(line);
    for (const secret of ['61112222', 'STATUS 2611', '123456', '654321']) expect(text).not.toContain(secret);
  });

  it('knows every listed field', () => {
    const all = Object.fromEntries(REDACTED_FIELDS.map((f) => [f, 'secret-value']));
    expect(JSON.stringify(redact({ a: all }))).not.toContain('secret-value');
  });

  it('never changes the objects it is given, and copies nothing when there is nothing to hide', () => {
    const params = { From: '+85261112222', CallSid: 'CA1' };
    const logged = { params };
    const out = redact(logged) as { params: Record<string, string> };
    expect(params.From).toBe('+85261112222');
    expect(out.params.From).toBe(CENSOR);
    const clean = { method: 'POST', path: '/twilio/voice/turn', status: 200, nested: { ms: 3 } };
    expect(redact(clean)).toBe(clean);
  });

  it('keeps an error’s message and stack when it hides one of its fields', () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('send failed'), { body: 'Your code is 123456' });
    logger.error({ err }, 'sms send failed');
    const logged = lines[0]!.err as Record<string, unknown>;
    expect(logged.message).toBe('send failed');
    expect(String(logged.stack)).toContain('send failed');
    expect(logged.body).toBe(CENSOR);
    expect(err.body).toBe('Your code is 123456');
  });

  it('stops three levels down, as documented', () => {
    expect(redact({ a: { b: { c: { From: 'x' } } } })).toEqual({ a: { b: { c: { From: 'x' } } } });
    expect(redact({ a: { b: { From: 'x' } } })).toEqual({ a: { b: { From: CENSOR } } });
  });

  it('logs of an error that may quote a message its name, code and frames, never its message', () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('Invalid character in string: STATUS 2611\u00000000\nsecond line'), { code: 'ECONNREFUSED' });
    logger.error({ err: errorFields(err) }, 'sms turn failed');
    const logged = lines[0]!.err as Record<string, unknown>;
    expect(logged).toMatchObject({ name: 'Error', errorCode: 'ECONNREFUSED', stack: expect.stringMatching(/^\s+at /) });
    expect(JSON.stringify(lines[0])).not.toMatch(/STATUS|second line|Invalid character/);
    expect(errorFields('a string thrown')).toEqual({ name: 'string' });
  });
});
