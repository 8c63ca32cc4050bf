/** The reminder tables (migrations 002, 006): campaigns, deliveries, their stages and the rungs' attempts. */
import type postgres from 'postgres';
import type { Sql } from '../connect.js';
import type {
  Campaign,
  CampaignReport,
  DispatchJob,
  ReminderChannel,
  ReminderRepository,
  StageContext,
  StageState,
} from '../../reminders/ports.js';
import { sendStatements } from './reminder-sends.js';
import {
  CAMPAIGN_COLUMNS,
  CHUNK,
  CONTEXT_SELECT,
  DISPATCH_COLUMNS,
  OPEN_STATES,
  statusRank,
  toCampaign,
  toContext,
  toDispatch,
  toStageRow,
  type CampaignRowDb,
  type ContextRowDb,
  type DispatchRowDb,
  type StageRowDb,
} from './reminder-rows.js';

export interface ReminderRepositoryOptions {
  /** Told when a batched statement failed and its items were run one by one (a deadlock, a bug). */
  onBatchFailure?: (err: unknown, size: number) => void;
}

export function createReminderRepository(sql: Sql, opts: ReminderRepositoryOptions = {}): ReminderRepository {
  const counted = async (q: Promise<{ n: number }[]>) => ((await q)[0]?.n ?? 0) > 0;

  /** Stops the active deliveries `where` picks and skips their stages in `stageStates`; returns how many stopped. */
  const stopDeliveries = async (where: postgres.Fragment, stageStates: StageState[], reason: string, at: Date): Promise<number> => {
    const rows = await sql<{ n: number }[]>`
      WITH d AS (
        UPDATE reminder_deliveries SET status = 'stopped', stopped_reason = ${reason}, stopped_at = ${at}
        WHERE ${where} AND status = 'active'
        RETURNING id),
      s AS (
        UPDATE reminder_stages SET state = 'skipped', skip_reason = ${reason}, settled_at = ${at}, updated_at = ${at}
        WHERE delivery_id IN (SELECT id FROM d) AND state = ANY(${sql.array(stageStates)}::text[])
        RETURNING 1)
      SELECT count(*)::int AS n FROM d`;
    return rows[0]?.n ?? 0;
  };

  const { claimForDispatch, recordSent, recordAnsweredBy } = sendStatements(sql, opts);

  return {
    async createCampaign(input, plan, at) {
      return sql.begin(async (tx) => {
        const [row] = await tx<CampaignRowDb[]>`
          INSERT INTO reminder_campaigns (name, label_colour, expires_before, stages, status, created_at, updated_at)
          VALUES (${input.name}, ${input.labelColour}, ${input.expiresBefore}::date, ${tx.array(input.stages)}::int[], 'active', ${at}, ${at})
          RETURNING ${tx.unsafe(CAMPAIGN_COLUMNS)}`;
        const campaign = toCampaign(row!);
        let created = 0;
        for (let i = 0; i < plan.length; i += CHUNK) {
          const part = plan.slice(i, i + CHUNK);
          const ids = await tx<{ id: string; driver_no: string }[]>`
            INSERT INTO reminder_deliveries (campaign_id, driver_no, token_serial, expires_on, status, created_at)
            SELECT ${campaign.id}, u.driver_no, u.serial, u.expires_on::date, 'active', ${at}
            FROM unnest(${tx.array(part.map((p) => p.driverNo))}::text[], ${tx.array(part.map((p) => p.tokenSerial))}::text[],
              ${tx.array(part.map((p) => p.expiresOn))}::text[]) AS u(driver_no, serial, expires_on)
            ON CONFLICT DO NOTHING
            RETURNING id, driver_no`;
          created += ids.length;
          const byDriver = new Map(ids.map((r) => [r.driver_no, r.id]));
          const cols: { d: string[]; s: number[]; due: string[]; state: string[]; reason: (string | null)[] } = {
            d: [], s: [], due: [], state: [], reason: [],
          };
          for (const p of part) {
            const id = byDriver.get(p.driverNo);
            if (!id) continue;
            for (const st of p.stages) {
              cols.d.push(id);
              cols.s.push(st.stage);
              cols.due.push(st.dueAt.toISOString());
              cols.state.push(st.state);
              cols.reason.push(st.skipReason ?? null);
            }
          }
          if (cols.d.length === 0) continue;
          await tx`
            INSERT INTO reminder_stages (delivery_id, stage, due_at, state, skip_reason, updated_at)
            SELECT u.d::bigint, u.s, u.due::timestamptz, u.state, u.reason, ${at}
            FROM unnest(${tx.array(cols.d)}::text[], ${tx.array(cols.s)}::int[], ${tx.array(cols.due)}::text[],
              ${tx.array(cols.state)}::text[], ${tx.array(cols.reason as string[])}::text[]) AS u(d, s, due, state, reason)`;
        }
        return { campaign, created, covered: plan.length - created };
      }) as Promise<{ campaign: Campaign; created: number; covered: number }>;
    },

    async campaign(id) {
      const rows = await sql<CampaignRowDb[]>`SELECT ${sql.unsafe(CAMPAIGN_COLUMNS)} FROM reminder_campaigns WHERE id = ${id}`;
      return rows[0] ? toCampaign(rows[0]) : null;
    },

    async campaigns() {
      const rows = await sql<CampaignRowDb[]>`SELECT ${sql.unsafe(CAMPAIGN_COLUMNS)} FROM reminder_campaigns ORDER BY id DESC`;
      return rows.map(toCampaign);
    },

    async setStatus(id, status, at) {
      const rows = await sql<CampaignRowDb[]>`
        UPDATE reminder_campaigns SET status = ${status}, updated_at = ${at} WHERE id = ${id}
        RETURNING ${sql.unsafe(CAMPAIGN_COLUMNS)}`;
      return rows[0] ? toCampaign(rows[0]) : null;
    },

    async report(id) {
      const campaign = await this.campaign(id);
      if (!campaign) return null;
      const [deliveries] = await sql<{ total: number; replaced: number; opted_out: number }[]>`
        SELECT count(*)::int AS total,
          count(*) FILTER (WHERE d.status = 'stopped' AND d.stopped_reason = 'replaced')::int AS replaced,
          count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reminder_stages s WHERE s.delivery_id = d.id
            AND (s.channel_reason = 'opted_out' OR EXISTS (SELECT 1 FROM reminder_attempts a WHERE a.delivery_id = s.delivery_id
              AND a.stage = s.stage AND a.channel = 'sms' AND a.error_code = 21610))))::int AS opted_out
        FROM reminder_deliveries d WHERE d.campaign_id = ${id}`;
      const groups = await sql<{ stage: number; state: StageState; channel: ReminderChannel | null; n: number; with_sid: number }[]>`
        SELECT s.stage, s.state, s.channel, count(*)::int AS n,
          count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reminder_attempts a WHERE a.delivery_id = s.delivery_id AND a.stage = s.stage
            AND a.channel = s.channel AND a.provider_id IS NOT NULL))::int AS with_sid
        FROM reminder_stages s JOIN reminder_deliveries d ON d.id = s.delivery_id
        WHERE d.campaign_id = ${id} GROUP BY s.stage, s.state, s.channel`;
      const [email] = await sql<{ sent: number; failed: number }[]>`
        SELECT count(*) FILTER (WHERE a.state = 'sent')::int AS sent, count(*) FILTER (WHERE a.state = 'failed')::int AS failed
        FROM reminder_attempts a JOIN reminder_deliveries d ON d.id = a.delivery_id WHERE d.campaign_id = ${id} AND a.channel = 'email'`;
      const report: CampaignReport = {
        campaign,
        deliveries: deliveries?.total ?? 0,
        sent: 0,
        delivered: 0,
        failed: 0,
        optedOut: deliveries?.opted_out ?? 0,
        replaced: deliveries?.replaced ?? 0,
        pending: 0,
        skipped: 0,
        byChannel: {
          sms: { sent: 0, delivered: 0, failed: 0 },
          call: { sent: 0, delivered: 0, failed: 0 },
          email: { sent: email?.sent ?? 0, delivered: 0, failed: email?.failed ?? 0 },
        },
        byStage: {},
      };
      for (const g of groups) {
        const stage = (report.byStage[String(g.stage)] ??= {});
        stage[g.state] = (stage[g.state] ?? 0) + g.n;
        const sent = g.state === 'sent' || g.state === 'delivered' ? g.n : g.state === 'failed' ? g.with_sid : 0;
        report.sent += sent;
        if (g.state === 'delivered') report.delivered += g.n;
        if (g.state === 'failed') report.failed += g.n;
        if (g.state === 'skipped') report.skipped += g.n;
        if (OPEN_STATES.includes(g.state)) report.pending += g.n;
        if (g.channel) {
          const ch = report.byChannel[g.channel];
          ch.sent += sent;
          if (g.state === 'delivered') ch.delivered += g.n;
          if (g.state === 'failed') ch.failed += g.n;
        }
      }
      return report;
    },

    async stages(filter) {
      const rows = await sql<StageRowDb[]>`
        SELECT s.*, d.driver_no, ms.provider_id AS sms_sid, ms.status AS sms_status, ms.error_code AS sms_error,
          mc.provider_id AS call_sid, mc.status AS call_status, mc.error_code AS call_error, mc.answered_by
        FROM reminder_stages s JOIN reminder_deliveries d ON d.id = s.delivery_id
        LEFT JOIN reminder_attempts ms ON ms.delivery_id = s.delivery_id AND ms.stage = s.stage AND ms.channel = 'sms'
        LEFT JOIN reminder_attempts mc ON mc.delivery_id = s.delivery_id AND mc.stage = s.stage AND mc.channel = 'call'
        WHERE true
        ${filter.campaignId !== undefined ? sql`AND d.campaign_id = ${filter.campaignId}` : sql``}
        ${filter.deliveryId !== undefined ? sql`AND s.delivery_id = ${filter.deliveryId}` : sql``}
        ${filter.driverNo !== undefined ? sql`AND d.driver_no = ${filter.driverNo}` : sql``}
        ORDER BY s.delivery_id, s.stage DESC`;
      return rows.map(toStageRow);
    },

    async takeDue(now, opts, enqueue) {
      const requeueBefore = new Date(now.getTime() - opts.requeueAfterMs);
      const leaseBefore = new Date(now.getTime() - opts.leaseMs);
      return sql.begin(async (tx) => {
        type Row = { delivery_id: string; stage: number; channel: ReminderChannel | null };
        const due = await tx<Row[]>`
          SELECT s.delivery_id, s.stage, s.channel FROM reminder_stages s
          JOIN reminder_deliveries d ON d.id = s.delivery_id
          JOIN reminder_campaigns c ON c.id = d.campaign_id
          WHERE s.state = 'scheduled' AND s.due_at <= ${now} AND c.status = 'active' AND d.status <> 'stopped'
          ORDER BY s.due_at LIMIT ${opts.limit}
          FOR UPDATE OF s SKIP LOCKED`;
        const room = opts.limit - due.length;
        const stuck =
          opts.stuck && room > 0
            ? await tx<Row[]>`
          SELECT s.delivery_id, s.stage, s.channel FROM reminder_stages s
          JOIN reminder_deliveries d ON d.id = s.delivery_id
          JOIN reminder_campaigns c ON c.id = d.campaign_id
          WHERE s.state IN ('queued', 'sending') AND coalesce(s.queued_at, s.sending_at) < ${requeueBefore} AND c.status = 'active'
            AND (s.state = 'queued' OR s.sending_at < ${leaseBefore})
          ORDER BY coalesce(s.queued_at, s.sending_at) LIMIT ${room}
          FOR UPDATE OF s SKIP LOCKED`
            : [];
        const rows = [...due, ...stuck];
        if (rows.length === 0) return 0;
        const jobs: DispatchJob[] = rows.map((r) => ({ deliveryId: Number(r.delivery_id), stage: r.stage, channel: r.channel ?? 'sms' }));
        await enqueue(jobs);
        await tx`
          UPDATE reminder_stages s SET state = CASE WHEN s.state = 'scheduled' THEN 'queued' ELSE s.state END,
            queued_at = ${now}, updated_at = ${now}
          FROM unnest(${tx.array(rows.map((r) => r.delivery_id))}::text[], ${tx.array(rows.map((r) => r.stage))}::int[]) AS u(d, st)
          WHERE s.delivery_id = u.d::bigint AND s.stage = u.st`;
        return rows.length;
      }) as Promise<number>;
    },

    async stageContext(deliveryId, stage) {
      const rows = await sql<ContextRowDb[]>`${sql.unsafe(CONTEXT_SELECT)} WHERE s.delivery_id = ${deliveryId} AND s.stage = ${stage}`;
      return rows[0] ? toContext(rows[0]) : null;
    },

    async dispatchContext(deliveryId, stage) {
      const rows = await sql<DispatchRowDb[]>`
        SELECT ${sql.unsafe(DISPATCH_COLUMNS)}
        FROM reminder_stages s
        JOIN reminder_deliveries d ON d.id = s.delivery_id
        JOIN reminder_campaigns c ON c.id = d.campaign_id
        LEFT JOIN tokens t ON t.serial = d.token_serial
        LEFT JOIN drivers dr ON dr.driver_no = d.driver_no
        LEFT JOIN sms_opt_outs o ON o.phone = dr.mobile
        LEFT JOIN email_opt_outs eo ON eo.email = lower(dr.email)
        WHERE s.delivery_id = ${deliveryId} AND s.stage = ${stage}`;
      return rows[0] ? toDispatch(rows[0]) : null;
    },

    claimForDispatch(deliveryId, stage, channel, at) {
      return claimForDispatch({ deliveryId, stage, channel, at });
    },

    async claim(deliveryId, stage, channel, reason, at) {
      const rows = await sql<{ attempt: number }[]>`
        UPDATE reminder_stages s SET state = 'sending', channel = ${channel}, channel_reason = ${reason},
          attempt = s.attempt + 1, sending_at = ${at}, updated_at = ${at}
        FROM reminder_deliveries d, reminder_campaigns c
        WHERE s.delivery_id = ${deliveryId} AND s.stage = ${stage}
          AND (s.state = 'queued' OR (s.state = 'scheduled' AND s.due_at <= ${at}))
          AND d.id = s.delivery_id AND c.id = d.campaign_id AND c.status = 'active' AND d.status <> 'stopped'
        RETURNING s.attempt`;
      return rows[0] ? { attempt: rows[0].attempt } : null;
    },

    async reclaim(deliveryId, stage, expectedAttempt, at) {
      const rows = await sql<{ attempt: number }[]>`
        UPDATE reminder_stages SET attempt = attempt + 1, sending_at = ${at}, updated_at = ${at}
        WHERE delivery_id = ${deliveryId} AND stage = ${stage} AND state = 'sending' AND attempt = ${expectedAttempt}
        RETURNING attempt`;
      return rows[0] ? { attempt: rows[0].attempt } : null;
    },

    recordSent(ref, channel, sent, at, reason) {
      return recordSent({ ...ref, channel, sid: sent.sid, via: sent.via, at, reason: reason ?? null });
    },

    async recordTemporary(ref, error, at, reason) {
      return counted(sql<{ n: number }[]>`
        WITH upd AS (
          UPDATE reminder_stages SET state = 'queued', last_error = ${error}, updated_at = ${at},
            channel_reason = coalesce(${reason ?? null}, channel_reason)
          WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage} AND attempt = ${ref.attempt} AND state = 'sending'
          RETURNING 1)
        SELECT count(*)::int AS n FROM upd`);
    },

    async recordFailed(ref, channel, error, at, reason) {
      return counted(sql<{ n: number }[]>`
        WITH upd AS (
          UPDATE reminder_stages SET state = 'failed', settled_at = ${at}, last_error = ${error.message},
            channel_reason = coalesce(${reason ?? null}, channel_reason),
            updated_at = ${at}
          WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage} AND attempt = ${ref.attempt}
            AND state IN ('scheduled', 'queued', 'sending', 'sent')
          RETURNING delivery_id, stage),
        rec AS (
          INSERT INTO reminder_attempts (delivery_id, stage, channel, state, attempt, error_code, last_error, created_at, updated_at)
          SELECT delivery_id, stage, ${channel}::text, 'failed', ${ref.attempt}, ${error.code}::int, ${error.message}, ${at}::timestamptz, ${at}::timestamptz
          FROM upd WHERE ${channel}::text IS NOT NULL
          ON CONFLICT (delivery_id, stage, channel) DO UPDATE SET state = 'failed', error_code = EXCLUDED.error_code,
            last_error = EXCLUDED.last_error, updated_at = EXCLUDED.updated_at
          RETURNING 1)
        SELECT count(*)::int AS n FROM upd`);
    },

    async fallBackToCall(ref, smsError, next, at) {
      return counted(sql<{ n: number }[]>`
        WITH upd AS (
          UPDATE reminder_stages SET channel = 'call', channel_reason = 'sms_failed',
            state = ${next.state}, due_at = ${next.dueAt},
            queued_at = CASE WHEN ${next.state} = 'queued' THEN ${at}::timestamptz ELSE queued_at END,
            updated_at = ${at}
          WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage} AND attempt = ${ref.attempt}
            AND channel = 'sms' AND state IN ('sending', 'sent')
          RETURNING delivery_id, stage),
        rec AS (
          INSERT INTO reminder_attempts (delivery_id, stage, channel, state, attempt, error_code, created_at, updated_at)
          SELECT delivery_id, stage, 'sms', 'failed', ${ref.attempt}, ${smsError}::int, ${at}::timestamptz, ${at}::timestamptz FROM upd
          ON CONFLICT (delivery_id, stage, channel) DO UPDATE SET state = 'failed',
            error_code = coalesce(EXCLUDED.error_code, reminder_attempts.error_code), updated_at = EXCLUDED.updated_at
          RETURNING 1)
        SELECT count(*)::int AS n FROM upd`);
    },

    async reschedule(ref, next, at) {
      const state = next.state ?? 'scheduled';
      return counted(sql<{ n: number }[]>`
        WITH upd AS (
          UPDATE reminder_stages SET state = ${state}, due_at = ${next.dueAt},
            channel = ${next.channel === undefined ? sql`channel` : sql`${next.channel}`},
            channel_reason = ${next.reason === undefined ? sql`channel_reason` : sql`${next.reason}`},
            queued_at = CASE WHEN ${state} = 'queued' THEN ${at}::timestamptz ELSE queued_at END,
            updated_at = ${at}
          WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage} AND state = ANY(${sql.array(ref.fromStates)}::text[])
            ${ref.attempt !== undefined ? sql`AND attempt = ${ref.attempt}` : sql``}
          RETURNING 1)
        SELECT count(*)::int AS n FROM upd`);
    },

    async skip(ref, reason, at) {
      return counted(sql<{ n: number }[]>`
        WITH upd AS (
          UPDATE reminder_stages SET state = 'skipped', skip_reason = ${reason}, settled_at = ${at}, updated_at = ${at}
          WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage} AND state IN ('scheduled', 'queued', 'sending')
          RETURNING 1)
        SELECT count(*)::int AS n FROM upd`);
    },

    async stopForDriver(driverNo, reason, at) {
      // A send under way ('sending') is left to finish and be recorded.
      return stopDeliveries(sql`driver_no = ${driverNo}`, ['scheduled', 'queued'], reason, at);
    },

    async stopDelivery(deliveryId, reason, at) {
      // Called by the worker that holds the stage: its 'sending' mark is skipped too.
      return (await stopDeliveries(sql`id = ${deliveryId}`, ['scheduled', 'queued', 'sending'], reason, at)) > 0;
    },

    async applyStatus(ref, channel, update, at) {
      return sql.begin(async (tx) => {
        const rows = await tx<(ContextRowDb & { sms_status: string | null; call_status: string | null })[]>`${tx.unsafe(CONTEXT_SELECT)}
          WHERE s.delivery_id = ${ref.deliveryId} AND s.stage = ${ref.stage} FOR UPDATE OF s`;
        if (!rows[0]) return { applied: false, context: null };
        const ctx = toContext(rows[0]);
        // Callbacks may arrive out of order: a status never goes back (a late 'sent' after 'delivered').
        const previous = channel === 'sms' ? rows[0].sms_status : rows[0].call_status;
        const status = statusRank(channel, update.status) >= statusRank(channel, previous) ? update.status : previous;
        const ours = ctx.channel === channel && ctx.attempt === ref.attempt;
        const moves =
          ours &&
          ((update.state === 'sent' && ctx.state === 'sending') ||
            ((update.state === 'delivered' || update.state === 'failed') && (ctx.state === 'sending' || ctx.state === 'sent')));
        const next = moves ? update.state! : ctx.state;
        await tx`
          INSERT INTO reminder_attempts (delivery_id, stage, channel, state, attempt, via, provider_id, status, error_code, answered_by, created_at, updated_at)
          VALUES (${ref.deliveryId}, ${ref.stage}, ${channel}, ${update.state === 'failed' ? 'failed' : 'sent'}, ${ref.attempt}, 'provider',
            ${update.sid}, ${status}, ${update.errorCode}, ${update.answeredBy ?? null}, ${at}, ${at})
          ON CONFLICT (delivery_id, stage, channel) DO UPDATE SET
            provider_id = coalesce(reminder_attempts.provider_id, EXCLUDED.provider_id),
            status = EXCLUDED.status,
            error_code = coalesce(EXCLUDED.error_code, reminder_attempts.error_code),
            answered_by = coalesce(EXCLUDED.answered_by, reminder_attempts.answered_by),
            state = CASE WHEN ${update.state === 'failed'} THEN 'failed' ELSE reminder_attempts.state END,
            updated_at = EXCLUDED.updated_at`;
        await tx`
          UPDATE reminder_stages SET
            state = ${next},
            via = CASE WHEN ${moves} THEN 'provider' ELSE via END,
            settled_at = CASE WHEN ${moves && next !== 'sent'} THEN ${at}::timestamptz ELSE settled_at END,
            updated_at = ${at}
          WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage}`;
        return { applied: moves, context: { ...ctx, state: next } };
      }) as Promise<{ applied: boolean; context: StageContext | null }>;
    },

    recordAnsweredBy,

    async outboxSid(purpose) {
      const rows = await sql<{ sid: string }[]>`SELECT sid FROM outbox WHERE purpose = ${purpose} ORDER BY id LIMIT 1`;
      return rows[0]?.sid ?? null;
    },
  };
}
