-- Core records: drivers, vehicles, tokens, consignments, bundles, registrations, audit, hand-offs, outbox.
CREATE TABLE drivers (
  driver_no          text PRIMARY KEY,
  name_en            text NOT NULL,
  name_zh            text NOT NULL,
  mobile             text,
  sms_capable        boolean NOT NULL DEFAULT true,
  locale             text NOT NULL CHECK (locale IN ('en', 'zh-HK', 'zh-CN')),
  id_document_type   text NOT NULL,
  id_document_number text NOT NULL,
  demo               boolean NOT NULL DEFAULT false,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX drivers_mobile_idx ON drivers (mobile) WHERE mobile IS NOT NULL;

CREATE TABLE vehicles (
  driver_no    text NOT NULL REFERENCES drivers (driver_no),
  mark         text NOT NULL,
  position     integer NOT NULL DEFAULT 0,
  PRIMARY KEY (driver_no, mark)
);

CREATE TABLE tokens (
  serial          text PRIMARY KEY,
  driver_no       text NOT NULL REFERENCES drivers (driver_no),
  secret_base32   text NOT NULL,
  label_colour    text NOT NULL,
  expires_on      date NOT NULL,
  status          text NOT NULL CHECK (status IN ('active', 'locked', 'replaced')),
  failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  last_used_step  bigint,
  locked_at       timestamptz,
  replaced_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
-- At most one token in service per driver.
CREATE UNIQUE INDEX tokens_current_idx ON tokens (driver_no) WHERE status <> 'replaced';

CREATE TABLE consignments (
  ccrn                 text PRIMARY KEY,
  direction            text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  status               text NOT NULL CHECK (status IN ('submitted', 'bundled', 'crossed', 'cancelled')),
  expected_crossing_at timestamptz NOT NULL,
  packages             integer NOT NULL,
  description          text NOT NULL,
  consignor            text NOT NULL,
  consignee            text NOT NULL,
  bundle_ref           text,
  crossed_at           timestamptz,
  control_point        text,
  declared_at          timestamptz NOT NULL DEFAULT now(),
  -- Bundled and crossed consignments point at their bundle; no other does.
  CONSTRAINT consignments_bundle_ref_ck CHECK ((status IN ('bundled', 'crossed')) = (bundle_ref IS NOT NULL))
);
CREATE INDEX consignments_bundle_idx ON consignments (bundle_ref) WHERE bundle_ref IS NOT NULL;

CREATE SEQUENCE bundle_serial_seq START WITH 30000001 MAXVALUE 99999999;

CREATE TABLE bundles (
  bundle_ref           text PRIMARY KEY,
  driver_no            text NOT NULL REFERENCES drivers (driver_no),
  vehicle_mark         text NOT NULL,
  direction            text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  status               text NOT NULL CHECK (status IN ('active', 'cancelled', 'crossed')),
  channel              text NOT NULL,
  created_at           timestamptz NOT NULL,
  earliest_crossing_at timestamptz NOT NULL,
  cancelled_at         timestamptz
);
CREATE INDEX bundles_driver_idx ON bundles (driver_no, status);

-- Every CCRN a bundle ever held (a cancelled bundle keeps its list).
CREATE TABLE bundle_items (
  bundle_ref text NOT NULL REFERENCES bundles (bundle_ref),
  ccrn       text NOT NULL REFERENCES consignments (ccrn),
  position   integer NOT NULL,
  PRIMARY KEY (bundle_ref, ccrn)
);
CREATE INDEX bundle_items_ccrn_idx ON bundle_items (ccrn);

ALTER TABLE consignments ADD CONSTRAINT consignments_bundle_fk FOREIGN KEY (bundle_ref) REFERENCES bundles (bundle_ref);

CREATE TABLE registrations (
  ref_no             text PRIMARY KEY,
  applicant_type     text NOT NULL,
  applicant_name     text NOT NULL,
  status             text NOT NULL CHECK (status IN ('received', 'processing', 'awaiting_visit', 'more_info_required', 'completed', 'rejected')),
  note               text,
  letter_valid_until date
);

CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL,
  channel       text NOT NULL,
  caller_masked text,
  driver_no     text,
  action        text NOT NULL,
  outcome       text NOT NULL,
  detail        jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_driver_idx ON audit_log (driver_no, at);

CREATE TABLE handoffs (
  id              bigserial PRIMARY KEY,
  conversation_id text NOT NULL,
  channel         text NOT NULL,
  caller          text,
  driver_no       text,
  locale          text NOT NULL,
  flow_where      text NOT NULL,
  reason          text NOT NULL,
  created_at      timestamptz NOT NULL
);
CREATE INDEX handoffs_conversation_idx ON handoffs (conversation_id);
CREATE INDEX handoffs_created_idx ON handoffs (created_at);
CREATE INDEX handoffs_caller_idx ON handoffs (caller, created_at);

CREATE TABLE outbox (
  id         bigserial PRIMARY KEY,
  sid        text NOT NULL UNIQUE,
  kind       text NOT NULL CHECK (kind IN ('sms', 'call')),
  to_masked  text NOT NULL,
  body       text NOT NULL,
  purpose    text NOT NULL,
  reason     text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX outbox_created_idx ON outbox (created_at);

CREATE TABLE sms_opt_outs (
  phone      text PRIMARY KEY,
  opted_out  boolean NOT NULL,
  changed_at timestamptz NOT NULL
);
