/**
 * The language of an SMS apology when the reply's own is not known yet (the failure came before
 * the sender's driver record was read): what can be known without the database, the way the reply
 * would have chosen it (`replyLocale`, below). A Chinese keyword's script, else
 * the language chosen with LANG (the session store gets a short try), else English.
 */
import type { Locale } from '../../core/types.js';
import { withTimeout } from '../deadline.js';
import { chineseScript, parseSms, type KeywordLang } from './parse.js';

/** How long the session store may take to say which language LANG chose. */
const CHOSEN_MS = 300;

/**
 * The reply's language: a Chinese keyword's script, else the language chosen with LANG, else the
 * driver's, else English (a bare Chinese keyword picks the Chinese of LANG or the driver, else zh-HK).
 */
export function replyLocale(lang: KeywordLang | 'free', chosen: Locale | null, driver: { locale: Locale } | null): Locale {
  if (lang === 'zh-HK' || lang === 'zh-CN') return lang;
  const chinese = [chosen, driver?.locale].find((l) => l === 'zh-HK' || l === 'zh-CN');
  if (lang === 'zh') return chinese ?? 'zh-HK';
  return chosen ?? driver?.locale ?? 'en';
}

export async function apologyLocale(body: string, chosen: () => Promise<{ value: { locale: Locale } } | null>): Promise<Locale> {
  const parsed = parseSms(body);
  const lang: KeywordLang | 'free' = parsed.type === 'text' ? (chineseScript(body) ?? 'free') : parsed.lang;
  if (lang === 'zh-HK' || lang === 'zh-CN') return lang;
  const saved = await withTimeout(chosen(), CHOSEN_MS).then(
    (s) => s?.value.locale ?? null,
    () => null,
  );
  return replyLocale(lang, saved === 'en' || saved === 'zh-HK' || saved === 'zh-CN' ? saved : null, null);
}
