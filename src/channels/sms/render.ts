/**
 * A Reply (or a list of messages) as SMS text, in the reply's language with i18next's `_text`
 * context. Menus become "Reply with a number:" and one "1 Bundle…" line per option; a hand-off to an
 * agent becomes the hotline number (a text cannot be transferred). Pure: no Hono, no store.
 */
import type { Locale } from '../../core/types.js';
import type { Expect, MenuOption, Msg, MsgParam, Reply } from '../../flows/reply.js';
import { formatDate, formatDigits, formatTime, render } from '../../i18n.js';

/** A nested message whose `params` (in order) are items to join in the reply's language. */
export const JOIN_KEY = 'sms:join';

export function joinList(items: MsgParam[]): MsgParam {
  return { kind: 'key', key: JOIN_KEY, params: Object.fromEntries(items.map((p, i) => [`i${i}`, p])) };
}

const SEPARATOR: Record<Locale, string> = { en: ', ', 'zh-HK': '、', 'zh-CN': '、' };

/** Menu keys that mean nothing in a text: "repeat" (a text stays on screen). */
export const SMS_HIDDEN_KEYS: ReadonlySet<string> = new Set(['*']);

function formatParam(p: MsgParam, locale: Locale): string {
  if (typeof p === 'string' || typeof p === 'number') return String(p);
  switch (p.kind) {
    case 'digits':
      return formatDigits(p.value, 'text', p.group ?? 4);
    case 'time':
      return formatTime(p.iso, locale);
    case 'date':
      return formatDate(p.iso, locale);
    case 'key':
      return renderMsg({ key: p.key, params: p.params }, locale);
  }
}

/** Joined lists resolved to text at any depth; everything else is left to i18n's render. */
function resolve(p: MsgParam, locale: Locale): MsgParam {
  if (typeof p !== 'object' || p.kind !== 'key') return p;
  if (p.key === JOIN_KEY) {
    return Object.values(p.params ?? {})
      .map((item) => formatParam(resolve(item, locale), locale))
      .join(SEPARATOR[locale]);
  }
  return p.params ? { ...p, params: resolveAll(p.params, locale) } : p;
}

function resolveAll(params: Record<string, MsgParam>, locale: Locale): Record<string, MsgParam> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, resolve(v, locale)]));
}

/** One message as text. */
export function renderMsg(msg: Msg, locale: Locale): string {
  const lng = msg.locale ?? locale;
  return render({ key: msg.key, ...(msg.params ? { params: resolveAll(msg.params, lng) } : {}), ...(msg.context ? { context: msg.context } : {}) }, lng, 'text');
}

/** Messages as one SMS body, one per line. */
export function renderMessages(msgs: Msg[], locale: Locale): string {
  return msgs
    .map((msg) => renderMsg(msg, locale).trim())
    .filter(Boolean)
    .join('\n');
}

/** An option's label; one in another language (the language menu) is rendered in that language. */
function optionLabel(o: MenuOption, locale: Locale): MsgParam {
  if (o.locale && o.locale !== locale) return renderMsg({ key: o.label, ...(o.params ? { params: o.params } : {}), locale: o.locale }, locale);
  return { kind: 'key', key: o.label, ...(o.params ? { params: o.params } : {}) };
}

function expectLines(expect: Expect, locale: Locale): Msg[] {
  switch (expect.kind) {
    case 'menu': {
      const options = expect.options.filter((o) => !SMS_HIDDEN_KEYS.has(o.key));
      return [
        { key: 'sms:menu.reply_with' },
        ...options.map((o) => ({
          key: 'sms:menu.option',
          params: { key: o.key, label: optionLabel(o, locale) },
        })),
      ];
    }
    case 'yesno':
      return [{ key: 'sms:menu.yesno' }];
    case 'digits':
    case 'text':
      return [];
  }
}

/** A flow's Reply as one SMS body. */
export function renderReply(reply: Reply): string {
  const msgs: Msg[] = [...reply.say];
  if (reply.expect) msgs.push(...expectLines(reply.expect, reply.locale));
  else if (reply.end?.kind === 'agent') msgs.push({ key: 'sms:menu.agent' });
  else msgs.push({ key: 'sms:menu.ended' });
  return renderMessages(msgs, reply.locale);
}
