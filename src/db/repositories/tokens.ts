import type { FailureOutcome, TokenRepository } from '../../core/ports.js';
import type { Sql } from '../connect.js';
import { TOKEN_COLUMNS, toToken, type TokenRow } from './rows.js';

interface FailureRow {
  failed_attempts: number;
  status: string;
  locked_until: Date | null;
}

const outcome = (r: FailureRow, at: Date, justLocked: boolean): FailureOutcome => {
  const locked = r.status === 'locked' && r.locked_until !== null && r.locked_until.getTime() > at.getTime();
  return { failedAttempts: r.failed_attempts, locked, justLocked, lockedUntil: locked ? r.locked_until : null };
};

export function createTokenRepository(sql: Sql): TokenRepository {
  const cols = sql.unsafe(TOKEN_COLUMNS);
  /** Active, or locked with the lock's time passed at `at`. */
  const notLockedAt = (at: Date) => sql`(status = 'active' OR (status = 'locked' AND locked_until <= ${at}::timestamptz))`;
  return {
    async currentForDriver(driverNo) {
      const rows = await sql<TokenRow[]>`SELECT ${cols} FROM tokens WHERE driver_no = ${driverNo} AND status <> 'replaced'`;
      return rows[0] ? toToken(rows[0]) : null;
    },
    async bySerial(serial) {
      const rows = await sql<TokenRow[]>`SELECT ${cols} FROM tokens WHERE serial = ${serial}`;
      return rows[0] ? toToken(rows[0]) : null;
    },
    async consumeStep(serial, step, at) {
      // A right code ends a lock whose time has passed and resets the doubling (README, "Token lock").
      const rows = await sql`
        UPDATE tokens SET last_used_step = ${step}, failed_attempts = 0, lock_count = 0, status = 'active',
          locked_at = NULL, locked_until = NULL
        WHERE serial = ${serial} AND ${notLockedAt(at)} AND (last_used_step IS NULL OR last_used_step < ${step})
        RETURNING serial`;
      return rows.length === 1;
    },
    async recordFailure(serial, policy, at) {
      // One statement, so wrong codes arriving together on several channels count one by one (the
      // row lock orders them, and each sees the count the one before left). A lock whose time has
      // passed starts the count afresh; the lock count is kept, so the next lock lasts twice as long.
      const count = sql`(CASE WHEN status = 'locked' THEN 0 ELSE failed_attempts END + 1)`;
      const locks = sql`${count} >= ${policy.lockAfter}::int`;
      const lockMs = sql`LEAST(${policy.firstLockMs}::bigint * (2 ^ LEAST(lock_count, 30))::bigint, ${policy.maxLockMs}::bigint)`;
      const rows = await sql<FailureRow[]>`
        UPDATE tokens SET
          failed_attempts = ${count},
          status = CASE WHEN ${locks} THEN 'locked' ELSE 'active' END,
          locked_at = CASE WHEN ${locks} THEN ${at}::timestamptz ELSE NULL END,
          locked_until = CASE WHEN ${locks} THEN ${at}::timestamptz + ${lockMs} * interval '1 millisecond' ELSE NULL END,
          lock_count = CASE WHEN ${locks} THEN lock_count + 1 ELSE lock_count END
        WHERE serial = ${serial} AND ${notLockedAt(at)}
        RETURNING failed_attempts, status, locked_until`;
      if (rows[0]) return outcome(rows[0], at, rows[0].status === 'locked');
      // Locked (by another wrong code meanwhile, or before) or replaced: report what is stored.
      const [row] = await sql<FailureRow[]>`SELECT failed_attempts, status, locked_until FROM tokens WHERE serial = ${serial}`;
      if (!row) throw new Error(`token ${serial} does not exist`);
      return outcome(row, at, false);
    },
    async unlock(serial, at) {
      const rows = await sql`
        UPDATE tokens SET status = 'active', failed_attempts = 0, lock_count = 0, locked_at = NULL, locked_until = NULL
        WHERE serial = ${serial} AND status = 'locked' AND locked_until > ${at}
        RETURNING serial`;
      return rows.length === 1;
    },
    async replace(driverNo, next, at) {
      return sql.begin(async (tx) => {
        const old = await tx<{ serial: string }[]>`
          UPDATE tokens SET status = 'replaced', replaced_at = ${at}
          WHERE driver_no = ${driverNo} AND status <> 'replaced' RETURNING serial`;
        await tx`
          INSERT INTO tokens (serial, driver_no, secret_base32, label_colour, expires_on, status, created_at)
          VALUES (${next.serial}, ${driverNo}, ${next.secretBase32}, ${next.labelColour}, ${next.expiresOn}::date, 'active', ${at})`;
        return { oldSerial: old[0]?.serial ?? null };
      }) as Promise<{ oldSerial: string | null }>;
    },
    async select(filter) {
      const rows = await sql<TokenRow[]>`
        SELECT ${cols} FROM tokens WHERE status <> 'replaced'
        ${filter.labelColour !== undefined ? sql`AND label_colour = ${filter.labelColour}` : sql``}
        ${filter.expiresBefore !== undefined ? sql`AND expires_on < ${filter.expiresBefore}::date` : sql``}
        ORDER BY expires_on, serial`;
      return rows.map(toToken);
    },
  };
}
