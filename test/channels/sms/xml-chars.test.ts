/**
 * Characters XML 1.0 forbids, in an SMS: stripped by the Twilio guard after the signature check, so a
 * reply that echoes the text is still TwiML (it used to fail in the XML writer and become "something
 * went wrong", with the text in the error log). No log line carries a message's text. Any string
 * as Body gives 200 and well-formed TwiML (fast-check).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { createLogger } from '../../../src/logger.js';
import { createApp } from '../../../src/app.js';
import { smsRoutes } from '../../../src/channels/sms/routes.js';
import { expectValidTwiml } from '../../helpers/twiml.js';
import { DEMO, openHarness, sendSms, withFailingStatus, type Harness } from './harness.js';

const START = new Date('2026-12-07T02:00:00Z');
let n = 0;
/** A sender of its own for each message: the app's rate limit (10 a minute) stays out of the way. */
const sender = () => `+8526100${String(++n).padStart(4, '0')}`;

/**
 * One of each class. Over HTTP a lone surrogate cannot be sent (the form is UTF-8): it arrives as
 * U+FFFD, which XML allows; the pure function's own test covers it.
 */
const FORBIDDEN: [string, string, string][] = [
  ['NUL', '\u0000', ''],
  ['VT', '\u000b', ''],
  ['FF', '\u000c', ''],
  ['U+001F', '\u001f', ''],
  ['a lone high surrogate', '\ud800', '\ufffd'],
  ['U+FFFE', '\ufffe', ''],
];

describe('characters XML forbids, in an SMS', () => {
  let h: Harness;
  const lines: string[] = [];
  let app: Hono;
  /** Every answer, validated against the TwiML schema at the end (one xmllint run). */
  const twimls: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    h = await openHarness({ start: START, logger: createLogger('debug', sink) });
    // The whole app, so that the request log line is captured too.
    app = createApp(h.rt);
  });
  afterAll(() => h?.close());

  it.each(FORBIDDEN)('echoes a CCRN typed with %s back without it, in valid TwiML', async (_, ch, arrives) => {
    const r = await sendSms(app, sender(), `STATUS 2611${ch}0000`);
    expect(r.status).toBe(200);
    twimls.push(r.body);
    expect(r.messages).toEqual([`A CCRN has 12 digits; 2611${arrives}0000 is not one. Check it and send again.`]);
    const reg = await sendSms(app, sender(), `REG 20${ch}26`);
    twimls.push(reg.body);
    expect(reg.messages).toEqual([expect.stringMatching(new RegExp(`10 digits; 20${arrives}26 is not one`))]);
  });

  it('reads a command with such characters inside it as if they were not there', async () => {
    const r = await sendSms(app, sender(), `STATUS 2611\u00000000\u001f0013\ufffe`);
    expect(r.messages).toEqual([expect.stringMatching(/^CCRN 2611 0000 0013: not yet bundled/)]);
    const flow = await sendSms(app, sender(), 'hel\u0000lo\u000b');
    twimls.push(flow.body);
    expect(flow.messages).toEqual([expect.stringMatching(/^Welcome to ROCARS/)]);
  });

  it('answers any string as Body with 200 and well-formed TwiML, and no apology', async () => {
    const bodies: string[] = [];
    const prefix = fc.constantFrom('', 'STATUS ', 'REG ', 'BUNDLE ', 'CANCEL ', '狀態', 'LANG ', 'STOP ');
    await fc.assert(
      fc.asyncProperty(prefix, fc.string({ unit: 'binary', maxLength: 80 }), async (p, rest) => {
        const r = await sendSms(app, sender(), p + rest);
        expect(r.status).toBe(200);
        expect(r.contentType).toMatch(/^text\/xml/);
        for (const m of r.messages) expect(m).not.toMatch(/something went wrong/);
        bodies.push(r.body);
      }),
      { numRuns: 150 },
    );
    await expectValidTwiml(bodies);
  });

  it('writes no log line with the text of a message, even when our side fails with it in the error', async () => {
    const mark = 'QZXJ4471';
    const who = '+85260002003';
    const sent = [`STATUS ${mark}\u0000`, `REG ${mark}`, `${mark} hello`, `BUNDLE AB1234 ${mark} 123456`, `STOP ${mark}`, `START ${mark}`];
    for (const body of sent) expect((await sendSms(app, who, body)).status).toBe(200);
    // A failure of ours whose error message quotes the text (as the XML writer's did).
    const failing = new Hono().route('/twilio/sms', smsRoutes(withFailingStatus(h.rt, `Invalid character in string: ${mark}`)));
    const r = await sendSms(failing, who, `STATUS ${DEMO.ccrn.in1}`);
    expect(r.messages).toEqual([expect.stringMatching(/something went wrong/)]);
    const all = lines.join('');
    expect(all).toMatch(/sms turn failed/);
    expect(all).toMatch(/"messageSid":"SM/);
    expect(all).not.toContain(mark);
    expect(all).not.toContain(who.slice(4));
  });

  it('answered with TwiML that passes the schema', async () => {
    expect(twimls.length).toBeGreaterThan(10);
    await expectValidTwiml(twimls);
  });
});
