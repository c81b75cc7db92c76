-- JSON documents of the collections declared in herald.yaml. body holds the whole document as
-- answered (_id, _rev and _updatedAt included); a deleted document stays as a tombstone (body
-- NULL, its last rev) so that an id's revs never repeat. A document's changes go to the journal,
-- on the channel doclog:{collection}, in the same transaction.
CREATE TABLE documents (
  collection text NOT NULL,
  id         text NOT NULL,
  rev        bigint NOT NULL,
  body       jsonb,
  PRIMARY KEY (collection, id)
);

-- Lists and snapshots read only the rows holding a filter's equality (body @> '{"customerId":"x"}').
CREATE INDEX documents_body ON documents USING gin (body jsonb_path_ops);
