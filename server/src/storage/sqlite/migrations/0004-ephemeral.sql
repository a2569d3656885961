-- Receipts, presence and the send-to-device inbox.
-- Spec: client-server-api "Receipts", "Presence", "Send-to-Device messaging" (v1.19).

-- One receipt per (room, type, user, thread): spec 1.4 "Each user_id, receipt_type, and categorisation
-- (unthreaded, or thread_id) tuple must be associated with only a single event_id". Rows are replaced,
-- never deleted, so MAX(stream_id) is the 'receipts' stream's position across restarts.
CREATE TABLE receipts (
  room_id TEXT NOT NULL,
  receipt_type TEXT NOT NULL,          -- 'm.read' | 'm.read.private'
  user_id TEXT NOT NULL,
  thread_id TEXT NOT NULL DEFAULT '',  -- '' unthreaded, 'main', or a thread root event ID
  event_id TEXT NOT NULL,
  event_stream_ordering INTEGER NOT NULL,  -- stream_ordering of event_id in events
  ts INTEGER NOT NULL,
  data TEXT NOT NULL,                  -- JSON of the receipt data ({ts, thread_id?})
  stream_id INTEGER NOT NULL,          -- position on the 'receipts' stream
  PRIMARY KEY (room_id, receipt_type, user_id, thread_id)
) STRICT;
CREATE INDEX receipts_stream ON receipts (stream_id);

-- A user's presence as last announced (the 'presence' stream). Activity that changes nothing a client
-- sees (another sync while currently active) stays in memory and is not written.
CREATE TABLE presence (
  user_id TEXT PRIMARY KEY,
  state TEXT NOT NULL,                 -- 'online' | 'unavailable' | 'offline'
  status_msg TEXT,
  last_active_ts INTEGER NOT NULL,
  last_user_sync_ts INTEGER NOT NULL,
  currently_active INTEGER NOT NULL,
  stream_id INTEGER NOT NULL
) STRICT;
CREATE INDEX presence_stream ON presence (stream_id);

-- Send-to-device messages waiting for their device. AUTOINCREMENT: stream IDs are never reused after
-- the inbox empties, so a client's token never points past messages that arrive later.
CREATE TABLE device_inbox (
  stream_id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  type TEXT NOT NULL,
  content TEXT NOT NULL
) STRICT;
CREATE INDEX device_inbox_device ON device_inbox (user_id, device_id, stream_id);

-- Transaction IDs of PUT /sendToDevice, per sending device (spec "Transaction identifiers").
CREATE TABLE device_inbox_txns (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  txn_id TEXT NOT NULL,
  created_ts INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, txn_id)
) STRICT;
