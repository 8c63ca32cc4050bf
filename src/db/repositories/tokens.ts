import type { TokenRepository } from '../../core/ports.js';
import type { Sql } from '../connect.js';
import { TOKEN_COLUMNS, toToken, type TokenRow } from './rows.js';

export function createTokenRepository(sql: Sql): TokenRepository {
  const cols = sql.unsafe(TOKEN_COLUMNS);
  return {
    async currentForDriver(driverNo) {
      const rows = await sql<TokenRow[]>`SELECT ${cols} FROM tokens WHERE driver_no = ${driverNo} AND status <> 'replaced'`;
      return rows[0] ? toToken(rows[0]) : null;
    },
    async bySerial(serial) {
      const rows = await sql<TokenRow[]>`SELECT ${cols} FROM tokens WHERE serial = ${serial}`;
      return rows[0] ? toToken(rows[0]) : null;
    },
    async consumeStep(serial, step) {
      const rows = await sql`
        UPDATE tokens SET last_used_step = ${step}, failed_attempts = 0
        WHERE serial = ${serial} AND status = 'active' AND (last_used_step IS NULL OR last_used_step < ${step})
        RETURNING serial`;
      return rows.length === 1;
    },
    async recordFailure(serial, lockAfter, at) {
      const rows = await sql<{ failed_attempts: number; status: string }[]>`
        UPDATE tokens SET
          failed_attempts = failed_attempts + 1,
          status = CASE WHEN failed_attempts + 1 >= ${lockAfter} THEN 'locked' ELSE status END,
          locked_at = CASE WHEN failed_attempts + 1 >= ${lockAfter} THEN ${at} ELSE locked_at END
        WHERE serial = ${serial} AND status = 'active'
        RETURNING failed_attempts, status`;
      const row =
        rows[0] ??
        // Not active (locked meanwhile by another wrong code, or replaced): report what is stored.
        (await sql<{ failed_attempts: number; status: string }[]>`
          SELECT failed_attempts, status FROM tokens WHERE serial = ${serial}`)[0];
      if (!row) throw new Error(`token ${serial} does not exist`);
      return { failedAttempts: row.failed_attempts, locked: row.status === 'locked' };
    },
    async unlock(serial) {
      const rows = await sql`
        UPDATE tokens SET status = 'active', failed_attempts = 0, locked_at = NULL
        WHERE serial = ${serial} AND status = 'locked' RETURNING serial`;
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
