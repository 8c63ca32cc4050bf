import type { OptOutRepository } from '../../core/ports.js';
import type { Sql } from '../connect.js';

export function createOptOutRepository(sql: Sql): OptOutRepository {
  return {
    async set(e164, optedOut, at) {
      return sql.begin(async (tx) => {
        const prev = await tx<{ opted_out: boolean }[]>`SELECT opted_out FROM sms_opt_outs WHERE phone = ${e164} FOR UPDATE`;
        await tx`
          INSERT INTO sms_opt_outs (phone, opted_out, changed_at) VALUES (${e164}, ${optedOut}, ${at})
          ON CONFLICT (phone) DO UPDATE SET opted_out = EXCLUDED.opted_out, changed_at = EXCLUDED.changed_at`;
        return prev[0]?.opted_out ?? false;
      }) as Promise<boolean>;
    },
    async isOptedOut(e164) {
      const rows = await sql<{ opted_out: boolean }[]>`SELECT opted_out FROM sms_opt_outs WHERE phone = ${e164}`;
      return rows[0]?.opted_out ?? false;
    },
  };
}
