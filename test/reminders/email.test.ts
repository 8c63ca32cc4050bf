// Email reminders end to end through a REAL SMTP server (smtp-server on 127.0.0.1:0): campaign ->
// scheduler -> in-process queue -> nodemailer -> the server; SMS through msw's fake Twilio.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { dbTargets } from '../helpers/db.js';
import type { Database } from '../../src/db/connect.js';
import { emailRoutes } from '../../src/channels/email/routes.js';
import { useTwilioSim } from './fake-twilio.js';
import { harness, LEASE_MS, type Harness } from './harness.js';
import { hkAt, insertDrivers, testDriver, type TestDriver } from './fixtures.js';

const { sim } = useTwilioSim();

interface Received {
  to: string[];
  raw: string;
}

/** A local SMTP server: refuses recipients starting with "refuse" (550), keeps every message. */
async function smtpServer(): Promise<{ url: string; received: Received[]; rcptTries: string[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const rcptTries: string[] = [];
  const srv = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      rcptTries.push(address.address);
      if (address.address.startsWith('refuse')) {
        const err = Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 });
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const port = (srv.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, received, rcptTries, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

const qp = (s: string) => Buffer.from(s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');

/** A header's value, unfolded and with RFC 2047 words decoded. */
function header(raw: string, name: string): string | null {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'));
  if (!line) return null;
  return line
    .slice(name.length + 1)
    .trim()
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
      enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : qp(text.replace(/_/g, ' ')),
    );
}

/** The decoded text/plain part. */
function textPart(raw: string): string {
  const m = /Content-Type: text\/plain[^]*?Content-Transfer-Encoding: ([\w-]+)\r?\n\r?\n([^]*?)\r?\n--/i.exec(raw);
  if (!m) throw new Error(`no text part in:\n${raw}`);
  return m[1]!.toLowerCase() === 'base64' ? Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64').toString('utf8') : m[1]!.toLowerCase() === 'quoted-printable' ? qp(m[2]!) : m[2]!;
}

let next = 9001;
async function drivers(h: Harness, label: string, specs: (Partial<TestDriver> & { email?: string })[]): Promise<TestDriver[]> {
  const list = specs.map((s) => testDriver(next++, { labelColour: label, ...s }));
  await insertDrivers(h.db.sql, list);
  for (const [i, s] of specs.entries()) if (s.email) await h.db.sql`UPDATE drivers SET email = ${s.email} WHERE driver_no = ${list[i]!.driverNo}`;
  return list;
}

async function runCampaign(h: Harness, label: string): Promise<number> {
  h.clock.set(hkAt('2026-10-01'));
  const { campaign } = await h.kit.campaigns.create({ labelColour: label });
  h.clock.set(hkAt('2026-12-01', '10:00'));
  await h.run();
  await h.run();
  return campaign.id;
}

describe.each(dbTargets())('email reminders on $name', (target) => {
  let db: Database;
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  let h: Harness;
  beforeAll(async () => {
    db = await target.open();
    smtp = await smtpServer();
    h = await harness(db, { SMTP_URL: smtp.url, EMAIL_FROM: 'ROCARS <reminders@rocars.example>', EMAIL_UNSUBSCRIBE_SECRET: 'unsubscribe-secret-for-tests-0123' });
  });
  afterAll(async () => {
    h?.kit.close();
    await h?.close();
    await smtp?.close();
    await db?.close();
  });
  afterEach(async () => {
    await h.db.sql`UPDATE reminder_campaigns SET status = 'paused'`;
  });

  it('sends the email alongside the SMS, in the driver’s language, with an unsubscribe link, and records it', async () => {
    const [d] = await drivers(h, 'mail', [{ locale: 'zh-HK', email: 'chan@rocars-mail.hk' }]);
    const id = await runCampaign(h, 'mail');

    expect(sim.sentTo(d!.mobile!).map((a) => a.kind)).toEqual(['sms']); // the first rung still goes
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.to).toEqual(['chan@rocars-mail.hk']);
    expect(header(mail.raw, 'To')).toBe('chan@rocars-mail.hk');
    expect(header(mail.raw, 'Subject')).toBe('ROCARS：你的保安編碼器 ' + d!.serial + ' 將於 2026年12月31日 到期');
    const text = textPart(mail.raw);
    expect(text).toContain('香港海關');
    expect(text).toContain('保安編碼器');
    const unsubscribe = header(mail.raw, 'List-Unsubscribe')!;
    expect(unsubscribe).toMatch(/^<https:\/\/rocars\.example\/email\/unsubscribe\?e=[\w-]+&s=[\w-]+&lang=zh-HK>$/);
    expect(header(mail.raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(text).toContain(unsubscribe.slice(1, -1));

    const attempts = await h.kit.attempts.list({ campaignId: id, channel: 'email' });
    expect(attempts).toMatchObject([{ channel: 'email', state: 'sent', attempt: 1, via: 'provider' }]);
    expect(attempts[0]!.providerId).toMatch(/^<.+>$/);
    // One attempts record for every channel: the SMS's holds the sid Twilio gave.
    const [sms] = await h.kit.attempts.list({ campaignId: id, channel: 'sms' });
    expect(sms).toMatchObject({ state: 'sent', attempt: 1, via: 'provider', providerId: sim.sentTo(d!.mobile!)[0]!.sid });
    expect((await h.kit.repo.stages({ campaignId: id }))[0]).toMatchObject({ state: 'sent', channel: 'sms' });
    const report = await h.kit.campaigns.report(id);
    expect(report!.byChannel).toMatchObject({ sms: { sent: 1 }, email: { sent: 1, failed: 0 } });
  });

  it('records a recipient the SMTP server refuses (550) as failed, and does not try again', async () => {
    await drivers(h, 'refused', [{ locale: 'en', email: 'refuse-me@rocars-mail.hk' }]);
    const id = await runCampaign(h, 'refused');
    await h.run();
    expect(smtp.rcptTries.filter((a) => a === 'refuse-me@rocars-mail.hk')).toHaveLength(1);
    const [a] = await h.kit.attempts.list({ campaignId: id, channel: 'email' });
    expect(a).toMatchObject({ channel: 'email', state: 'failed', attempt: 1, errorCode: 550 });
    expect(a!.lastError).toMatch(/^permanent/);
    expect((await h.kit.campaigns.report(id))!.byChannel.email).toEqual({ sent: 0, delivered: 0, failed: 1 });
    expect((await h.kit.repo.stages({ campaignId: id }))[0]).toMatchObject({ state: 'sent', channel: 'sms' });
  });

  it('the unsubscribe link records the opt-out; the next campaign sends SMS but no email', async () => {
    const [d] = await drivers(h, 'unsub1', [{ locale: 'zh-CN', email: 'Wang@Rocars-Mail.hk' }]);
    await runCampaign(h, 'unsub1');
    const mail = smtp.received.find((m) => m.to.some((t) => t.toLowerCase() === 'wang@rocars-mail.hk'))!;
    const link = new URL(header(mail.raw, 'List-Unsubscribe')!.slice(1, -1));
    const app = new Hono().route('/email', emailRoutes(h.kit.unsubscribe));

    const forged = await app.request(`${link.pathname}?e=${link.searchParams.get('e')}&s=AAAA&lang=zh-CN`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('此取消订阅链接不完整或已被更改');
    expect((await h.db.sql`SELECT * FROM email_opt_outs`).length).toBe(0);

    // RFC 8058: the mail client's one-click POST.
    const res = await app.request(link.pathname + link.search, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('lang="zh-CN"');
    expect(page).toContain('将不会再收到提醒电子邮件');
    expect(await h.db.sql`SELECT email, opted_out FROM email_opt_outs`).toEqual([{ email: 'wang@rocars-mail.hk', opted_out: true }]);

    // A later campaign (the token's next label: a new one for this driver) sends the SMS only.
    await h.db.sql`UPDATE reminder_deliveries SET status = 'stopped' WHERE driver_no = ${d!.driverNo}`;
    await h.db.sql`UPDATE tokens SET label_colour = 'unsub2' WHERE driver_no = ${d!.driverNo}`;
    const before = smtp.received.length;
    sim.reset();
    const id2 = await runCampaign(h, 'unsub2');
    expect(sim.sentTo(d!.mobile!).map((a) => a.kind)).toEqual(['sms']);
    expect(smtp.received.length).toBe(before);
    expect(await h.kit.attempts.list({ campaignId: id2, channel: 'email' })).toEqual([]);
  });

  it('an email whose job was lost (the worker died after opening its attempt) is handed out again by the safety net', async () => {
    const [d] = await drivers(h, 'lost', [{ locale: 'en' }]);
    const id = await runCampaign(h, 'lost');
    const [stage] = await h.kit.repo.stages({ campaignId: id });
    expect(stage).toMatchObject({ state: 'sent', channel: 'sms' });
    // What the dead worker left: the driver's address known, the email's attempt opened, no job.
    await h.db.sql`UPDATE drivers SET email = 'lost@rocars-mail.hk' WHERE driver_no = ${d!.driverNo}`;
    await h.kit.attempts.open({ deliveryId: stage!.deliveryId, stage: stage!.stage, channel: 'email' }, h.clock.now());
    await h.run();
    expect(smtp.received.filter((m) => m.to.includes('lost@rocars-mail.hk'))).toHaveLength(0); // not before the requeue delay
    h.clock.set(new Date(h.clock.now().getTime() + 2 * LEASE_MS));
    await h.run();
    expect(smtp.received.filter((m) => m.to.includes('lost@rocars-mail.hk'))).toHaveLength(1);
    expect(await h.kit.attempts.list({ campaignId: id, channel: 'email' })).toMatchObject([{ state: 'sent', attempt: 1 }]);
  });

  it('demo addresses (example.test) go to the outbox, masked, never to the server', async () => {
    await drivers(h, 'demo', [{ locale: 'en', email: 'lee.siuming@example.test' }]);
    const before = smtp.rcptTries.length;
    const id = await runCampaign(h, 'demo');
    expect(smtp.rcptTries.length).toBe(before);
    const [a] = await h.kit.attempts.list({ campaignId: id, channel: 'email' });
    expect(a).toMatchObject({ channel: 'email', state: 'sent', via: 'outbox' });
    const [kept] = await h.db.sql<{ kind: string; to_masked: string; body: string; reason: string }[]>`
      SELECT kind, to_masked, body, reason FROM outbox WHERE sid = ${a!.providerId}`;
    expect(kept).toMatchObject({ kind: 'email', to_masked: 'l***@example.test', reason: 'demo_number' });
    expect(kept!.body).toContain('expires on 31 December 2026');
  });
});

describe.each(dbTargets())('email reminders without a reachable SMTP server on $name', (target) => {
  it('retries a connection failure (temporary), then records it as failed; the SMS goes regardless', async () => {
    const db = await target.open();
    const down = await smtpServer();
    await down.close(); // nothing listens on its port any more
    const h = await harness(db, { SMTP_URL: down.url, EMAIL_UNSUBSCRIBE_SECRET: 'unsubscribe-secret-for-tests-0123' });
    try {
      const [d] = await drivers(h, 'down', [{ locale: 'en', email: 'driver@rocars-mail.hk' }]);
      const id = await runCampaign(h, 'down');
      await h.run();
      expect(sim.sentTo(d!.mobile!).map((a) => a.kind)).toEqual(['sms']);
      const [a] = await h.kit.attempts.list({ campaignId: id, channel: 'email' });
      // The harness's queue runs a job 4 times: each run was a new attempt after a temporary failure.
      expect(a).toMatchObject({ channel: 'email', state: 'failed', attempt: 4 });
      expect(a!.lastError).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
    } finally {
      h.kit.close();
      await h.close();
      await db.close();
    }
  });
});
