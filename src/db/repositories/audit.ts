import type { AuditEntry, AuditRepository } from '../../core/ports.js';
import type { Channel } from '../../core/types.js';
import type postgres from 'postgres';
import type { Sql } from '../connect.js';

interface AuditRow {
  id: string;
  at: Date;
  channel: Channel;
  caller_masked: string | null;
  driver_no: string | null;
  action: string;
  outcome: string;
  /** jsonb, parsed by postgres.js; a string only in a row an older version wrote after migration 004. */
  detail: Record<string, unknown> | string | null;
}

export function createAuditRepository(sql: Sql): AuditRepository {
  return {
    async record(e) {
      // sql.json sends the object as jsonb: a string JSON.stringify'd first would be stored as a
      // jsonb string holding the JSON (detail->>'callSid' null), which migration 004 repairs.
      const detail = e.detail === undefined ? null : sql.json(e.detail as postgres.JSONValue);
      await sql`
        INSERT INTO audit_log (at, channel, caller_masked, driver_no, action, outcome, detail)
        VALUES (${e.at}, ${e.channel}, ${e.callerMasked}, ${e.driverNo}, ${e.action}, ${e.outcome}, ${detail}::jsonb)`;
    },
    async list(filter) {
      const rows = await sql<AuditRow[]>`
        SELECT id, at, channel, caller_masked, driver_no, action, outcome, detail FROM audit_log WHERE true
        ${filter.driverNo !== undefined ? sql`AND driver_no = ${filter.driverNo}` : sql``}
        ${filter.action !== undefined ? sql`AND action = ${filter.action}` : sql``}
        ORDER BY at DESC, id DESC LIMIT ${filter.limit ?? 100}`;
      return rows.map((r) => {
        const entry: AuditEntry & { id: number } = {
          id: Number(r.id),
          at: r.at,
          channel: r.channel,
          callerMasked: r.caller_masked,
          driverNo: r.driver_no,
          action: r.action,
          outcome: r.outcome,
        };
        if (r.detail !== null) entry.detail = typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail;
        return entry;
      });
    },
    async purgeBefore(before) {
      const res = await sql`DELETE FROM audit_log WHERE at < ${before}`;
      return res.count;
    },
  };
}
