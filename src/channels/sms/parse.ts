/**
 * Inbound SMS, parsed: a Twilio webhook's form fields become an `InboundSms`, and its text a one-shot
 * command, a keyword alone (walk the flow step by step from there), a keyword whose arguments do not
 * fit (say what is wrong), or plain text for the conversation. Pure: no Hono, no store, no flow.
 *
 * Forgiven: letter case, full-width letters and digits (NFKC), extra spaces, dashes and dots inside
 * numbers, a Chinese keyword written straight against its arguments ("狀態261100000013").
 */
import type { Locale, Result } from '../../core/types.js';
import { fail, ok } from '../../core/types.js';
import { normaliseDigits } from '../../core/identifiers.js';
import type { UserEvent } from '../../flows/reply.js';

/** What Twilio posts to the messaging webhook, reduced to what we use. */
export interface InboundSms {
  messageSid: string;
  /** E.164 as Twilio gives it. */
  from: string;
  to: string;
  body: string;
  /** Set by Twilio's Advanced Opt-Out when the text was one of its opt-out, opt-in or help words. */
  optOutType: 'STOP' | 'START' | 'HELP' | null;
}

/** The webhook's fields; 400 naming the field when one we need is missing or malformed. */
export function readInbound(
  params: Record<string, string | undefined>,
): Result<{ sms: InboundSms }, 'From' | 'To' | 'MessageSid'> {
  const from = (params.From ?? '').trim();
  const to = (params.To ?? '').trim();
  const messageSid = (params.MessageSid ?? params.SmsSid ?? '').trim();
  if (!/^\+\d{6,15}$/.test(from)) return fail('From');
  if (!to) return fail('To');
  if (!messageSid) return fail('MessageSid');
  const type = (params.OptOutType ?? '').trim().toUpperCase();
  const optOutType = type === 'STOP' || type === 'START' || type === 'HELP' ? type : null;
  return ok({ sms: { messageSid, from, to, body: params.Body ?? '', optOutType } });
}

/** Which language the keyword was written in: `zh` for words Traditional and Simplified share. */
export type KeywordLang = 'en' | 'zh-HK' | 'zh-CN' | 'zh';

export type SmsCommand =
  | { kind: 'bundle'; vehicle: string | null; ccrns: string[]; code: string }
  | { kind: 'status'; ccrn: string }
  | { kind: 'reg'; refNo: string }
  | { kind: 'mybundles'; code: string }
  | { kind: 'cancel'; bundleRef: string; code: string }
  | { kind: 'token' }
  | { kind: 'centres' }
  | { kind: 'help' }
  | { kind: 'menu' }
  | { kind: 'lang'; locale: Locale }
  | { kind: 'stop' }
  | { kind: 'start' };

export type CommandName = SmsCommand['kind'];

/** Why a keyword's arguments do not fit; `value` names the part to re-send. */
export type UsageProblem =
  | 'bundle_args'
  | 'vehicle_format'
  | 'ccrn_format'
  | 'token_code_format'
  | 'reg_ref_format'
  | 'bundle_ref_format'
  | 'lang_unknown';

export type SmsParse =
  | { type: 'command'; command: SmsCommand; lang: KeywordLang }
  /** A keyword that needs answers, sent alone: the conversation asks for them one by one. */
  | { type: 'keyword'; name: 'bundle' | 'status' | 'reg' | 'mybundles' | 'cancel' | 'lang'; lang: KeywordLang }
  | { type: 'usage'; name: CommandName; problem: UsageProblem; value?: string; lang: KeywordLang }
  | { type: 'text'; event: UserEvent };

interface Keyword {
  name: CommandName;
  /** Latin keywords end at a non-letter; Chinese ones may run straight into their arguments. */
  word: string;
  lang: KeywordLang;
}

// The keywords of every command, in the three languages. HELP lists the main ones (sms.json).
const KEYWORDS: Keyword[] = [
  ...kw('bundle', 'en', 'BUNDLE'),
  ...kw('bundle', 'zh-HK', '綑綁', '捆綁'),
  ...kw('bundle', 'zh-CN', '捆绑', '绑定'),
  ...kw('status', 'en', 'STATUS', 'CCRN'),
  ...kw('status', 'zh-HK', '狀態', '查詢'),
  ...kw('status', 'zh-CN', '状态', '查询'),
  ...kw('reg', 'en', 'REG', 'REGISTRATION'),
  ...kw('reg', 'zh-HK', '登記'),
  ...kw('reg', 'zh-CN', '登记'),
  ...kw('mybundles', 'en', 'MYBUNDLES', 'MY BUNDLES', 'MYBUNDLE', 'MY BUNDLE', 'BUNDLES'),
  ...kw('mybundles', 'zh-HK', '我的綑綁', '我的捆綁'),
  ...kw('mybundles', 'zh-CN', '我的捆绑'),
  ...kw('cancel', 'en', 'CANCEL', 'UNBUNDLE'),
  ...kw('cancel', 'zh', '取消'),
  ...kw('token', 'en', 'TOKEN'),
  ...kw('token', 'zh-HK', '保安編碼器', '編碼器'),
  ...kw('token', 'zh-CN', '保安编码器', '编码器', '令牌'),
  ...kw('centres', 'en', 'CENTRES', 'CENTERS', 'CENTRE', 'CENTER'),
  ...kw('centres', 'zh-HK', '地點'),
  ...kw('centres', 'zh-CN', '地点'),
  ...kw('centres', 'zh', '中心'),
  ...kw('help', 'en', 'HELP', 'INFO', '?'),
  ...kw('help', 'zh-HK', '幫助', '說明'),
  ...kw('help', 'zh-CN', '帮助', '说明'),
  ...kw('help', 'zh', '求助'),
  ...kw('menu', 'en', 'MENU'),
  ...kw('menu', 'zh-HK', '選單', '主選單'),
  ...kw('menu', 'zh-CN', '菜单', '主菜单'),
  ...kw('lang', 'en', 'LANG', 'LANGUAGE'),
  ...kw('lang', 'zh-HK', '語言'),
  ...kw('lang', 'zh-CN', '语言'),
  // Opt-out and opt-in. Twilio's other opt-out words (CANCEL, END, QUIT alone) come as OptOutType:
  // here "end" may also finish a list of CCRNs, and CANCEL is a command.
  ...kw('stop', 'en', 'STOP', 'STOPALL', 'UNSUBSCRIBE'),
  ...kw('stop', 'zh-HK', '退訂'),
  ...kw('stop', 'zh-CN', '退订'),
  ...kw('stop', 'zh', '停止'),
  ...kw('start', 'en', 'START', 'UNSTOP'),
  ...kw('start', 'zh-HK', '開始', '恢復'),
  ...kw('start', 'zh-CN', '开始', '恢复'),
].sort((a, b) => b.word.length - a.word.length);

function kw(name: CommandName, lang: KeywordLang, ...words: string[]): Keyword[] {
  return words.map((word) => ({ name, word, lang }));
}

/** Commands that take no arguments: anything after them is ignored (except for STOP and START). */
const BARE: ReadonlySet<CommandName> = new Set(['token', 'centres', 'help', 'menu']);
/** Opt-out and opt-in only when the whole text is the word, as Twilio and carriers match them. */
const EXACT: ReadonlySet<CommandName> = new Set(['stop', 'start']);

const LANG_WORDS: [Locale, string[]][] = [
  ['en', ['EN', 'ENG', 'ENGLISH', 'E', '3', '英', '英文', '英語', '英语']],
  ['zh-HK', ['繁', '繁體', '繁体', '中文', '粵', '粤', '粵語', '粤语', '廣東話', '广东话', '廣東', 'TC', 'ZH-HK', 'ZH_HK', 'HK', '1']],
  ['zh-CN', ['简', '簡', '简体', '簡體', '普', '普通话', '普通話', '国语', '國語', 'SC', 'ZH-CN', 'ZH_CN', 'CN', '2']],
];

// Characters common in Simplified text that Traditional writes differently (a hint, not a detector).
const SIMPLIFIED_ONLY = /[们这说话还没时间请问发货车号码么吗点边过让对为会来个时后见关开门线条态记帮语简单认证]/;
const HAN = /\p{Script=Han}/u;

/** The Chinese script a free text is written in: `zh-CN`, `zh` (Chinese, either script), or null. */
export function chineseScript(text: string): 'zh-CN' | 'zh' | null {
  if (!HAN.test(text)) return null;
  return SIMPLIFIED_ONLY.test(text) ? 'zh-CN' : 'zh';
}

/** NFKC (full-width to ASCII), trimmed, inner whitespace collapsed. */
export function normaliseText(body: string): string {
  return body.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

function matchKeyword(text: string): { keyword: Keyword; rest: string } | null {
  const upper = text.toUpperCase();
  for (const keyword of KEYWORDS) {
    const word = keyword.word;
    if (!upper.startsWith(word)) continue;
    const next = upper.charAt(word.length);
    if (/[A-Z]/.test(word) && /[A-Z]/.test(next)) continue;
    return { keyword, rest: text.slice(word.length).trim() };
  }
  return null;
}

/** Argument words: split on spaces and commas (ASCII and Chinese); dashes stay inside a word. */
const words = (rest: string): string[] => rest.split(/[\s,;，、；]+/).filter(Boolean);
const digitsOf = (word: string): string => normaliseDigits(word);
const isDigits = (word: string): boolean => /^\d+$/.test(digitsOf(word));

/** Parses one text message. */
export function parseSms(body: string): SmsParse {
  const text = normaliseText(body);
  const m = matchKeyword(text);
  if (!m) return { type: 'text', event: { type: 'user.text', text } };
  const { keyword, rest } = m;
  const { name, lang } = keyword;
  if (EXACT.has(name)) {
    if (/[\p{L}\p{N}]/u.test(rest)) return { type: 'text', event: { type: 'user.text', text } };
    return { type: 'command', command: { kind: name } as SmsCommand, lang };
  }
  if (BARE.has(name)) return { type: 'command', command: { kind: name } as SmsCommand, lang };
  if (!/[\p{L}\p{N}]/u.test(rest)) {
    return { type: 'keyword', name: name as Extract<SmsParse, { type: 'keyword' }>['name'], lang };
  }
  const usage = (problem: UsageProblem, value?: string): SmsParse =>
    value === undefined ? { type: 'usage', name, problem, lang } : { type: 'usage', name, problem, value, lang };
  const command = (c: SmsCommand): SmsParse => ({ type: 'command', command: c, lang });

  switch (name) {
    case 'status': {
      const ccrn = digitsOf(rest);
      return /^\d{12}$/.test(ccrn) ? command({ kind: 'status', ccrn }) : usage('ccrn_format', ccrn || rest);
    }
    case 'reg': {
      const refNo = digitsOf(rest);
      return /^\d{10}$/.test(refNo) ? command({ kind: 'reg', refNo }) : usage('reg_ref_format', refNo || rest);
    }
    case 'mybundles': {
      const code = digitsOf(rest);
      return /^\d{6}$/.test(code) ? command({ kind: 'mybundles', code }) : usage('token_code_format');
    }
    case 'cancel':
      return parseCancel(rest, usage, command);
    case 'bundle':
      return parseBundle(rest, usage, command);
    case 'lang': {
      const word = rest.toUpperCase().replace(/\s+/g, '');
      const found = LANG_WORDS.find(([, list]) => list.includes(word));
      return found ? command({ kind: 'lang', locale: found[0] }) : usage('lang_unknown', rest);
    }
    default:
      return { type: 'text', event: { type: 'user.text', text } };
  }
}

type Usage = (problem: UsageProblem, value?: string) => SmsParse;
type Command = (c: SmsCommand) => SmsParse;

/** CANCEL <bundle ref: 9 digits> <token code: 6 digits>, spaces anywhere. */
function parseCancel(rest: string, usage: Usage, command: Command): SmsParse {
  const ws = words(rest);
  if (!ws.every(isDigits)) return usage('bundle_ref_format', rest);
  const all = ws.map(digitsOf).join('');
  if (all.length === 15) return command({ kind: 'cancel', bundleRef: all.slice(0, 9), code: all.slice(9) });
  const last = digitsOf(ws[ws.length - 1]!);
  if (ws.length > 1 && last.length !== 6) return usage('token_code_format');
  const ref = ws.length > 1 ? ws.slice(0, -1).map(digitsOf).join('') : all;
  if (ref.length !== 9) return usage('bundle_ref_format', ref);
  return usage('token_code_format');
}

/**
 * BUNDLE <vehicle> <CCRN> [<CCRN>…] <token code>. The vehicle is the word with letters ("CD5678", or
 * "CD 5678" when that reading leaves whole CCRNs and a code); every digit after it, spaces and
 * dashes dropped, must make whole 12-digit CCRNs followed by the 6-digit code.
 */
function parseBundle(rest: string, usage: Usage, command: Command): SmsParse {
  const ws = words(rest);
  const lettered = ws.filter((w) => /\p{L}/u.test(w));
  if (lettered.length > 1) return usage('vehicle_format', lettered.join(' '));
  const at = lettered.length ? ws.indexOf(lettered[0]!) : -1;
  const numbers = ws.filter((_, i) => i !== at);
  if (!numbers.every(isDigits)) return usage('bundle_args');

  const fits = (ds: string[]) => {
    const all = ds.map(digitsOf).join('');
    return all.length >= 18 && (all.length - 6) % 12 === 0 ? all : null;
  };
  const split = (all: string) => {
    const ccrns: string[] = [];
    for (let i = 0; i + 12 <= all.length - 6; i += 12) ccrns.push(all.slice(i, i + 12));
    return { ccrns, code: all.slice(-6) };
  };

  let vehicle: string | null = at >= 0 ? lettered[0]!.normalize('NFKC').toUpperCase().replace(/[^A-Z0-9]/g, '') : null;
  let rest12 = fits(numbers);
  // "CD 5678 2611…": a letters-only word and a short number make the mark when the rest still fits.
  const after = numbers[at];
  if (vehicle && /^[A-Z]{1,2}$/.test(vehicle) && after !== undefined && /^\d{1,4}$/.test(digitsOf(after)) && at >= 0) {
    const without = numbers.filter((_, i) => i !== at);
    const joined = fits(without);
    if (joined) {
      vehicle = vehicle + digitsOf(after);
      rest12 = joined;
    }
  }
  if (vehicle !== null && !/^[A-Z0-9]{1,8}$/.test(vehicle)) return usage('vehicle_format', vehicle);
  if (rest12) return command({ kind: 'bundle', vehicle, ...split(rest12) });

  // It does not fit: say which part to re-send.
  if (numbers.length === 0) return usage('bundle_args');
  const last = digitsOf(numbers[numbers.length - 1]!);
  if (last.length !== 6) {
    const before = numbers.slice(0, -1).map(digitsOf);
    const wholeCcrns = before.length > 0 && before.every((w) => w.length === 12);
    const onlyCcrn = numbers.length === 1 && last.length === 12;
    return wholeCcrns || onlyCcrn ? usage('token_code_format') : usage('bundle_args');
  }
  const ccrnWords = numbers.slice(0, -1).map(digitsOf);
  if (ccrnWords.length === 0) return usage('bundle_args');
  const wrong = ccrnWords.find((w) => w.length !== 12 && w.length > 8);
  return usage('ccrn_format', wrong ?? ccrnWords.join(''));
}
