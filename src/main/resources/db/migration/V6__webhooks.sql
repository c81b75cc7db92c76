-- Inbound webhook deliveries, committed (with what they were routed to) before the sender gets its
-- 2xx. A delivery id seen again is answered from here. status: routed, or failed (the dead-letter
-- list, with the reason, replayable once the routing is fixed).
CREATE TABLE webhook_deliveries (
  source      text NOT NULL,
  delivery_id text NOT NULL,
  body        text NOT NULL,
  received_at timestamptz NOT NULL,
  status      text NOT NULL,
  result      jsonb,
  reason      text,
  PRIMARY KEY (source, delivery_id)
);
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (source, received_at) WHERE status = 'failed';
