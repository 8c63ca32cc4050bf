/**
 * Text that people send us, made safe to keep and to echo. Pure, Web-standard: every channel's
 * input reader uses it (the Twilio webhook guard for SMS and voice, the web form's fields).
 */

/**
 * Characters XML 1.0 forbids (https://www.w3.org/TR/xml/#charsets): C0 controls other than tab, LF
 * and CR; lone surrogates (a high one not followed by a low one, a low one not preceded by a high
 * one); U+FFFE and U+FFFF. A reply that echoes one cannot be written as TwiML, and Postgres refuses
 * U+0000 in text.
 */
const XML_FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const XML_FORBIDDEN_ALL = new RegExp(XML_FORBIDDEN.source, 'g');

/**
 * `text` without the characters XML 1.0 forbids (removed, not replaced). Tab, line feed, carriage
 * return, every other character and well-formed surrogate pairs (emoji) are kept. The same string
 * comes back when there is nothing to remove.
 */
export function stripXmlForbidden(text: string): string {
  return XML_FORBIDDEN.test(text) ? text.replace(XML_FORBIDDEN_ALL, '') : text;
}

/** The same record with every value passed through `stripXmlForbidden`; the same object when all are clean. */
export function stripXmlForbiddenValues(record: Record<string, string>): Record<string, string> {
  let out: Record<string, string> | null = null;
  for (const k in record) {
    const v = record[k]!;
    const clean = stripXmlForbidden(v);
    if (clean !== v) (out ??= { ...record })[k] = clean;
  }
  return out ?? record;
}
