/**
 * The language of an SMS apology when the reply's own is not known yet (the failure came before
 * the sender's driver record was read): what can be known without the database, the way the reply
 * would have chosen it (src/channels/sms/routes.ts, `localeFor`). A Chinese keyword's script, else
 * the language chosen with LANG (the session store gets a short try), else English.
 */
import type { Locale } from '../../core/types.js';
import { withTimeout } from '../deadline.js';
import { chineseScript, parseSms, type KeywordLang } from './parse.js';

/** How long the session store may take to say which language LANG chose. */
const CHOSEN_MS = 300;

export async function apologyLocale(body: string, chosen: () => Promise<{ value: { locale: Locale } } | null>): Promise<Locale> {
  const parsed = parseSms(body);
  const lang: KeywordLang | 'free' = parsed.type === 'text' ? (chineseScript(body) ?? 'free') : parsed.lang;
  if (lang === 'zh-HK' || lang === 'zh-CN') return lang;
  const saved = await withTimeout(chosen(), CHOSEN_MS).then(
    (s) => s?.value.locale ?? null,
    () => null,
  );
  const locale = saved === 'en' || saved === 'zh-HK' || saved === 'zh-CN' ? saved : null;
  if (lang === 'zh') return locale === 'zh-HK' || locale === 'zh-CN' ? locale : 'zh-HK';
  return locale ?? 'en';
}
