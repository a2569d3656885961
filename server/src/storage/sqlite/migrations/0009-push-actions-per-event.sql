-- Push actions as one row per event instead of one per (event, user): with a row per user, each event in an
-- N-member room wrote N entries scattered across the per-user indexes (about N dirty pages per commit,
-- measured at 3-10 ms per event in a 100-member room). One row per event appends to the table and to a
-- (room_id, stream_ordering) index; the users it notifies or highlights are listed in it by a small number.

DROP TABLE event_push_actions;

-- Local users' numbers in the user lists below (assigned on first use, never reused).
CREATE TABLE push_user_ids (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE event_push_actions (
  stream_ordering INTEGER PRIMARY KEY,
  room_id TEXT NOT NULL,
  -- 'main' for the main timeline, else the thread root's event ID (spec "Receiving notifications").
  thread_id TEXT NOT NULL,
  -- The users it notifies / highlights, as ',<id>,<id>,' (push_user_ids), so a user is found with instr().
  notify_users TEXT NOT NULL,
  highlight_users TEXT NOT NULL,
  event_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  -- Each user's push actions: JSON [[actions, [id, ...]], ...], users with the same actions grouped.
  actions TEXT NOT NULL
) STRICT;
-- Unread counts: a room's rows after a user's read receipt.
CREATE INDEX event_push_actions_room ON event_push_actions (room_id, stream_ordering);
