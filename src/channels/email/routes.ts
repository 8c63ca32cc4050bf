/**
 * The unsubscribe link of reminder emails, mounted at /email: email's STOP. One click (GET from the
 * link in the email, or the RFC 8058 one-click POST a mail client sends from List-Unsubscribe-Post)
 * records the opt-out and answers a short page in the driver's language. Later campaigns send no
 * email to that address (SMS and calls continue). An altered or incomplete link answers 400.
 */
import { Hono, type Context } from 'hono';
import type { Locale } from '../../core/types.js';
import { LOCALES } from '../../core/types.js';
import type { Logger } from '../../logger.js';
import { render } from '../../i18n.js';
import type { UnsubscribeSigner } from '../../reminders/unsubscribe.js';

export interface EmailRouteDeps {
  signer: Pick<UnsubscribeSigner, 'verify'>;
  optOuts: { set(email: string, optedOut: boolean, at: Date): Promise<void> };
  clock: { now(): Date };
  logger?: Logger;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (locale: Locale, text: string) => {
  const title = escapeHtml(render({ key: 'email:unsubscribed.title' }, locale, 'text'));
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body><main><h1>${title}</h1><p>${escapeHtml(text)}</p></main></body></html>`;
};

export function emailRoutes(deps: EmailRouteDeps): Hono {
  const app = new Hono();

  async function unsubscribe(c: Context): Promise<Response> {
    const lang = c.req.query('lang');
    const locale: Locale = (LOCALES as readonly string[]).includes(lang ?? '') ? (lang as Locale) : 'zh-HK';
    const e = c.req.query('e');
    const s = c.req.query('s');
    const email = e && s ? await deps.signer.verify(e, s) : null;
    if (!email) {
      const field = !e ? 'e' : !s ? 's' : 's';
      return c.html(page(locale, render({ key: 'email:unsubscribed.invalid' }, locale, 'text')), 400, { 'X-Invalid-Field': field });
    }
    await deps.optOuts.set(email, true, deps.clock.now());
    deps.logger?.info({ toMasked: `${email[0]}***${email.slice(email.lastIndexOf('@'))}` }, 'email unsubscribed');
    return c.html(page(locale, render({ key: 'email:unsubscribed.done', params: { email } }, locale, 'text')), 200);
  }

  app.get('/unsubscribe', unsubscribe);
  app.post('/unsubscribe', unsubscribe);
  return app;
}
