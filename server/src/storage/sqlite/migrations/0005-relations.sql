-- Event relationships (client-server-api "Forming relationships between events", v1.19): one row per
-- event whose content carries a well-formed `m.relates_to` {rel_type, event_id}, written in the
-- transaction that persists the event and removed when the event is redacted (the relationship is then
-- broken). depth/stream_ordering are the child's own position, for /relations' topological order.
CREATE TABLE event_relations (
  event_id TEXT PRIMARY KEY,
  relates_to_id TEXT NOT NULL,
  rel_type TEXT NOT NULL,
  room_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  -- The child's event type (for /relations/{eventId}/{relType}/{eventType}).
  type TEXT NOT NULL,
  -- m.annotation's `key`.
  aggregation_key TEXT,
  depth INTEGER NOT NULL,
  stream_ordering INTEGER NOT NULL,
  origin_server_ts INTEGER NOT NULL
) STRICT;
-- Children of a parent in topological order; participation (a sender's children of a parent).
CREATE INDEX event_relations_parent ON event_relations (relates_to_id, depth, stream_ordering);
CREATE INDEX event_relations_parent_sender ON event_relations (relates_to_id, rel_type, sender);

-- One row per thread (client-server-api "Threading"): the root, its newest m.thread child and how many
-- there are, kept by the same indexer so /threads and the m.thread bundle read one row.
CREATE TABLE threads (
  room_id TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  latest_event_id TEXT NOT NULL,
  latest_stream_ordering INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (room_id, thread_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX threads_room_latest ON threads (room_id, latest_stream_ordering);
