-- Inbound webhook deliveries already handled, by channel and the provider's id of the message or
-- event (Twilio's MessageSid; LINE's webhook event id later): a repeated delivery does no work again
-- and is answered with what the first one was (`reply`, null while the first is still running).
-- Kept a day: the retention purge deletes older rows.
CREATE TABLE inbound_messages (
  channel     text NOT NULL,
  external_id text NOT NULL,
  received_at timestamptz NOT NULL,
  reply       text,
  PRIMARY KEY (channel, external_id)
);
CREATE INDEX inbound_messages_received_idx ON inbound_messages (received_at);
