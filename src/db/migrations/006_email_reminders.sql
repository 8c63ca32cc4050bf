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

-- One row per (stage, channel): the attempt counter, the provider's id (SMTP message id, outbox sid),
-- the outcome and the last error. Created 'queued' when the stage's first rung is dispatched.
CREATE TABLE reminder_attempts (
  delivery_id  bigint NOT NULL,
  stage        integer NOT NULL,
  channel      text NOT NULL,
  state        text NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
  attempt      integer NOT NULL DEFAULT 0,
  via          text CHECK (via IN ('provider', 'outbox')),
  provider_id  text,
  error_code   integer,
  last_error   text,
  sending_at   timestamptz,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (delivery_id, stage, channel),
  FOREIGN KEY (delivery_id, stage) REFERENCES reminder_stages (delivery_id, stage)
);
