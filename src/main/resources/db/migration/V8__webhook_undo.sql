-- What a webhook event changed in documents, as it was before, so that a rolled-back block can
-- put it back (the chainhook re-org model): one row per document change, in the order made.
CREATE TABLE webhook_doc_undo (
  source     text NOT NULL,
  event_id   text NOT NULL,
  ord        int NOT NULL,
  collection text NOT NULL,
  doc_id     text NOT NULL,
  before     text,
  PRIMARY KEY (source, event_id, ord)
);
