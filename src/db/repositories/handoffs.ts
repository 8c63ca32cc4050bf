import type { Handoff, HandoffRepository } from '../../core/ports.js';
import type { Channel, Locale } from '../../core/types.js';
import type { Sql } from '../connect.js';

interface HandoffRow {
  id: string;
  conversation_id: string;
  channel: Channel;
  caller: string | null;
  driver_no: string | null;
  locale: Locale;
  flow_where: string;
  reason: string;
  created_at: Date;
}

const toHandoff = (r: HandoffRow): Handoff & { id: number } => ({
  id: Number(r.id),
  conversationId: r.conversation_id,
  channel: r.channel,
  caller: r.caller,
  driverNo: r.driver_no,
  locale: r.locale,
  where: r.flow_where,
  reason: r.reason,
  createdAt: r.created_at,
});

export function createHandoffRepository(sql: Sql): HandoffRepository {
  return {
    async save(h) {
      const [row] = await sql<HandoffRow[]>`
        INSERT INTO handoffs (conversation_id, channel, caller, driver_no, locale, flow_where, reason, created_at)
        VALUES (${h.conversationId}, ${h.channel}, ${h.caller}, ${h.driverNo}, ${h.locale}, ${h.where}, ${h.reason}, ${h.createdAt})
        RETURNING *`;
      return toHandoff(row!);
    },
    async byConversation(conversationId) {
      const rows = await sql<HandoffRow[]>`
        SELECT * FROM handoffs WHERE conversation_id = ${conversationId} ORDER BY created_at, id`;
      return rows.map(toHandoff);
    },
    async byCaller(e164) {
      const rows = await sql<HandoffRow[]>`
        SELECT * FROM handoffs WHERE caller = ${e164} ORDER BY created_at DESC, id DESC`;
      return rows.map(toHandoff);
    },
    async purgeBefore(before) {
      const res = await sql`DELETE FROM handoffs WHERE created_at < ${before}`;
      return res.count;
    },
  };
}
