/**
 * Migration 006: the attempts of a channel sent alongside a stage's ladder (email), one row per
 * (delivery, stage, channel), and the email opt-outs (the unsubscribe link). Every state change is
 * a compare-and-set on the attempt number, as for the stages: a stale worker changes nothing.
 */
import type { Sql } from '../connect.js';
import type { SendChannel } from '../../reminders/ports.js';

export type AttemptState = 'queued' | 'sending' | 'sent' | 'failed' | 'skipped';

export interface AttemptRow {
  deliveryId: number;
  stage: number;
  channel: SendChannel;
  state: AttemptState;
  attempt: number;
  via: 'provider' | 'outbox' | null;
  providerId: string | null;
  errorCode: number | null;
  lastError: string | null;
  sendingAt: Date | null;
}

export interface AttemptRef {
  deliveryId: number;
  stage: number;
  channel: SendChannel;
}

export interface AttemptRepository {
  /** Creates the attempt 'queued' when it is not there yet; true while it is still 'queued' (a job should run it). */
  open(ref: AttemptRef, at: Date): Promise<boolean>;
  get(ref: AttemptRef): Promise<AttemptRow | null>;
  /** queued -> sending, attempt bumped; null when it is not queued. */
  claim(ref: AttemptRef, at: Date): Promise<{ attempt: number } | null>;
  /** A 'sending' attempt whose worker died, taken over after a definite "never sent". */
  reclaim(ref: AttemptRef, expectedAttempt: number, at: Date): Promise<{ attempt: number } | null>;
  recordSent(ref: AttemptRef, attempt: number, sent: { id: string; via: 'provider' | 'outbox' }, at: Date): Promise<boolean>;
  /** sending -> queued: the queue retries. */
  recordTemporary(ref: AttemptRef, attempt: number, error: string, at: Date): Promise<boolean>;
  recordFailed(ref: AttemptRef, attempt: number, error: { code: number | null; message: string }, at: Date): Promise<boolean>;
  /** Not sent at all (opted out, token replaced, no address). */
  skip(ref: AttemptRef, reason: string, at: Date): Promise<boolean>;
  list(filter: { campaignId?: number; deliveryId?: number; channel?: SendChannel }): Promise<AttemptRow[]>;
  /**
   * The safety net: attempts of active campaigns left 'queued' since before `requeueBefore` (their
   * job was lost), or 'sending' since before `leaseBefore` (their worker died), to hand out again.
   */
  stuck(requeueBefore: Date, leaseBefore: Date, limit: number): Promise<AttemptRef[]>;
}

interface AttemptRowDb {
  delivery_id: string;
  stage: number;
  channel: SendChannel;
  state: AttemptState;
  attempt: number;
  via: 'provider' | 'outbox' | null;
  provider_id: string | null;
  error_code: number | null;
  last_error: string | null;
  sending_at: Date | null;
}

const toRow = (r: AttemptRowDb): AttemptRow => ({
  deliveryId: Number(r.delivery_id),
  stage: r.stage,
  channel: r.channel,
  state: r.state,
  attempt: r.attempt,
  via: r.via,
  providerId: r.provider_id,
  errorCode: r.error_code,
  lastError: r.last_error,
  sendingAt: r.sending_at,
});

export function createAttemptRepository(sql: Sql): AttemptRepository {
  const where = (r: AttemptRef) => sql`delivery_id = ${r.deliveryId} AND stage = ${r.stage} AND channel = ${r.channel}`;
  const changed = async (q: PromiseLike<readonly unknown[]>) => (await q).length > 0;
  return {
    async open(ref, at) {
      const rows = await sql<{ state: AttemptState }[]>`
        INSERT INTO reminder_attempts (delivery_id, stage, channel, state, created_at, updated_at)
        VALUES (${ref.deliveryId}, ${ref.stage}, ${ref.channel}, 'queued', ${at}, ${at})
        ON CONFLICT (delivery_id, stage, channel) DO UPDATE SET updated_at = reminder_attempts.updated_at
        RETURNING state`;
      return rows[0]?.state === 'queued';
    },
    async get(ref) {
      const rows = await sql<AttemptRowDb[]>`SELECT * FROM reminder_attempts WHERE ${where(ref)}`;
      return rows[0] ? toRow(rows[0]) : null;
    },
    async claim(ref, at) {
      const rows = await sql<{ attempt: number }[]>`
        UPDATE reminder_attempts SET state = 'sending', attempt = attempt + 1, sending_at = ${at}, updated_at = ${at}
        WHERE ${where(ref)} AND state = 'queued' RETURNING attempt`;
      return rows[0] ? { attempt: rows[0].attempt } : null;
    },
    async reclaim(ref, expected, at) {
      const rows = await sql<{ attempt: number }[]>`
        UPDATE reminder_attempts SET attempt = attempt + 1, sending_at = ${at}, updated_at = ${at}
        WHERE ${where(ref)} AND state = 'sending' AND attempt = ${expected} RETURNING attempt`;
      return rows[0] ? { attempt: rows[0].attempt } : null;
    },
    recordSent(ref, attempt, sent, at) {
      return changed(sql`
        UPDATE reminder_attempts SET state = 'sent', provider_id = ${sent.id}, via = ${sent.via}, last_error = NULL, updated_at = ${at}
        WHERE ${where(ref)} AND attempt = ${attempt} AND state = 'sending' RETURNING 1`);
    },
    recordTemporary(ref, attempt, error, at) {
      return changed(sql`
        UPDATE reminder_attempts SET state = 'queued', last_error = ${error}, updated_at = ${at}
        WHERE ${where(ref)} AND attempt = ${attempt} AND state = 'sending' RETURNING 1`);
    },
    recordFailed(ref, attempt, error, at) {
      return changed(sql`
        UPDATE reminder_attempts SET state = 'failed', error_code = ${error.code}, last_error = ${error.message}, updated_at = ${at}
        WHERE ${where(ref)} AND attempt = ${attempt} AND state IN ('queued', 'sending') RETURNING 1`);
    },
    skip(ref, reason, at) {
      return changed(sql`
        UPDATE reminder_attempts SET state = 'skipped', last_error = ${reason}, updated_at = ${at}
        WHERE ${where(ref)} AND state IN ('queued', 'sending') RETURNING 1`);
    },
    async list(filter) {
      const rows = await sql<AttemptRowDb[]>`
        SELECT a.* FROM reminder_attempts a JOIN reminder_deliveries d ON d.id = a.delivery_id
        WHERE true
        ${filter.campaignId !== undefined ? sql`AND d.campaign_id = ${filter.campaignId}` : sql``}
        ${filter.deliveryId !== undefined ? sql`AND a.delivery_id = ${filter.deliveryId}` : sql``}
        ${filter.channel !== undefined ? sql`AND a.channel = ${filter.channel}` : sql``}
        ORDER BY a.delivery_id, a.stage DESC, a.channel`;
      return rows.map(toRow);
    },
    async stuck(requeueBefore, leaseBefore, limit) {
      const rows = await sql<{ delivery_id: string; stage: number; channel: SendChannel }[]>`
        SELECT a.delivery_id, a.stage, a.channel FROM reminder_attempts a
        JOIN reminder_deliveries d ON d.id = a.delivery_id
        JOIN reminder_campaigns c ON c.id = d.campaign_id
        WHERE c.status = 'active' AND d.status = 'active'
          AND ((a.state = 'queued' AND a.updated_at < ${requeueBefore}) OR (a.state = 'sending' AND a.sending_at < ${leaseBefore}))
        ORDER BY a.updated_at LIMIT ${limit}`;
      return rows.map((r) => ({ deliveryId: Number(r.delivery_id), stage: r.stage, channel: r.channel }));
    },
  };
}

/** The email opt-outs (migration 006): the unsubscribe link is email's STOP. Keyed by the lower-cased address. */
export interface EmailOptOutRepository {
  set(email: string, optedOut: boolean, at: Date): Promise<void>;
  isOptedOut(email: string): Promise<boolean>;
}

export function createEmailOptOutRepository(sql: Sql): EmailOptOutRepository {
  return {
    async set(email, optedOut, at) {
      await sql`
        INSERT INTO email_opt_outs (email, opted_out, changed_at) VALUES (${email.toLowerCase()}, ${optedOut}, ${at})
        ON CONFLICT (email) DO UPDATE SET opted_out = EXCLUDED.opted_out, changed_at = EXCLUDED.changed_at`;
    },
    async isOptedOut(email) {
      const rows = await sql<{ opted_out: boolean }[]>`SELECT opted_out FROM email_opt_outs WHERE email = ${email.toLowerCase()}`;
      return rows[0]?.opted_out ?? false;
    },
  };
}
