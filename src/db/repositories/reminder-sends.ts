/**
 * The two statements of every dispatch: a worker's concurrent sends each claim their stage before
 * the provider call and record it after. Claims (and records) made in the same round of I/O go to
 * Postgres as one statement each (src/db/batch.ts); each row keeps its own conditions.
 */
import type { Sql } from '../connect.js';
import { batched } from '../batch.js';
import type { ChannelReason, DispatchContext, ReminderChannel } from '../../reminders/ports.js';
import { DISPATCH_COLUMNS, SENT_CONFLICT_SQL, toDispatch, type DispatchRowDb } from './reminder-rows.js';

export function sendStatements(sql: Sql, opts: { onBatchFailure?: (err: unknown, size: number) => void }) {
  const counted = async (q: Promise<{ n: number }[]>) => ((await q)[0]?.n ?? 0) > 0;
  // A worker's concurrent sends each claim their stage before the provider call and record it
  // after: the two statements of every dispatch. Claims (and records) made in the same round of
  // I/O go to Postgres as one statement each (src/db/batch.ts); each row keeps its own conditions.
  type ClaimItem = { deliveryId: number; stage: number; channel: ReminderChannel; at: Date };
  const claimOne = async (item: ClaimItem): Promise<DispatchContext | null> => {
    const rows = await sql<DispatchRowDb[]>`
      UPDATE reminder_stages s SET state = 'sending', channel = ${item.channel},
        attempt = s.attempt + 1, sending_at = ${item.at}, updated_at = ${item.at}
      FROM reminder_deliveries d
        JOIN reminder_campaigns c ON c.id = d.campaign_id
        LEFT JOIN tokens t ON t.serial = d.token_serial
        LEFT JOIN drivers dr ON dr.driver_no = d.driver_no
        LEFT JOIN sms_opt_outs o ON o.phone = dr.mobile
        LEFT JOIN email_opt_outs eo ON eo.email = lower(dr.email)
      WHERE s.delivery_id = ${item.deliveryId} AND s.stage = ${item.stage}
        AND (s.state = 'queued' OR (s.state = 'scheduled' AND s.due_at <= ${item.at}))
        AND d.id = s.delivery_id AND c.status = 'active' AND d.status <> 'stopped'
      RETURNING ${sql.unsafe(DISPATCH_COLUMNS)}`;
    return rows[0] ? toDispatch(rows[0]) : null;
  };
  const claimMany = async (items: ClaimItem[]): Promise<(DispatchContext | null)[]> => {
    const rows = await sql<(DispatchRowDb & { i: number })[]>`
      UPDATE reminder_stages s SET state = 'sending', channel = v.channel,
        attempt = s.attempt + 1, sending_at = v.at, updated_at = v.at
      FROM unnest(${sql.array(items.map((x) => x.deliveryId))}::bigint[], ${sql.array(items.map((x) => x.stage))}::int[],
          ${sql.array(items.map((x) => x.channel))}::text[], ${sql.array(items.map((x) => x.at.toISOString()))}::timestamptz[])
          WITH ORDINALITY AS v(delivery_id, stage, channel, at, i),
        reminder_deliveries d
        JOIN reminder_campaigns c ON c.id = d.campaign_id
        LEFT JOIN tokens t ON t.serial = d.token_serial
        LEFT JOIN drivers dr ON dr.driver_no = d.driver_no
        LEFT JOIN sms_opt_outs o ON o.phone = dr.mobile
        LEFT JOIN email_opt_outs eo ON eo.email = lower(dr.email)
      WHERE s.delivery_id = v.delivery_id AND s.stage = v.stage
        AND (s.state = 'queued' OR (s.state = 'scheduled' AND s.due_at <= v.at))
        AND d.id = s.delivery_id AND c.status = 'active' AND d.status <> 'stopped'
      RETURNING (v.i - 1)::int AS i, ${sql.unsafe(DISPATCH_COLUMNS)}`;
    const out: (DispatchContext | null)[] = items.map(() => null);
    for (const r of rows) out[r.i] = toDispatch(r);
    return out;
  };
  const claimForDispatch = batched(claimMany, claimOne, { onBatchFailure: opts.onBatchFailure });

  type SentItem = { deliveryId: number; stage: number; attempt: number; channel: ReminderChannel; sid: string; via: 'provider' | 'outbox'; at: Date; reason: ChannelReason | null };
  const recordOne = (r: SentItem): Promise<boolean> =>
    counted(sql<{ n: number }[]>`
      WITH upd AS (
        UPDATE reminder_stages SET state = 'sent', via = ${r.via}, channel = ${r.channel},
          channel_reason = coalesce(${r.reason}, channel_reason),
          last_error = NULL, updated_at = ${r.at}
        WHERE delivery_id = ${r.deliveryId} AND stage = ${r.stage} AND attempt = ${r.attempt} AND state = 'sending'
        RETURNING delivery_id, stage),
      rec AS (
        INSERT INTO reminder_attempts (delivery_id, stage, channel, state, attempt, via, provider_id, created_at, updated_at)
        SELECT delivery_id, stage, ${r.channel}, 'sent', ${r.attempt}, ${r.via}, ${r.sid}, ${r.at}::timestamptz, ${r.at}::timestamptz FROM upd
        ${sql.unsafe(SENT_CONFLICT_SQL)}
        RETURNING 1)
      SELECT count(*)::int AS n FROM upd`);
  const recordMany = async (items: SentItem[]): Promise<boolean[]> => {
    const col = <T>(f: (r: SentItem) => T) => sql.array(items.map(f) as never[]);
    const rows = await sql<{ i: number }[]>`
      WITH upd AS (
        UPDATE reminder_stages s SET state = 'sent', via = v.via, channel = v.channel,
          channel_reason = coalesce(v.reason, s.channel_reason),
          last_error = NULL, updated_at = v.at
        FROM unnest(${col((r) => r.deliveryId)}::bigint[], ${col((r) => r.stage)}::int[], ${col((r) => r.attempt)}::int[],
            ${col((r) => r.channel)}::text[], ${col((r) => r.sid)}::text[], ${col((r) => r.via)}::text[],
            ${col((r) => r.at.toISOString())}::timestamptz[], ${col((r) => r.reason)}::text[])
          WITH ORDINALITY AS v(delivery_id, stage, attempt, channel, sid, via, at, reason, i)
        WHERE s.delivery_id = v.delivery_id AND s.stage = v.stage AND s.attempt = v.attempt AND s.state = 'sending'
        RETURNING s.delivery_id, s.stage, v.channel, v.attempt, v.via, v.sid, v.at, v.i),
      rec AS (
        INSERT INTO reminder_attempts (delivery_id, stage, channel, state, attempt, via, provider_id, created_at, updated_at)
        SELECT delivery_id, stage, channel, 'sent', attempt, via, sid, at, at FROM upd
        ${sql.unsafe(SENT_CONFLICT_SQL)}
        RETURNING 1)
      SELECT (i - 1)::int AS i FROM upd`;
    const out = items.map(() => false);
    for (const r of rows) out[r.i] = true;
    return out;
  };
  const recordSent = batched(recordMany, recordOne, { onBatchFailure: opts.onBatchFailure });
  /** The call reached someone (or a machine): kept on the call's attempt, for the report. */
  const recordAnsweredBy = async (ref: { deliveryId: number; stage: number; attempt: number }, answeredBy: string, at: Date): Promise<void> => {
    await sql`
      INSERT INTO reminder_attempts (delivery_id, stage, channel, state, attempt, via, answered_by, created_at, updated_at)
      SELECT delivery_id, stage, 'call', 'sent', attempt, 'provider', ${answeredBy}, ${at}::timestamptz, ${at}::timestamptz FROM reminder_stages
      WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage} AND attempt = ${ref.attempt}
      ON CONFLICT (delivery_id, stage, channel) DO UPDATE SET answered_by = EXCLUDED.answered_by, updated_at = EXCLUDED.updated_at`;
  };
  return { claimForDispatch, recordSent, recordAnsweredBy };
}
