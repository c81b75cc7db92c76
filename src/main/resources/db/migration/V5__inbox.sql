-- Notification inbox. A notification is stored once: to users, with one inbox row per user (its
-- read state; deleting it deletes the row), or to a role, shown to every token holding that role
-- with read / deleted state per user in inbox_role_state (no row: unread, shown).
CREATE TABLE notifications (
  nid        bigserial PRIMARY KEY,
  id         text NOT NULL UNIQUE,
  role       text,
  audience   jsonb NOT NULL,
  type       text NOT NULL,
  title      text NOT NULL,
  body       text,
  data       jsonb,
  created_at timestamptz NOT NULL
);
CREATE INDEX notifications_by_role ON notifications (role, nid) WHERE role IS NOT NULL;
CREATE INDEX notifications_by_age ON notifications (created_at);

CREATE TABLE inbox (
  user_id text NOT NULL,
  nid     bigint NOT NULL REFERENCES notifications ON DELETE CASCADE,
  read    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (user_id, nid)
);
CREATE INDEX inbox_by_notification ON inbox (nid);

CREATE TABLE inbox_role_state (
  user_id text NOT NULL,
  nid     bigint NOT NULL REFERENCES notifications ON DELETE CASCADE,
  read    boolean NOT NULL DEFAULT false,
  deleted boolean NOT NULL DEFAULT false,
  PRIMARY KEY (user_id, nid)
);
CREATE INDEX inbox_role_state_by_notification ON inbox_role_state (nid);
