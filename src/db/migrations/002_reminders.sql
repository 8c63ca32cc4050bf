-- Token-replacement reminder campaigns: a campaign, one delivery per driver, one row per stage.
-- Postgres holds the schedule and the outcome of every send; the queue only carries the work.
CREATE TABLE reminder_campaigns (
  id             bigserial PRIMARY KEY,
  name           text NOT NULL,
  label_colour   text,
  expires_before date,
  -- Days before expiry, largest first (30, 14, 7, 1).
  stages         integer[] NOT NULL,
  status         text NOT NULL CHECK (status IN ('active', 'paused')),
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  CONSTRAINT reminder_campaigns_selects CHECK (label_colour IS NOT NULL OR expires_before IS NOT NULL)
);

CREATE TABLE reminder_deliveries (
  id             bigserial PRIMARY KEY,
  campaign_id    bigint NOT NULL REFERENCES reminder_campaigns (id),
  driver_no      text NOT NULL REFERENCES drivers (driver_no),
  token_serial   text NOT NULL REFERENCES tokens (serial),
  expires_on     date NOT NULL,
  -- stopped: the token was replaced (its stages to come were skipped).
  status         text NOT NULL CHECK (status IN ('active', 'stopped')),
  stopped_reason text,
  stopped_at     timestamptz,
  created_at     timestamptz NOT NULL,
  -- One delivery per campaign and driver, whatever races the creation.
  CONSTRAINT reminder_deliveries_once UNIQUE (campaign_id, driver_no)
);
-- A token is reminded by one campaign: an overlapping campaign (or the same one created again)
-- never reminds it twice. Stopped deliveries (token replaced) hold an old token anyway.
CREATE UNIQUE INDEX reminder_deliveries_token_idx ON reminder_deliveries (token_serial) WHERE status = 'active';
CREATE INDEX reminder_deliveries_driver_idx ON reminder_deliveries (driver_no);

CREATE TABLE reminder_stages (
  delivery_id    bigint NOT NULL REFERENCES reminder_deliveries (id),
  -- Days before expiry.
  stage          integer NOT NULL,
  due_at         timestamptz NOT NULL,
  -- scheduled -> queued -> sending -> sent -> delivered | failed; skipped when missed or replaced.
  state          text NOT NULL CHECK (state IN ('scheduled', 'queued', 'sending', 'sent', 'delivered', 'failed', 'skipped')),
  -- The channel in use (null until chosen) and why: sms, no_sms_number, opted_out, sms_failed.
  channel        text CHECK (channel IN ('sms', 'call')),
  channel_reason text,
  -- Claim counter: bumped each time a worker marks the stage 'sending'; callbacks carry it.
  attempt        integer NOT NULL DEFAULT 0,
  queued_at      timestamptz,
  sending_at     timestamptz,
  settled_at     timestamptz,
  via            text CHECK (via IN ('provider', 'outbox')),
  sms_sid        text,
  sms_status     text,
  sms_error      integer,
  call_sid       text,
  call_status    text,
  call_error     integer,
  answered_by    text,
  -- Last error and its kind (temporary, permanent, uncertain), or why the stage was skipped.
  last_error     text,
  skip_reason    text,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (delivery_id, stage)
);
-- The scheduler's due stages. Other lookups go by primary key (callbacks carry delivery and
-- stage in their URL); the safety net for stages handed out long ago scans rarely, unindexed, so
-- that a send's state changes touch as few indexes as possible.
CREATE INDEX reminder_stages_due_idx ON reminder_stages (due_at) WHERE state = 'scheduled';
