/**
 * The email sender: reminder emails through nodemailer over SMTP (SMTP_URL), in the driver's
 * language, with an unsubscribe link in the text and the List-Unsubscribe / List-Unsubscribe-Post
 * headers (RFC 8058). Without SMTP_URL, and for demo drivers or addresses on the reserved
 * `example.test` domain, the email goes to the outbox (masked address), as SMS do without Twilio.
 *
 * A refusal during the SMTP exchange (a 5xx reply, e.g. 550 unknown recipient) is permanent and
 * recorded like a failed SMS; a 4xx reply or a connection failure is temporary and retried. Bounce
 * messages that arrive later are not read (README, "Token-replacement reminders").
 */
import nodemailer from 'nodemailer';
import type { OutboxRepository } from '../core/ports.js';
import type { Logger } from '../logger.js';
import { render } from '../i18n.js';
import type { Locale } from '../core/types.js';
import type { LookupResult } from './ports.js';
import { reminderText, type Sender, type SendRequest } from './senders.js';
import type { ReminderFacts } from './messages.js';
import type { UnsubscribeSigner } from './unsubscribe.js';

/** `chan.taiman@example.test` -> `c***@example.test`: what logs and the outbox keep. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** Reserved for tests (RFC 2606, RFC 6761): never sent to. */
export const isReservedAddress = (email: string) => /@(?:[^@]+\.)?(example\.test|test|example|invalid|localhost)$/i.test(email.trim());

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
  unsubscribe: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The reminder email of `facts` in `locale`. */
export async function reminderEmail(to: string, locale: Locale, facts: ReminderFacts, signer: UnsubscribeSigner): Promise<EmailContent> {
  const unsubscribe = await signer.link(to, locale);
  const expired = facts.expiresOn < facts.today;
  const subject = render(
    { key: expired ? 'email:subject_expired' : 'email:subject', params: { serial: facts.serial, date: { kind: 'date', iso: facts.expiresOn } } },
    locale,
    'text',
  );
  const body = reminderText(facts, locale);
  const footer = render({ key: 'email:footer', params: { link: unsubscribe } }, locale, 'text');
  const linkText = render({ key: 'email:unsubscribe_link' }, locale, 'text');
  const lang = escapeHtml(locale);
  const html =
    `<!doctype html><html lang="${lang}"><body><p>${escapeHtml(body)}</p>` +
    `<p style="font-size:small">${escapeHtml(footer)}</p>` +
    `<p style="font-size:small"><a href="${escapeHtml(unsubscribe)}">${escapeHtml(linkText)}</a></p></body></html>`;
  return { subject, text: `${body}\n\n--\n${footer}\n`, html, unsubscribe };
}

export interface EmailSenderDeps {
  /** SMTP_URL; null: every email goes to the outbox. */
  smtpUrl: string | null;
  from: string;
  outbox: Pick<OutboxRepository, 'add'>;
  signer: UnsubscribeSigner;
  clock: { now(): Date };
  logger?: Logger;
  /** Seconds to wait for the SMTP server (connection, greeting, each reply). Default 15. */
  timeoutSeconds?: number;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

export interface EmailSender extends Sender {
  close(): void;
}

export function createEmailSender(deps: EmailSenderDeps): EmailSender {
  const ms = (deps.timeoutSeconds ?? 15) * 1000;
  const transport = deps.smtpUrl
    ? nodemailer.createTransport({ url: deps.smtpUrl, connectionTimeout: ms, greetingTimeout: ms, socketTimeout: ms })
    : null;

  const toOutbox = async (r: SendRequest, content: EmailContent, reason: 'no_credentials' | 'demo_number') => {
    const kept = await deps.outbox.add({
      kind: 'email',
      toMasked: maskEmail(r.to),
      body: `${content.subject}\n\n${content.text}`,
      purpose: r.purpose,
      reason,
      createdAt: deps.clock.now(),
    });
    deps.logger?.info({ kind: 'email', toMasked: maskEmail(r.to), purpose: r.purpose, reason, sid: kept.sid }, 'outbox');
    return { ok: true as const, sid: kept.sid, via: 'outbox' as const };
  };

  return {
    channel: 'email',
    async send(r) {
      const content = await reminderEmail(r.to, r.locale, r.facts, deps.signer);
      if (r.demo || isReservedAddress(r.to)) return toOutbox(r, content, 'demo_number');
      if (!transport) return toOutbox(r, content, 'no_credentials');
      try {
        const info = await transport.sendMail({
          from: deps.from,
          to: r.to,
          subject: content.subject,
          text: content.text,
          html: content.html,
          headers: {
            'List-Unsubscribe': `<${content.unsubscribe}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            'Content-Language': r.locale,
          },
        });
        if (info.rejected.length > 0) {
          return { ok: false, kind: 'permanent', code: null, status: null, message: `recipient refused: ${String(info.response ?? '')}`.slice(0, 300) };
        }
        return { ok: true, sid: info.messageId, via: 'provider' };
      } catch (err) {
        const e = err as SmtpError;
        const code = typeof e.responseCode === 'number' ? e.responseCode : null;
        return {
          ok: false,
          // A 5xx reply is the server's final no; a 4xx reply or no reply at all may pass.
          kind: code !== null && code >= 500 ? 'permanent' : 'temporary',
          code,
          status: null,
          message: `${e.code ?? 'smtp'}: ${e.message ?? String(err)}`.slice(0, 300),
        };
      }
    },
    async lookup(): Promise<LookupResult> {
      // The outbox was asked first (by purpose); SMTP servers answer no questions about past mail.
      return transport ? { found: 'unknown', reason: 'SMTP has no lookup' } : { found: false };
    },
    classify: (f) => (f.code !== null && f.code >= 500 ? 'permanent' : f.kind),
    close() {
      transport?.close();
    },
  };
}
