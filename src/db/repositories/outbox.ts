import type { OutboxEntry, OutboxRepository } from '../../core/ports.js';
import type { Sql } from '../connect.js';

interface OutboxRow {
  id: string;
  sid: string;
  kind: OutboxEntry['kind'];
  to_masked: string;
  body: string;
  purpose: string;
  reason: OutboxEntry['reason'];
  created_at: Date;
}

/** A provider-like message id: 'OB' and 32 hex digits (Twilio's are 'SM'/'CA' and 32 hex). */
export function outboxSid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'OB' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function createOutboxRepository(sql: Sql): OutboxRepository {
  return {
    async add(e) {
      const sid = outboxSid();
      const [row] = await sql<{ id: string }[]>`
        INSERT INTO outbox (sid, kind, to_masked, body, purpose, reason, created_at)
        VALUES (${sid}, ${e.kind}, ${e.toMasked}, ${e.body}, ${e.purpose}, ${e.reason}, ${e.createdAt})
        RETURNING id`;
      return { id: Number(row!.id), sid };
    },
    async list(limit = 100) {
      const rows = await sql<OutboxRow[]>`SELECT * FROM outbox ORDER BY created_at DESC, id DESC LIMIT ${limit}`;
      return rows.map((r) => ({
        id: Number(r.id),
        sid: r.sid,
        kind: r.kind,
        toMasked: r.to_masked,
        body: r.body,
        purpose: r.purpose,
        reason: r.reason,
        createdAt: r.created_at,
      }));
    },
    async purgeBefore(before) {
      const res = await sql`DELETE FROM outbox WHERE created_at < ${before}`;
      return res.count;
    },
  };
}
