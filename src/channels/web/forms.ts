/**
 * Form input of the web pages: reading fields and turning core refusals into field errors that
 * name what is wrong. Pure: no Hono, no store.
 */
import { normaliseDigits } from '../../core/identifiers.js';
import type { BundleProblem } from '../../core/services.js';
import { CONTEXTS, refusalKey, type RefusalReason } from '../../flows/catalogue.js';
import { stripXmlForbidden } from '../../core/text.js';

/** One error, shown next to its field and linked from the summary at the top of the page. */
export interface FieldError {
  /** The id of the input it belongs to (the summary links to `#field`). */
  field: string;
  /** i18n key (`web:…`) and its values. */
  key: string;
  params?: Record<string, string | number>;
}

/** One entry of the CCRN list as typed, and what it reads as. */
export interface CcrnEntry {
  /** As typed, for showing back. */
  raw: string;
  /** Digits only (spaces, dashes, full-width digits forgiven). */
  digits: string;
}

/**
 * Splits the CCRN box into entries: one per line, comma or semicolon; a line may also hold several
 * CCRNs separated by spaces, or one CCRN written in groups ("2611 0000 0013").
 */
export function splitCcrns(text: string): CcrnEntry[] {
  const out: CcrnEntry[] = [];
  for (const line of text.normalize('NFKC').split(/[\r\n,;，、；]+/)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const all = normaliseDigits(trimmed);
    if (/^\d+$/.test(all) && all.length % 12 === 0) {
      for (let i = 0; i < all.length; i += 12) out.push({ raw: all.length === 12 ? trimmed : all.slice(i, i + 12), digits: all.slice(i, i + 12) });
      continue;
    }
    for (const word of trimmed.split(/\s+/)) out.push({ raw: word, digits: normaliseDigits(word) });
  }
  return out;
}

/** "261100000013" -> "2611 0000 0013" (any digit string, groups of `group`). */
export const grouped = (digits: string, group = 4): string => {
  const parts: string[] = [];
  for (let i = 0; i < digits.length; i += group) parts.push(digits.slice(i, i + group));
  return parts.join(' ');
};

/** The i18next context of the web's wording in the catalogue (`common:refusal.<reason>_html`). */
export const WEB_CONTEXT = CONTEXTS.web;

/** A refusal of the core, next to its field, in the catalogue's words. */
export function refusalError(field: string, reason: RefusalReason, params: Record<string, string | number> = {}): FieldError {
  return { field, key: refusalKey(reason), params };
}

/** A problem `prepare` found with the bundle, next to its field, naming its CCRN (as typed when its format is wrong). */
export function problemError(p: BundleProblem, vehicleTyped: string): FieldError {
  const ccrn = typeof p.detail?.ccrn === 'string' ? p.detail.ccrn : null;
  const direction: Record<string, string> = typeof p.detail?.direction === 'string' ? { direction: p.detail.direction } : {};
  switch (p.reason) {
    case 'vehicle_missing':
      return refusalError('vehicle', p.reason);
    case 'vehicle_format':
    case 'vehicle_not_registered':
      return refusalError('vehicle', p.reason, { vehicle: vehicleTyped, value: vehicleTyped });
    case 'no_ccrns':
    case 'too_many_ccrns':
      return refusalError('ccrns', p.reason, { max: Number(p.detail?.max ?? 20) });
    default:
      return refusalError('ccrns', p.reason, { ccrn: ccrn === null ? '' : grouped(normaliseDigits(ccrn)), value: ccrn ?? '', ...direction });
  }
}

/**
 * Form fields as strings (files and repeated fields ignored), without the characters XML 1.0
 * forbids (control characters, lone surrogates, U+FFFE/FFFF): what is typed is shown back.
 */
export function fields(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = stripXmlForbidden(v);
  return out;
}

/**
 * Where a language switch may send the visitor back to: a path of our own pages, matched against a
 * strict allow-pattern (one leading "/", segments of letters, digits, "-", "_" and ".", no segment
 * starting with a dot, and an optional query of letters, digits, "-", "_", ".", "=" and "&"). No
 * "//", backslash, "%", control character, space or non-ASCII character can pass, so a browser
 * can never read it as another site (browsers drop tabs and newlines and read a backslash as "/").
 * Anything else, or longer than 200 characters, becomes "/".
 */
const NEXT_PATTERN = /^\/(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*)?(?:\?[A-Za-z0-9_.=&-]*)?$/;
export const NEXT_MAX_LENGTH = 200;

export function safeNext(next: string | undefined): string {
  return next !== undefined && next.length <= NEXT_MAX_LENGTH && NEXT_PATTERN.test(next) ? next : '/';
}
