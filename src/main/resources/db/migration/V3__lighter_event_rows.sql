-- Cheaper appends, measured on the publish benchmark: PostgreSQL spent more per event than Herald.

-- Event data is stored as the publisher wrote it (json: checked, not decomposed). Nothing queries
-- inside it, so jsonb's parse on every insert bought nothing; live and replayed envelopes now
-- carry the very same text.
ALTER TABLE events ALTER COLUMN data TYPE json USING data::json;

-- Only ids a publisher chose must be unique per channel (that is what makes re-posts idempotent);
-- ids Herald makes up are random UUIDs. Indexing just the chosen ones saves a b-tree insert per
-- event. Rows stored before this migration keep counting as chosen.
ALTER TABLE events ADD COLUMN client_id boolean NOT NULL DEFAULT true;
ALTER TABLE events DROP CONSTRAINT events_channel_id_key;
CREATE UNIQUE INDEX events_client_id ON events (channel, id) WHERE client_id;
