/**
 * Reads what a caller keyed, said or texted: menu choices by number or word and digit strings,
 * in English, Cantonese (Traditional) and Putonghua (Simplified). Pure functions, no I/O.
 *
 * Forgiven: full-width characters (NFKC), letter case, spaces, dashes, dots and commas inside
 * numbers, number words ("two six one one", "二六一一", "double zero"), filler around them
 * ("my code is 123456", "揀1"). `*` / "star" and `#` / "hash" are read as keys.
 */
import type { UserEvent } from './reply.js';

/** What an answer means before any question looks at it. */
export type Answer =
  | { kind: 'silence' }
  | { kind: 'agent' }
  | { kind: 'repeat' }
  | { kind: 'done' }
  /** Digits (may be empty when nothing numeric was given); `raw` is the text or keys as received. */
  | { kind: 'input'; digits: string | null; raw: string };

const DIGIT_WORDS: Record<string, string> = {
  zero: '0', oh: '0', nought: '0',
  one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
  star: '*', asterisk: '*', hash: '#', pound: '#', hashtag: '#', sharp: '#',
};

const CJK_DIGITS: Record<string, string> = {
  '零': '0', '〇': '0', '洞': '0',
  '一': '1', '壹': '1', '幺': '1', '么': '1',
  '二': '2', '兩': '2', '两': '2', '貳': '2', '贰': '2',
  '三': '3', '叁': '3', '參': '3', '叄': '3',
  '四': '4', '肆': '4',
  '五': '5', '伍': '5',
  '六': '6', '陸': '6', '陆': '6',
  '七': '7', '柒': '7',
  '八': '8', '捌': '8',
  '九': '9', '玖': '9',
  '井': '#', '＃': '#', '星': '*', '＊': '*',
};

/** Words that make a spoken number something other than a digit string: refuse rather than guess. */
const NOT_DIGIT_STRING = /\b(ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million)\b|[十百千萬万億亿拾佰仟]/;

const REPEAT_COUNT: Record<string, number> = { double: 2, triple: 3 };

/** NFKC, lower case, ideographic and other exotic spaces made plain. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\s\u3000]+/g, ' ').trim();
}

/** Separators forgiven inside numbers. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212.,，、。·:：()（）]/g;

/**
 * The digit string in a spoken or written answer, `*` and `#` included; null when there is none
 * or it cannot be read with confidence ("twenty", "十二").
 */
export function digitsInText(text: string): string | null {
  const t = normaliseText(text);
  if (!t) return null;
  const compact = t.replace(SEPARATORS, '');
  if (/^[0-9*#]+$/.test(compact)) return compact;
  if (NOT_DIGIT_STRING.test(t)) return null;
  let out = '';
  let pendingRepeat = 1;
  // Latin words, runs of ASCII digits/keys, or single CJK characters.
  const tokens = t.match(/[a-z]+|[0-9*#]+|[^\sa-z0-9*#]/g) ?? [];
  for (const tok of tokens) {
    let value: string | undefined;
    if (/^[0-9*#]+$/.test(tok)) value = tok;
    else if (DIGIT_WORDS[tok] !== undefined) value = DIGIT_WORDS[tok];
    else if (CJK_DIGITS[tok] !== undefined) value = CJK_DIGITS[tok];
    else if (REPEAT_COUNT[tok] !== undefined) {
      pendingRepeat = REPEAT_COUNT[tok]!;
      continue;
    }
    if (value === undefined) continue; // filler: "my", "code", "is", "號", "揀"
    // "double zero" repeats the next single digit; "double 12" would be odd, so only its first.
    out += pendingRepeat > 1 ? value[0]!.repeat(pendingRepeat) + value.slice(1) : value;
    pendingRepeat = 1;
  }
  return out.length ? out : null;
}

/** Words, in every language, that ask for an agent / a repeat / say "that's all". */
export const AGENT_WORDS = [
  'agent', 'operator', 'human', 'person', 'someone', 'staff', 'representative', 'customer service',
  '客服', '人工', '真人', '接線生', '接线员', '職員', '职员', '同事', '轉駁', '转接', '服務員', '服务员',
];
export const REPEAT_WORDS = ['repeat', 'again', 'say that again', 'pardon', '重複', '重复', '再講', '再讲', '再說', '再说', '再聽', '再听', '再一次'];
export const DONE_WORDS = [
  'done', 'finish', 'finished', "that's all", 'that is all', 'no more', 'end', 'complete',
  '完成', '完了', '冇喇', '冇了', '冇啦', '無了', '没有了', '沒有了', '搞掂', '就咁多', '就这些', '就這些', '结束', '結束',
];

/** Yes / no in every language. "唔係" and "不是" contain "係" and "是": the longest match wins. */
export const NO_WORDS = ['no', 'nope', 'not me', 'wrong', 'incorrect', '唔係', '唔啱', '唔對', '不是', '不对', '不對', '错', '錯', '否'];
export const YES_WORDS = ['yes', 'yeah', 'yep', 'yup', 'correct', 'right', 'ok', 'okay', 'sure', 'confirm', '係', '系', '是', '對', '对', '啱', '好', '確認', '确认', '冇錯', '没错', '沒錯'];

const isCjk = (w: string) => /[\u3400-\u9fff\uf900-\ufaff]/.test(w);

/** True when `text` (normalised) contains `word`: whole words for Latin, substrings for Chinese. */
export function hasWord(text: string, word: string): boolean {
  if (isCjk(word)) return text.includes(word);
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^a-z])${escaped}($|[^a-z])`).test(text);
}

const anyWord = (text: string, words: readonly string[]) => words.some((w) => hasWord(text, w));

/** Classifies an event before a question reads it. `0` alone and agent words ask for an agent. */
export function readAnswer(event: UserEvent): Answer {
  if (event.type === 'user.silence' || event.type === 'user.start' || event.type === 'user.hangup') return { kind: 'silence' };
  if (event.type === 'user.digits') {
    const keys = event.digits.replace(/\s+/g, '');
    if (keys === '') return { kind: 'silence' };
    if (keys === '0') return { kind: 'agent' };
    if (keys === '*') return { kind: 'repeat' };
    if (keys === '#') return { kind: 'done' };
    // Twilio leaves the finish key out of Digits; strip it anyway if a client sends it.
    const digits = keys.replace(/#$/, '');
    return { kind: 'input', digits: /^[0-9*#]+$/.test(digits) ? digits : null, raw: keys };
  }
  const text = normaliseText(event.text);
  if (!text) return { kind: 'silence' };
  const digits = digitsInText(text);
  // A number given with words ("261100000013 done") is the number.
  if (digits !== null && /\d.*\d/.test(digits)) return { kind: 'input', digits: digits.replace(/#$/, ''), raw: text };
  if (digits === '0' || anyWord(text, AGENT_WORDS)) return { kind: 'agent' };
  if (digits === '*' || anyWord(text, REPEAT_WORDS)) return { kind: 'repeat' };
  if (digits === '#' || anyWord(text, DONE_WORDS)) return { kind: 'done' };
  return { kind: 'input', digits: digits?.replace(/#$/, '') ?? null, raw: text };
}

/** A menu option as `chooseOption` sees it: its key and the words that also choose it. */
export interface Choosable {
  key: string;
  words?: readonly string[];
}

/**
 * The key of the option an answer chooses, or null. A single key (pressed, or said/texted as a
 * number) wins; otherwise the first option one of whose words the text contains.
 */
export function chooseOption(answer: Answer, options: readonly Choosable[]): string | null {
  if (answer.kind !== 'input') return null;
  const keys = new Set(options.map((o) => o.key));
  const compact = answer.raw.replace(SEPARATORS, '');
  // Keyed, or a bare number texted: only an exact key counts ("12" is no option).
  if (/^[0-9*#]+$/.test(compact)) return compact.length === 1 && keys.has(compact) ? compact : null;
  // Words before digits: "查詢一下狀態" asks for status, not for option 1. Longest word wins.
  let best: { key: string; length: number } | null = null;
  for (const o of options) {
    for (const w of o.words ?? []) {
      if (w.length > (best?.length ?? 0) && hasWord(answer.raw, w)) best = { key: o.key, length: w.length };
    }
  }
  if (best) return best.key;
  // "one", "一", "press 2", "揀三".
  if (answer.digits !== null && answer.digits.length === 1 && keys.has(answer.digits)) return answer.digits;
  return null;
}

/** The number an answer gives for a digits question (`*`/`#` never part of it), or null. */
export function digitsAnswer(answer: Answer): string | null {
  if (answer.kind !== 'input' || answer.digits === null) return null;
  return /^\d+$/.test(answer.digits) ? answer.digits : null;
}
