/**
 * pino logger. Logs carry ids and masked numbers only: never token codes, full ID numbers, message
 * bodies or full phone numbers. The redact list is a safety net for fields that must never appear.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACTED_FIELDS = [
  'code', 'tokenCode', 'Digits', 'SpeechResult', 'Body', 'body', 'text', 'secret', 'secretBase32',
  'idDocumentNumber', 'From', 'To', 'Caller', 'Called', 'caller', 'mobile', 'phone', 'to', 'from',
  'authorization', 'cookie', 'password',
];

export const CENSOR = '[redacted]';
/** How deep the safety net looks: a field, a field of a field, and one more level (`a.b.From`). */
export const REDACT_DEPTH = 3;

const redacted = new Set(REDACTED_FIELDS);

/** A copy of an object to change one field of; an Error stays an Error, its message and stack kept. */
function copyOf(value: object): Record<string, unknown> {
  if (value instanceof Error) {
    return Object.assign(Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>, { name: value.name, message: value.message, stack: value.stack }, value);
  }
  return { ...(value as Record<string, unknown>) };
}

/**
 * `value` with every field named in REDACTED_FIELDS, down to `depth` levels (arrays count as one),
 * replaced by the censor. Copy on write: the caller's objects are never changed, and a line with
 * nothing to hide (nearly all) is logged as it is, without a copy.
 */
export function redact(value: unknown, depth: number = REDACT_DEPTH): unknown {
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = redact(value[i], depth - 1);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | null = null;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    const next = redacted.has(key) ? CENSOR : redact(v, depth - 1);
    if (next !== v) (out ??= copyOf(value))[key] = next;
  }
  return out ?? value;
}

// Not pino's `redact` option: with wildcard paths (`*.From`, `*.*.From`) its redaction cost ~22 µs
// a line, the request log line included, about a sixth of a voice turn; this walk costs about one.
// It runs before pino's serializers, on the object as logged.
export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { svc: 'rocars-channels' }, formatters: { log: (obj) => redact(obj) as Record<string, unknown> } }, destination);
}

/**
 * What of an error a log line may carry when the failure may have handled a person's text: its name,
 * its code (`errorCode`: ECONNREFUSED, a SQLSTATE, …) and where it was thrown (the stack's frames). Never its
 * message, nor the stack's first lines, which repeat it: a message may quote what was sent (the XML
 * writer's "Invalid character in string: …" quotes the reply, and in it the text echoed back).
 */
export function errorFields(err: unknown): { name: string; errorCode?: string; stack?: string } {
  if (!(err instanceof Error)) return { name: typeof err };
  const out: { name: string; errorCode?: string; stack?: string } = { name: err.name };
  // Not `code`: the safety net censors that field (token codes).
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.errorCode = String(code);
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  if (frames.length) out.stack = frames.join('\n');
  return out;
}

/** A logger that writes nothing (tests). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
