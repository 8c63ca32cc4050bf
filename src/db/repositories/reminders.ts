/** The reminder tables (migration 002): campaigns, deliveries and their stages. */
import type postgres from 'postgres';
import type { Sql } from '../connect.js';
import { batched } from '../batch.js';
import type { Locale } from '../../core/types.js';
import type {
  Campaign,
  DispatchContext,
  CampaignReport,
  ChannelReason,
  DispatchJob,
  ReminderChannel,
  ReminderRepository,
  StageContext,
  StageRow,
  StageState,
} from '../../reminders/ports.js';

interface CampaignRowDb {
  id: string;
  name: string;
  label_colour: string | null;
  expires_before: string | null;
  stages: number[];
  status: Campaign['status'];
  created_at: Date;
  updated_at: Date;
}

const CAMPAIGN_COLUMNS = `id, name, label_colour, expires_before::text AS expires_before, stages, status, created_at, updated_at`;

const toCampaign = (r: CampaignRowDb): Campaign => ({
  id: Number(r.id),
  name: r.name,
  labelColour: r.label_colour,
  expiresBefore: r.expires_before,
  stages: r.stages.map(Number),
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface ContextRowDb {
  delivery_id: string;
  stage: number;
  campaign_id: string;
  campaign_status: Campaign['status'];
  delivery_status: StageContext['deliveryStatus'];
  driver_no: string;
  token_serial: string;
  expires_on: string;
  state: StageState;
  due_at: Date;
  channel: ReminderChannel | null;
  channel_reason: ChannelReason | null;
  attempt: number;
  sending_at: Date | null;
  sms_sid: string | null;
  call_sid: string | null;
}

const CONTEXT_SELECT = `SELECT s.delivery_id, s.stage, d.campaign_id, c.status AS campaign_status, d.status AS delivery_status,
  d.driver_no, d.token_serial, d.expires_on::text AS expires_on, s.state, s.due_at, s.channel, s.channel_reason, s.attempt,
  s.sending_at, s.sms_sid, s.call_sid, s.sms_status, s.call_status
  FROM reminder_stages s
  JOIN reminder_deliveries d ON d.id = s.delivery_id
  JOIN reminder_campaigns c ON c.id = d.campaign_id`;

type DispatchRowDb = ContextRowDb & {
  t_serial: string | null;
  t_expires_on: string | null;
  t_status: 'active' | 'locked' | 'replaced' | null;
  mobile: string | null;
  sms_capable: boolean | null;
  locale: Locale | null;
  opted_out: boolean | null;
  email: string | null;
  email_opted_out: boolean | null;
  demo: boolean | null;
};

const DISPATCH_COLUMNS = `s.delivery_id, s.stage, d.campaign_id, c.status AS campaign_status, d.status AS delivery_status,
  d.driver_no, d.token_serial, d.expires_on::text AS expires_on, s.state, s.due_at, s.channel, s.channel_reason,
  s.attempt, s.sending_at, s.sms_sid, s.call_sid,
  t.serial AS t_serial, t.expires_on::text AS t_expires_on, t.status AS t_status,
  dr.mobile, dr.sms_capable, dr.locale, o.opted_out, dr.email, eo.opted_out AS email_opted_out, dr.demo`;

const toDispatch = (r: DispatchRowDb): DispatchContext => ({
  ...toContext(r),
  token: r.t_serial ? { serial: r.t_serial, expiresOn: r.t_expires_on!, status: r.t_status! } : null,
  recipient: r.mobile
    ? {
        mobile: r.mobile,
        smsCapable: r.sms_capable ?? false,
        locale: r.locale ?? 'zh-HK',
        optedOut: r.opted_out ?? false,
        email: r.email,
        emailOptedOut: r.email_opted_out ?? false,
        demo: r.demo ?? false,
      }
    : null,
});

const toContext = (r: ContextRowDb): StageContext => ({
  deliveryId: Number(r.delivery_id),
  stage: r.stage,
  campaignId: Number(r.campaign_id),
  campaignStatus: r.campaign_status,
  deliveryStatus: r.delivery_status,
  driverNo: r.driver_no,
  tokenSerial: r.token_serial,
  expiresOn: r.expires_on,
  state: r.state,
  dueAt: r.due_at,
  channel: r.channel,
  channelReason: r.channel_reason,
  attempt: r.attempt,
  sendingAt: r.sending_at,
  smsSid: r.sms_sid,
  callSid: r.call_sid,
});

interface StageRowDb {
  delivery_id: string;
  driver_no: string;
  stage: number;
  due_at: Date;
  state: StageState;
  channel: ReminderChannel | null;
  channel_reason: ChannelReason | null;
  attempt: number;
  via: 'provider' | 'outbox' | null;
  sms_sid: string | null;
  sms_status: string | null;
  sms_error: number | null;
  call_sid: string | null;
  call_status: string | null;
  call_error: number | null;
  answered_by: string | null;
  last_error: string | null;
  skip_reason: string | null;
}

const OPEN_STATES = ['scheduled', 'queued', 'sending'];

/** Order of Twilio's statuses: final ones last. https://www.twilio.com/docs/messaging/api/message-resource#message-status-values */
const STATUS_ORDER: Record<ReminderChannel, string[][]> = {
  sms: [['accepted', 'scheduled', 'queued'], ['sending'], ['sent'], ['delivered', 'undelivered', 'failed', 'read', 'canceled']],
  call: [['queued'], ['initiated'], ['ringing'], ['in-progress', 'answered'], ['completed', 'busy', 'no-answer', 'failed', 'canceled']],
};
const statusRank = (channel: ReminderChannel, status: string | null): number =>
  status === null ? -1 : STATUS_ORDER[channel].findIndex((g) => g.includes(status));
const CHUNK = 5000;

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
          sms_sid = CASE WHEN ${r.channel} = 'sms' THEN coalesce(sms_sid, ${r.sid}) ELSE sms_sid END,
          call_sid = CASE WHEN ${r.channel} = 'call' THEN coalesce(call_sid, ${r.sid}) ELSE call_sid END,
          last_error = NULL, updated_at = ${r.at}
        WHERE delivery_id = ${r.deliveryId} AND stage = ${r.stage} AND attempt = ${r.attempt} AND state = 'sending'
        RETURNING 1)
      SELECT count(*)::int AS n FROM upd`);
  const recordMany = async (items: SentItem[]): Promise<boolean[]> => {
    const col = <T>(f: (r: SentItem) => T) => sql.array(items.map(f) as never[]);
    const rows = await sql<{ i: number }[]>`
      UPDATE reminder_stages s SET state = 'sent', via = v.via, channel = v.channel,
        channel_reason = coalesce(v.reason, s.channel_reason),
        sms_sid = CASE WHEN v.channel = 'sms' THEN coalesce(s.sms_sid, v.sid) ELSE s.sms_sid END,
        call_sid = CASE WHEN v.channel = 'call' THEN coalesce(s.call_sid, v.sid) ELSE s.call_sid END,
        last_error = NULL, updated_at = v.at
      FROM unnest(${col((r) => r.deliveryId)}::bigint[], ${col((r) => r.stage)}::int[], ${col((r) => r.attempt)}::int[],
          ${col((r) => r.channel)}::text[], ${col((r) => r.sid)}::text[], ${col((r) => r.via)}::text[],
          ${col((r) => r.at.toISOString())}::timestamptz[], ${col((r) => r.reason)}::text[])
        WITH ORDINALITY AS v(delivery_id, stage, attempt, channel, sid, via, at, reason, i)
      WHERE s.delivery_id = v.delivery_id AND s.stage = v.stage AND s.attempt = v.attempt AND s.state = 'sending'
      RETURNING (v.i - 1)::int AS i`;
    const out = items.map(() => false);
    for (const r of rows) out[r.i] = true;
    return out;
  };
  const recordSent = batched(recordMany, recordOne, { onBatchFailure: opts.onBatchFailure });

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
            AND (s.channel_reason = 'opted_out' OR s.sms_error = 21610)))::int AS opted_out
        FROM reminder_deliveries d WHERE d.campaign_id = ${id}`;
      const groups = await sql<{ stage: number; state: StageState; channel: ReminderChannel | null; n: number; with_sid: number }[]>`
        SELECT s.stage, s.state, s.channel, count(*)::int AS n,
          count(*) FILTER (WHERE (s.channel = 'sms' AND s.sms_sid IS NOT NULL) OR (s.channel = 'call' AND s.call_sid IS NOT NULL))::int AS with_sid
        FROM reminder_stages s JOIN reminder_deliveries d ON d.id = s.delivery_id
        WHERE d.campaign_id = ${id} GROUP BY s.stage, s.state, s.channel`;
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
        byChannel: { sms: { sent: 0, delivered: 0, failed: 0 }, call: { sent: 0, delivered: 0, failed: 0 } },
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
        SELECT s.*, d.driver_no FROM reminder_stages s JOIN reminder_deliveries d ON d.id = s.delivery_id
        WHERE true
        ${filter.campaignId !== undefined ? sql`AND d.campaign_id = ${filter.campaignId}` : sql``}
        ${filter.deliveryId !== undefined ? sql`AND s.delivery_id = ${filter.deliveryId}` : sql``}
        ${filter.driverNo !== undefined ? sql`AND d.driver_no = ${filter.driverNo}` : sql``}
        ORDER BY s.delivery_id, s.stage DESC`;
      return rows.map(
        (r): StageRow => ({
          deliveryId: Number(r.delivery_id),
          driverNo: r.driver_no,
          stage: r.stage,
          dueAt: r.due_at,
          state: r.state,
          channel: r.channel,
          channelReason: r.channel_reason,
          attempt: r.attempt,
          via: r.via,
          smsSid: r.sms_sid,
          smsStatus: r.sms_status,
          smsError: r.sms_error,
          callSid: r.call_sid,
          callStatus: r.call_status,
          callError: r.call_error,
          answeredBy: r.answered_by,
          lastError: r.last_error,
          skipReason: r.skip_reason,
        }),
      );
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
            sms_error = CASE WHEN ${channel} = 'sms' THEN ${error.code} ELSE sms_error END,
            call_error = CASE WHEN ${channel} = 'call' THEN ${error.code} ELSE call_error END,
            updated_at = ${at}
          WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage} AND attempt = ${ref.attempt}
            AND state IN ('scheduled', 'queued', 'sending', 'sent')
          RETURNING 1)
        SELECT count(*)::int AS n FROM upd`);
    },

    async fallBackToCall(ref, smsError, next, at) {
      return counted(sql<{ n: number }[]>`
        WITH upd AS (
          UPDATE reminder_stages SET channel = 'call', channel_reason = 'sms_failed', sms_error = coalesce(${smsError}, sms_error),
            state = ${next.state}, due_at = ${next.dueAt},
            queued_at = CASE WHEN ${next.state} = 'queued' THEN ${at}::timestamptz ELSE queued_at END,
            updated_at = ${at}
          WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage} AND attempt = ${ref.attempt}
            AND channel = 'sms' AND state IN ('sending', 'sent')
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
        const sidCol = channel === 'sms' ? 'sms_sid' : 'call_sid';
        const statusCol = channel === 'sms' ? 'sms_status' : 'call_status';
        const errorCol = channel === 'sms' ? 'sms_error' : 'call_error';
        await tx`
          UPDATE reminder_stages SET
            ${tx(sidCol)} = coalesce(${tx(sidCol)}, ${update.sid}),
            ${tx(statusCol)} = ${status},
            ${tx(errorCol)} = coalesce(${update.errorCode}, ${tx(errorCol)}),
            answered_by = coalesce(${update.answeredBy ?? null}, answered_by),
            state = ${next},
            via = CASE WHEN ${moves} THEN 'provider' ELSE via END,
            settled_at = CASE WHEN ${moves && next !== 'sent'} THEN ${at}::timestamptz ELSE settled_at END,
            updated_at = ${at}
          WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage}`;
        return { applied: moves, context: { ...ctx, state: next } };
      }) as Promise<{ applied: boolean; context: StageContext | null }>;
    },

    async recordAnsweredBy(ref, answeredBy, at) {
      await sql`
        UPDATE reminder_stages SET answered_by = ${answeredBy}, updated_at = ${at}
        WHERE delivery_id = ${ref.deliveryId} AND stage = ${ref.stage} AND attempt = ${ref.attempt}`;
    },

    async outboxSid(purpose) {
      const rows = await sql<{ sid: string }[]>`SELECT sid FROM outbox WHERE purpose = ${purpose} ORDER BY id LIMIT 1`;
      return rows[0]?.sid ?? null;
    },
  };
}
