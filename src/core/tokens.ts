/**
 * Security tokens: verifying a code (used up at once, TOTP window of totp.ts), the lock after five
 * wrong codes in a row, "needs replacing" and "expired", and the agent's unlock.
 *
 * A code that was valid but whose step is already used (a replay, or an older code after a newer
 * one) is refused as `token_code_reused` and does NOT count towards the lock: it proves the caller
 * once held the token, and counting it would let a caller lock themselves out by re-entering the
 * code they just used. A code that is not six digits is `token_code_format` and does not count either.
 */
import { z } from 'zod';
import type { DriverRepository, LockPolicy, TokenRepository } from './ports.js';
import type { Asker, TokenService, TokenStatusView } from './services.js';
import { fail, ok, type Authorisation, type Clock, type Driver, type Token } from './types.js';
import type { Logger } from '../logger.js';
import { checkDriverNo, normaliseDigits } from './identifiers.js';
import { matchStep } from './totp.js';
import { hongKongDate } from './directory.js';
import { outcomeOf, type Auditor } from './audit.js';

/** Wrong codes in a row that lock a token. */
export const LOCK_AFTER = 5;
const MINUTE_MS = 60_000;
/**
 * The token lock (README, "Token lock"): five wrong codes in a row, across calls and channels, lock
 * the token for 15 minutes; each further lock doubles that, up to 24 hours. A right code after a
 * lock has ended, or an agent's unlock, starts the doubling again. Guessing stays impossible (at
 * most five guesses per lock against a million codes), while a stranger who knows a driver number
 * can shut the driver out only briefly, and the driver is told by SMS the moment a lock starts.
 */
export const LOCK_POLICY: LockPolicy = { lockAfter: LOCK_AFTER, firstLockMs: 15 * MINUTE_MS, maxLockMs: 24 * 60 * MINUTE_MS };

/** The length of the `n`th lock in a row (1 = the first), as the repository computes it. */
export const lockMs = (n: number, policy: LockPolicy = LOCK_POLICY): number =>
  Math.min(policy.firstLockMs * 2 ** Math.max(0, n - 1), policy.maxLockMs);

/** When the token's lock ends, if it is locked at `now`; null when it is not. */
export function lockedUntil(token: Pick<Token, 'status' | 'lockedUntil'>, now: Date): Date | null {
  return token.status === 'locked' && token.lockedUntil !== null && token.lockedUntil.getTime() > now.getTime() ? token.lockedUntil : null;
}
/** How long a verified code authorises bundling. */
export const AUTHORISATION_MS = 10 * 60_000;
/** A token expiring within this many days needs replacing. */
export const REPLACE_WITHIN_DAYS = 60;

const DAY_MS = 86_400_000;

/** Expiry facts of a token on the Hong Kong date of `now`. */
export function tokenDates(token: Pick<Token, 'expiresOn'>, now: Date): { expired: boolean; needsReplacing: boolean; daysLeft: number } {
  const daysLeft = Math.round((Date.parse(`${token.expiresOn}T00:00:00Z`) - Date.parse(`${hongKongDate(now)}T00:00:00Z`)) / DAY_MS);
  const expired = daysLeft < 0;
  return { expired, needsReplacing: expired || daysLeft <= REPLACE_WITHIN_DAYS, daysLeft };
}

export function tokenView(token: Token, now: Date): TokenStatusView {
  const { expired, needsReplacing, daysLeft } = tokenDates(token, now);
  return {
    serial: token.serial,
    labelColour: token.labelColour,
    expiresOn: token.expiresOn,
    needsReplacing,
    expired,
    locked: lockedUntil(token, now) !== null,
    lockedUntil: lockedUntil(token, now)?.toISOString() ?? null,
    daysLeft,
  };
}

type VerifyResult = Awaited<ReturnType<TokenService['verify']>>;

const verifyInput = z.object({ driverNo: z.string(), code: z.string() });
const driverInput = z.object({ driverNo: z.string() });

/** Tells a driver that their token has just been locked (by SMS to their registered mobile). */
export type TokenLockNotifier = (notice: { driver: Driver; serial: string; lockedAt: Date; lockedUntil: Date }) => Promise<void>;

export interface TokensDeps {
  drivers: Pick<DriverRepository, 'byDriverNo'>;
  tokens: TokenRepository;
  clock: Clock;
  audit: Auditor;
  /** Called once when a wrong code starts a lock; a failure is logged, never the caller's problem. */
  notifyLocked?: TokenLockNotifier;
  logger?: Logger;
  policy?: LockPolicy;
}

export function createTokens({ drivers, tokens, clock, audit, notifyLocked, logger, policy = LOCK_POLICY }: TokensDeps): TokenService {
  /** The driver (by a well-formed number) and their token in service. */
  const lookup = async (raw: string) => {
    const id = checkDriverNo(raw);
    const driver = id.ok ? await drivers.byDriverNo(id.value) : null;
    if (!driver) return { driver: null, token: null } as const;
    return { driver, token: await tokens.currentForDriver(driver.driverNo) } as const;
  };

  const verify = async (input: { driverNo: string; code: string }, now: Date): Promise<{ driverNo: string | null; result: VerifyResult }> => {
    const parsed = verifyInput.safeParse(input);
    if (!parsed.success) {
      return { driverNo: null, result: fail(parsed.error.issues[0]?.path[0] === 'code' ? 'token_code_format' : 'driver_unknown') };
    }
    const { driver, token } = await lookup(parsed.data.driverNo);
    if (!driver) return { driverNo: null, result: fail('driver_unknown') };
    const done = (result: VerifyResult) => ({ driverNo: driver.driverNo, result });
    if (!token) return done(fail('token_missing'));
    // Expired before locked: unlocking an expired token would not help the caller, replacing it does.
    if (tokenDates(token, now).expired) return done(fail('token_expired', { expiresOn: token.expiresOn }));
    const until = lockedUntil(token, now);
    if (until) return done(fail('token_locked', { justLocked: false, lockedUntil: until.toISOString() }));
    const code = normaliseDigits(parsed.data.code);
    if (!/^\d{6}$/.test(code)) return done(fail('token_code_format'));

    const step = matchStep(token.secretBase32, code, now);
    if (step === null) {
      const f = await tokens.recordFailure(token.serial, policy, now);
      if (f.justLocked && f.lockedUntil) await tellLocked(driver, token.serial, now, f.lockedUntil);
      if (f.locked) return done(fail('token_locked', { justLocked: f.justLocked, lockedUntil: f.lockedUntil!.toISOString(), failedAttempts: f.failedAttempts }));
      return done(fail('token_code_wrong', { triesLeft: Math.max(0, policy.lockAfter - f.failedAttempts), failedAttempts: f.failedAttempts }));
    }
    if (!(await tokens.consumeStep(token.serial, step, now))) {
      // Either the step is used up (replay), or a wrong code elsewhere locked the token meanwhile.
      const after = await tokens.bySerial(token.serial);
      const lockEnds = after ? lockedUntil(after, now) : null;
      if (lockEnds) return done(fail('token_locked', { justLocked: false, lockedUntil: lockEnds.toISOString() }));
      return done(fail('token_code_reused'));
    }
    return done(ok({ authorisation: { driverNo: driver.driverNo, serial: token.serial, until: now.getTime() + AUTHORISATION_MS } }));
  };

  /** The lock SMS: sent once per lock; its failure is logged and never changes what the caller hears. */
  const tellLocked = async (driver: Driver, serial: string, lockedAt: Date, until: Date) => {
    if (!notifyLocked) return;
    try {
      await notifyLocked({ driver, serial, lockedAt, lockedUntil: until });
    } catch (err) {
      logger?.error({ err: err instanceof Error ? { name: err.name, message: err.message } : String(err), driverNo: driver.driverNo }, 'token lock notice not sent');
    }
  };

  return {
    async verify(input, asker: Asker) {
      const now = clock.now();
      const { driverNo, result } = await verify(input, now);
      const detail: Record<string, unknown> = {};
      if (!result.ok && result.detail) {
        for (const k of ['triesLeft', 'justLocked', 'lockedUntil'] as const) if (k in result.detail) detail[k] = result.detail[k];
      }
      await audit.record(asker, { action: 'token.verify', driverNo, outcome: outcomeOf(result), ...(Object.keys(detail).length ? { detail } : {}) });
      return result;
    },

    async status(input) {
      const parsed = driverInput.safeParse(input);
      if (!parsed.success) return fail('driver_unknown');
      const { driver, token } = await lookup(parsed.data.driverNo);
      if (!driver) return fail('driver_unknown');
      if (!token) return fail('token_missing');
      return ok({ token: tokenView(token, clock.now()) });
    },

    async unlock(input, agent) {
      const parsed = driverInput.safeParse(input);
      const { driver, token } = parsed.success ? await lookup(parsed.data.driverNo) : { driver: null, token: null };
      let result: Awaited<ReturnType<TokenService['unlock']>>;
      if (!driver) result = fail('driver_unknown');
      else if (!token) result = fail('token_missing');
      else if (!(await tokens.unlock(token.serial, clock.now()))) result = fail('token_not_locked');
      else result = ok({ serial: token.serial });
      await audit.record(
        { channel: 'agent', caller: null },
        { action: 'token.unlock', driverNo: driver?.driverNo ?? null, outcome: outcomeOf(result), detail: { agentId: agent.agentId } },
      );
      return result;
    },
  };
}

/**
 * Whether an authorisation still stands: unexpired, and the token it came from is still the
 * driver's token in service (not replaced) and not locked.
 */
export async function authorisationStands(
  tokens: Pick<TokenRepository, 'currentForDriver'>,
  auth: Authorisation,
  now: Date,
): Promise<
  { ok: true; token: Token } | { ok: false; reason: 'not_authorised' | 'token_missing'; detail?: undefined } | { ok: false; reason: 'token_locked'; detail: { lockedUntil: string } }
> {
  if (!(auth.until > now.getTime())) return { ok: false, reason: 'not_authorised' };
  const token = await tokens.currentForDriver(auth.driverNo);
  if (!token) return { ok: false, reason: 'token_missing' };
  if (token.serial !== auth.serial) return { ok: false, reason: 'not_authorised' };
  const until = lockedUntil(token, now);
  if (until) return { ok: false, reason: 'token_locked', detail: { lockedUntil: until.toISOString() } };
  return { ok: true, token };
}
