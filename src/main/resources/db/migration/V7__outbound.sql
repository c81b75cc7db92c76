-- Notifications for users who were offline, to POST to the configured gateway: a durable queue,
-- filled in the transaction that stores the notification, drained by every node (claims take a
-- lease, so a node that dies mid-POST leaves the row to another after it). status: pending,
-- delivered, skipped (the user was online: they got it live), failed (the dead-letter list).
CREATE TABLE outbound_deliveries (
  id          bigserial PRIMARY KEY,
  delivery_id text NOT NULL UNIQUE,
  user_id     text NOT NULL,
  payload     text NOT NULL,
  status      text NOT NULL DEFAULT 'pending',
  attempts    int NOT NULL DEFAULT 0,
  next_at     timestamptz NOT NULL DEFAULT now(),
  last_error  text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_due ON outbound_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX outbound_failed ON outbound_deliveries (created_at) WHERE status = 'failed';
