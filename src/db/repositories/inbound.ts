import type { InboundMessageRepository } from '../../core/ports.js';
import type { Sql } from '../connect.js';

export function createInboundMessageRepository(sql: Sql): InboundMessageRepository {
  return {
    async claim(channel, externalId, at) {
      // One statement decides: of two deliveries at once, exactly one inserts.
      const claimed = await sql`
        INSERT INTO inbound_messages (channel, external_id, received_at) VALUES (${channel}, ${externalId}, ${at})
        ON CONFLICT (channel, external_id) DO NOTHING RETURNING 1`;
      if (claimed.length === 1) return { first: true };
      const rows = await sql<{ reply: string | null }[]>`
        SELECT reply FROM inbound_messages WHERE channel = ${channel} AND external_id = ${externalId}`;
      return { first: false, reply: rows[0]?.reply ?? null };
    },
    async answered(channel, externalId, reply) {
      await sql`UPDATE inbound_messages SET reply = ${reply} WHERE channel = ${channel} AND external_id = ${externalId}`;
    },
    async purgeBefore(before) {
      const res = await sql`DELETE FROM inbound_messages WHERE received_at < ${before}`;
      return res.count;
    },
  };
}
