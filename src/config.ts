/**
 * Configuration, read once from the environment. Nothing is required: with no variable at all the
 * service starts on the embedded default. A variable that is set but malformed stops start-up with
 * one message listing every problem.
 */
import { z } from 'zod';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const e164 = z.string().transform((s, ctx) => {
  const p = parsePhoneNumberFromString(s.trim());
  if (!p || !p.isValid()) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a phone number in E.164 (e.g. +85236690000)` });
    return z.NEVER;
  }
  return p.number as string;
});

const e164List = z.string().transform((s, ctx) => {
  const out: string[] = [];
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const r = e164.safeParse(part);
    if (!r.success) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not a phone number in E.164` });
      return z.NEVER;
    }
    out.push(r.data);
  }
  if (out.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'needs at least one number' });
    return z.NEVER;
  }
  return out;
});

const url = (protocols: string[]) =>
  z.string().refine((s) => {
    try {
      return protocols.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, `must be a URL (${protocols.join(' or ')})`);

const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;
const window = z
  .string()
  .regex(/^\d\d:\d\d-\d\d:\d\d$/, 'must look like 08:00-21:00')
  .refine((s) => s.split('-').every((p) => hhmm.test(p)), 'hours must be 00:00 to 23:59');

const secret = (name: string) => z.string().min(16, `${name} must be at least 16 characters`);

const schema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_BASE_URL: url(['http:', 'https:'])
    .transform((s) => s.replace(/\/+$/, ''))
    .optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  TWILIO_FROM_NUMBER: e164.optional(),
  LINE_CHANNEL_SECRET: z.string().min(8).optional(),
  LINE_CHANNEL_ACCESS_TOKEN: z.string().min(8).optional(),
  HOTLINE_NUMBERS: e164List.default(['+85236690000']),
  BUNDLING_NUMBERS: e164List.default(['+85239023333', '+85231532265']),
  AGENT_NUMBER: e164.optional(),
  AGENT_API_TOKEN: secret('AGENT_API_TOKEN').optional(),
  ADMIN_API_TOKEN: secret('ADMIN_API_TOKEN').optional(),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Comma-separated YYYY-MM-DD dates on which post offices count as closed. */
  PUBLIC_HOLIDAYS: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates must be YYYY-MM-DD')))
    .optional(),
  SMS_QUIET_HOURS: window.default('08:00-21:00').describe('hours (HK time) when reminder SMS may be sent'),
  CALL_QUIET_HOURS: window.default('09:00-20:00').describe('hours (HK time) when reminder calls may be placed'),
  REMINDER_STAGES: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be days before expiry, e.g. 30,14,7,1')
    .transform((s) => [...new Set(s.split(',').map(Number))].sort((a, b) => b - a))
    .default([30, 14, 7, 1]),
  PROVIDER_SMS_PER_SECOND: z.coerce.number().min(0).default(10),
  PROVIDER_CALLS_PER_SECOND: z.coerce.number().min(0).default(1),
  /** The reminder channels tried in turn for each stage (README, "Token-replacement reminders"). */
  REMINDER_LADDER: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.enum(['sms', 'call'], 'each rung must be sms or call'))
        .min(1, 'needs at least one channel, e.g. sms,call')
        .refine((l) => new Set(l).size === l.length, 'a channel appears once')
        // A failed SMS falls back to the next rung; a failed call is final, so the call comes last.
        .refine((l) => l.indexOf('call') < 0 || l.indexOf('call') === l.length - 1, 'call must be the last rung (a failed call does not fall back)'),
    )
    .default(['sms', 'call']),
  /** Email reminders go out through this SMTP server (smtp://user:pass@host:587); without it, to the outbox. */
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  EMAIL_FROM: z.string().min(3).default('ROCARS <no-reply@rocars.example>'),
  /** Signs the unsubscribe links of reminder emails (HMAC-SHA256); default derived from TWILIO_AUTH_TOKEN or ADMIN_API_TOKEN. */
  EMAIL_UNSUBSCRIBE_SECRET: secret('EMAIL_UNSUBSCRIBE_SECRET').optional(),
  /** Proxies in front of us that append to X-Forwarded-For; 0: the socket's peer is the client. */
  TRUST_PROXY: z
    .string()
    .regex(/^\d{1,2}$/, 'must be the number of trusted proxy hops in front of the service, a whole number from 0 to 10 (0: no proxy, the client is the socket address)')
    .transform(Number)
    .refine((n) => n <= 10, 'must be a whole number from 0 to 10 (the trusted proxy hops in front of the service)')
    .default(0),
  /** Postgres deadlines of every connection, below the route deadline (README, "Deadlines"); 0 = none. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  DB_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  /** Postgres connections kept apart for voice turns (0 = they share the main pool of 10). */
  DB_VOICE_POOL_SIZE: z.coerce.number().int().min(0).max(100).default(5),
  /** Every route answers within this (Twilio gives up on a webhook after 15 s). */
  ROUTE_DEADLINE_MS: z.coerce.number().int().min(100).max(14_000, 'must be at most 14000: Twilio gives up after 15 s').default(10_000),
  TEST_DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  TEST_REDIS_URL: url(['redis:', 'rediss:']).optional(),
});

export type Config = z.infer<typeof schema>;

/** Every variable the service reads (NODE_ENV aside); `.env.example` documents each. */
export const CONFIG_KEYS = Object.keys(schema.shape).filter((k) => k !== 'NODE_ENV');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration; an empty string counts as unset. Throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const config = parsed.data;
  const problems: string[] = [];
  const twilio = [config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN];
  if (config.TWILIO_FROM_NUMBER && twilio.some((v) => !v)) {
    problems.push('TWILIO_FROM_NUMBER: needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to send anything');
  }
  if (config.SMTP_URL && !config.EMAIL_UNSUBSCRIBE_SECRET && !config.TWILIO_AUTH_TOKEN && !config.ADMIN_API_TOKEN) {
    problems.push('SMTP_URL: needs EMAIL_UNSUBSCRIBE_SECRET (or TWILIO_AUTH_TOKEN / ADMIN_API_TOKEN) to sign the unsubscribe links');
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** True when outbound SMS and calls can go to Twilio; otherwise they land in the outbox. */
export const hasTwilioCredentials = (c: Config): boolean =>
  Boolean(c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN && c.TWILIO_FROM_NUMBER);
