/** Rows, columns and mappers of the reminder tables (src/db/repositories/reminders.ts and reminder-sends.ts). */
import type { Locale } from '../../core/types.js';
import type { Campaign, ChannelReason, DispatchContext, ReminderChannel, StageContext, StageRow, StageState } from '../../reminders/ports.js';

export interface CampaignRowDb {
  id: string;
  name: string;
  label_colour: string | null;
  expires_before: string | null;
  stages: number[];
  status: Campaign['status'];
  created_at: Date;
  updated_at: Date;
}

export const CAMPAIGN_COLUMNS = `id, name, label_colour, expires_before::text AS expires_before, stages, status, created_at, updated_at`;

export const toCampaign = (r: CampaignRowDb): Campaign => ({
  id: Number(r.id),
  name: r.name,
  labelColour: r.label_colour,
  expiresBefore: r.expires_before,
  stages: r.stages.map(Number),
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface ContextRowDb {
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

/** A column of a stage's attempt on `channel` (reminder_attempts, migration 006), as a scalar subquery of stage `s`. */
const attemptCol = (col: string, channel: 'sms' | 'call') =>
  `(SELECT a.${col} FROM reminder_attempts a WHERE a.delivery_id = s.delivery_id AND a.stage = s.stage AND a.channel = '${channel}')`;

export const CONTEXT_SELECT = `SELECT s.delivery_id, s.stage, d.campaign_id, c.status AS campaign_status, d.status AS delivery_status,
  d.driver_no, d.token_serial, d.expires_on::text AS expires_on, s.state, s.due_at, s.channel, s.channel_reason, s.attempt,
  s.sending_at, ${attemptCol('provider_id', 'sms')} AS sms_sid, ${attemptCol('provider_id', 'call')} AS call_sid,
  ${attemptCol('status', 'sms')} AS sms_status, ${attemptCol('status', 'call')} AS call_status
  FROM reminder_stages s
  JOIN reminder_deliveries d ON d.id = s.delivery_id
  JOIN reminder_campaigns c ON c.id = d.campaign_id`;

export type DispatchRowDb = ContextRowDb & {
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

export const DISPATCH_COLUMNS = `s.delivery_id, s.stage, d.campaign_id, c.status AS campaign_status, d.status AS delivery_status,
  d.driver_no, d.token_serial, d.expires_on::text AS expires_on, s.state, s.due_at, s.channel, s.channel_reason,
  s.attempt, s.sending_at, ${attemptCol('provider_id', 'sms')} AS sms_sid, ${attemptCol('provider_id', 'call')} AS call_sid,
  t.serial AS t_serial, t.expires_on::text AS t_expires_on, t.status AS t_status,
  dr.mobile, dr.sms_capable, dr.locale, o.opted_out, dr.email, eo.opted_out AS email_opted_out, dr.demo`;

export const toDispatch = (r: DispatchRowDb): DispatchContext => ({
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

export const toContext = (r: ContextRowDb): StageContext => ({
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

export interface StageRowDb {
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

export const OPEN_STATES = ['scheduled', 'queued', 'sending'];

/** A rung's attempt accepted by the provider: the first id it got is kept (a status callback may have brought it first). */
export const SENT_CONFLICT_SQL = `ON CONFLICT (delivery_id, stage, channel) DO UPDATE SET state = 'sent', attempt = EXCLUDED.attempt, via = EXCLUDED.via,
  provider_id = coalesce(reminder_attempts.provider_id, EXCLUDED.provider_id), updated_at = EXCLUDED.updated_at`;

/** Order of Twilio's statuses: final ones last. https://www.twilio.com/docs/messaging/api/message-resource#message-status-values */
export const STATUS_ORDER: Record<ReminderChannel, string[][]> = {
  sms: [['accepted', 'scheduled', 'queued'], ['sending'], ['sent'], ['delivered', 'undelivered', 'failed', 'read', 'canceled']],
  call: [['queued'], ['initiated'], ['ringing'], ['in-progress', 'answered'], ['completed', 'busy', 'no-answer', 'failed', 'canceled']],
};
export const statusRank = (channel: ReminderChannel, status: string | null): number =>
  status === null ? -1 : STATUS_ORDER[channel].findIndex((g) => g.includes(status));
export const CHUNK = 5000;

export const toStageRow = (r: StageRowDb): StageRow => ({
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
});
