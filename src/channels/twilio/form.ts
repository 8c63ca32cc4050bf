/**
 * Reads an `application/x-www-form-urlencoded` body as Twilio sends it, with Web-standard code only
 * (it runs on Workers too): '+' is a space, `%XX` escapes are UTF-8, a name given twice keeps its
 * last value, and a malformed escape is kept as it is (as node:querystring does; WHATWG would turn
 * it into U+FFFD). Faster than URLSearchParams, which builds a list of pairs before the object.
 */

const HEX = /^[0-9a-fA-F]{2}$/;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/** One name or value: '+' and escapes decoded; a bad escape left as typed. */
function decode(s: string): string {
  if (s.indexOf('+') >= 0) s = s.replace(/\+/g, ' ');
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return lenient(s);
  }
}

/** Byte by byte: good escapes become bytes, anything else its own UTF-8; then the bytes as UTF-8. */
function lenient(s: string): string {
  const bytes: number[] = [];
  let run = 0;
  const flush = (end: number) => {
    if (end > run) for (const b of utf8.encode(s.slice(run, end))) bytes.push(b);
  };
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 37 && HEX.test(s.slice(i + 1, i + 3))) {
      flush(i);
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
      run = i + 1;
    }
  }
  flush(s.length);
  return text.decode(Uint8Array.from(bytes));
}

/** The form's fields; an object without a prototype, so no name (`__proto__`, `constructor`) is special. */
export function parseForm(body: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf('&', start);
    if (end < 0) end = body.length;
    if (end > start) {
      const eq = body.indexOf('=', start);
      if (eq >= 0 && eq < end) out[decode(body.slice(start, eq))] = decode(body.slice(eq + 1, end));
      else out[decode(body.slice(start, end))] = '';
    }
    start = end + 1;
  }
  return out;
}
