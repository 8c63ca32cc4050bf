-- Email reminders (issue 12, "reminders as senders"): an optional address per driver, email opt-outs
-- (the unsubscribe link, email's STOP), email in the outbox, and one record per send attempt of a
-- channel that is not a rung of the stage's ladder (email goes alongside the first rung).
ALTER TABLE drivers ADD COLUMN email text;

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('sms', 'call', 'email'));

-- Keyed by the lower-cased address: one opt-out whatever the case a driver's record uses.
CREATE TABLE email_opt_outs (
  email      text PRIMARY KEY,
  opted_out  boolean NOT NULL,
  changed_at timestamptz NOT NULL
);

-- One attempts record per (stage, channel) instead of per-channel columns on the stage: the
-- provider's id (Twilio sid, SMTP message id, outbox sid), its last status, the outcome and the error.
-- SMS and call rungs get theirs when the provider answers (the stage keeps the ladder's state); email,
-- sent alongside the first rung, has its own lifecycle here ('queued' when the first rung goes).
CREATE TABLE reminder_attempts (
  delivery_id  bigint NOT NULL,
  stage        integer NOT NULL,
  channel      text NOT NULL,
  state        text NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
  attempt      integer NOT NULL DEFAULT 0,
  via          text CHECK (via IN ('provider', 'outbox')),
  provider_id  text,
  status       text,
  error_code   integer,
  answered_by  text,
  last_error   text,
  sending_at   timestamptz,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (delivery_id, stage, channel),
  FOREIGN KEY (delivery_id, stage) REFERENCES reminder_stages (delivery_id, stage)
);

-- Existing stages keep what they recorded: their sids, statuses, errors and answering machines move
-- into the attempts record, then the per-channel columns go.
INSERT INTO reminder_attempts (delivery_id, stage, channel, state, attempt, via, provider_id, status, error_code, created_at, updated_at)
SELECT delivery_id, stage, 'sms',
  CASE WHEN sms_error IS NOT NULL OR sms_status IN ('failed', 'undelivered') OR (channel = 'sms' AND state = 'failed') THEN 'failed' ELSE 'sent' END,
  attempt, CASE WHEN sms_sid LIKE 'OB%' THEN 'outbox' WHEN sms_sid IS NOT NULL THEN 'provider' END,
  sms_sid, sms_status, sms_error, updated_at, updated_at
FROM reminder_stages WHERE sms_sid IS NOT NULL OR sms_status IS NOT NULL OR sms_error IS NOT NULL;

INSERT INTO reminder_attempts (delivery_id, stage, channel, state, attempt, via, provider_id, status, error_code, answered_by, created_at, updated_at)
SELECT delivery_id, stage, 'call',
  CASE WHEN call_error IS NOT NULL OR (channel = 'call' AND state = 'failed') THEN 'failed' ELSE 'sent' END,
  attempt, CASE WHEN call_sid LIKE 'OB%' THEN 'outbox' WHEN call_sid IS NOT NULL THEN 'provider' END,
  call_sid, call_status, call_error, answered_by, updated_at, updated_at
FROM reminder_stages WHERE call_sid IS NOT NULL OR call_status IS NOT NULL OR call_error IS NOT NULL OR answered_by IS NOT NULL;

ALTER TABLE reminder_stages
  DROP COLUMN sms_sid, DROP COLUMN sms_status, DROP COLUMN sms_error,
  DROP COLUMN call_sid, DROP COLUMN call_status, DROP COLUMN call_error, DROP COLUMN answered_by;
-- The rungs are configuration (REMINDER_LADDER): a new channel needs no migration.
ALTER TABLE reminder_stages DROP CONSTRAINT reminder_stages_channel_check;
