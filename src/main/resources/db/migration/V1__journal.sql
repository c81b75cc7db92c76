-- One row per channel: its head seq. Appends lock this row, which is what makes seq gap-free per
-- channel across nodes (the increment rolls back with a failed transaction).
CREATE TABLE channels (
  name      text PRIMARY KEY,
  namespace text NOT NULL,
  last_seq  bigint NOT NULL
);

CREATE TABLE events (
  channel text NOT NULL,
  seq     bigint NOT NULL,
  id      text NOT NULL,
  type    text NOT NULL,
  data    jsonb,
  ts      timestamptz NOT NULL,
  PRIMARY KEY (channel, seq),
  -- idempotent publish: the same id on the same channel is the same event
  UNIQUE (channel, id)
);

CREATE INDEX events_ts ON events (ts);
CREATE INDEX channels_namespace ON channels (namespace);
