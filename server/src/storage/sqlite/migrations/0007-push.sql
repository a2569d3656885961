-- Push: the actions each new event's push rules gave each local user it notifies, and HTTP pushers.
-- Spec: client-server-api "Push Notifications", "Receiving notifications" (push.md), pusher.yaml (v1.19).

-- One row per (event, user) whose push rules said notify (or highlight), written in the same transaction
-- as the event. Unread counts are the rows after the user's read receipt; /notifications lists them.
CREATE TABLE event_push_actions (
  room_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  -- 'main' for the main timeline, else the thread root's event ID (spec "Receiving notifications").
  thread_id TEXT NOT NULL,
  stream_ordering INTEGER NOT NULL,
  -- The push rule actions as JSON.
  actions TEXT NOT NULL,
  notif INTEGER NOT NULL,
  highlight INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (event_id, user_id)
) STRICT;
-- Unread counts: a user's rows in the rooms of one /sync after their receipts.
CREATE INDEX event_push_actions_room_user ON event_push_actions (room_id, user_id, stream_ordering);
-- /notifications: a user's rows newest first.
CREATE INDEX event_push_actions_user ON event_push_actions (user_id, stream_ordering);

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
