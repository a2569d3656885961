-- Push: the actions each new event's push rules gave each local user it notifies, and HTTP pushers.
-- Spec: client-server-api "Push Notifications", "Receiving notifications" (push.md), pusher.yaml (v1.19).

-- Push actions, written in the same transaction as the event: one row per event listing the users its push
-- rules notify or highlight (by a small number), rather than one row per (event, user), which wrote N
-- entries scattered across per-user indexes for each event in an N-member room (measured at 3-10 ms per
-- event in a 100-member room). Unread counts are a room's rows after the user's read receipt;
-- /notifications lists a user's rows.

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

CREATE TABLE pushers (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  -- The device whose access token created the pusher: deleting the device deletes its pushers.
  device_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  app_id TEXT NOT NULL,
  pushkey TEXT NOT NULL,
  app_display_name TEXT NOT NULL,
  device_display_name TEXT NOT NULL,
  profile_tag TEXT,
  lang TEXT NOT NULL,
  -- The `data` object as JSON (with `url`).
  data TEXT NOT NULL,
  -- When the pushkey was last set, in milliseconds.
  pushkey_ts INTEGER NOT NULL,
  UNIQUE (app_id, pushkey, user_id)
) STRICT;
CREATE INDEX pushers_user ON pushers (user_id);

-- Pushers belong to the device that set them (Synapse ties them to the access token): logout, device
-- deletion, password changes that log devices out and deactivation all delete device rows.
CREATE TRIGGER pushers_device_deleted AFTER DELETE ON devices
BEGIN
  DELETE FROM pushers WHERE user_id = OLD.user_id AND device_id = OLD.device_id;
END;
