-- Running aggregates, updated in the same transaction as the events they count. grp '' holds the
-- totals over all groups; its version is the aggregate's version and its row lock serialises
-- updates across nodes.
CREATE TABLE aggregate_state (
  name       text NOT NULL,
  grp        text NOT NULL,
  version    bigint NOT NULL,
  vals       jsonb NOT NULL,
  last_event jsonb,
  PRIMARY KEY (name, grp)
);

-- The values already counted by distinctCount fields.
CREATE TABLE aggregate_distinct (
  name  text NOT NULL,
  grp   text NOT NULL,
  field text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (name, grp, field, value)
);
