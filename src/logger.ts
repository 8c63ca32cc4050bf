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

export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  const paths = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);
  return pino({ level, base: { svc: 'rocars-channels' }, redact: { paths, censor: '[redacted]' } }, destination);
}

/** A logger that writes nothing (tests). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
