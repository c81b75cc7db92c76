-- Reading a long inbox costs a page, not all of it: unread counts are kept as counters, updated by
-- every change in its transaction (inbox_counts: a user's own unread notifications; role_counts:
-- how many notifications a role holds, of which each user's read or deleted ones are their
-- inbox_role_state rows), and a role's notifications are found per role, newest first.
CREATE TABLE inbox_counts (
  user_id text PRIMARY KEY,
  unread  bigint NOT NULL
);
INSERT INTO inbox_counts SELECT user_id, count(*) FILTER (WHERE NOT read) FROM inbox GROUP BY user_id;

CREATE TABLE role_counts (
  role  text PRIMARY KEY,
  total bigint NOT NULL
);
INSERT INTO role_counts SELECT role, count(*) FROM notifications WHERE role IS NOT NULL GROUP BY role;

DROP INDEX notifications_by_role;
CREATE INDEX notifications_by_role ON notifications (role, nid);
