-- Rooms as event DAGs: events in a local stream order, state as delta-chained state groups
-- (state at any event is cheap without a full copy per event), current state, local memberships,
-- transaction IDs, redactions, aliases, the room directory and sync filters.

CREATE TABLE rooms (
  room_id TEXT PRIMARY KEY,
  room_version TEXT NOT NULL,
  creator TEXT NOT NULL,
  -- Listed in the public room directory.
  is_public INTEGER NOT NULL DEFAULT 0,
  -- The state group of the room's current state.
  current_state_group INTEGER NOT NULL,
  created_ts INTEGER NOT NULL
) STRICT;

-- A state group is a full snapshot (prev_group NULL) or a delta over prev_group. Chains are kept short
-- (chain_length) so resolving one reads a bounded number of rows.
CREATE TABLE state_groups (
  id INTEGER PRIMARY KEY,
  room_id TEXT NOT NULL,
  prev_group INTEGER REFERENCES state_groups (id),
  chain_length INTEGER NOT NULL
) STRICT;

-- event_id NULL: the key is removed relative to prev_group.
CREATE TABLE state_group_entries (
  group_id INTEGER NOT NULL REFERENCES state_groups (id),
  type TEXT NOT NULL,
  state_key TEXT NOT NULL,
  event_id TEXT,
  PRIMARY KEY (group_id, type, state_key)
) STRICT, WITHOUT ROWID;

-- stream_ordering: the event's position in this server's event stream (sync tokens). AUTOINCREMENT so a
-- position is never reused, even if the newest events are ever purged.
CREATE TABLE events (
  stream_ordering INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  room_id TEXT NOT NULL REFERENCES rooms (room_id),
  type TEXT NOT NULL,
  state_key TEXT,
  sender TEXT NOT NULL,
  origin_server_ts INTEGER NOT NULL,
  depth INTEGER NOT NULL,
  -- The PDU as signed (no unsigned), as the wire has it.
  json TEXT NOT NULL,
  state_before INTEGER REFERENCES state_groups (id),
  state_after INTEGER NOT NULL REFERENCES state_groups (id),
  -- The m.room.redaction that redacted this event.
  redacted_by TEXT,
  -- Local sends: the device that sent it (for the transaction_id in unsigned).
  sender_device TEXT,
  txn_id TEXT,
  -- The endpoint the transaction ID was used on, e.g. `send/m.room.message` or `redact/$event`.
  txn_endpoint TEXT
) STRICT;
CREATE INDEX events_room_stream ON events (room_id, stream_ordering);
CREATE INDEX events_room_topological ON events (room_id, depth, stream_ordering);
CREATE INDEX events_room_ts ON events (room_id, origin_server_ts);

-- Idempotent sends: a transaction ID is scoped to the device and the request's path (spec "Transaction
-- identifiers": a retransmission has the same transaction ID and the same HTTP path).
CREATE UNIQUE INDEX events_txn ON events (sender, sender_device, room_id, txn_endpoint, txn_id) WHERE txn_id IS NOT NULL;

CREATE TABLE forward_extremities (
  room_id TEXT NOT NULL REFERENCES rooms (room_id),
  event_id TEXT NOT NULL,
  PRIMARY KEY (room_id, event_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE current_state (
  room_id TEXT NOT NULL REFERENCES rooms (room_id),
  type TEXT NOT NULL,
  state_key TEXT NOT NULL,
  event_id TEXT NOT NULL,
  -- For m.room.member: the membership, so member lists need no JSON parsing.
  membership TEXT,
  PRIMARY KEY (room_id, type, state_key)
) STRICT, WITHOUT ROWID;

-- Every user's current membership in each room (forgotten: a local user forgot the room).
CREATE TABLE room_memberships (
  user_id TEXT NOT NULL,
  room_id TEXT NOT NULL REFERENCES rooms (room_id),
  membership TEXT NOT NULL,
  event_id TEXT NOT NULL,
  stream_ordering INTEGER NOT NULL,
  forgotten INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, room_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX room_memberships_room ON room_memberships (room_id, membership);

CREATE TABLE room_aliases (
  alias TEXT PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms (room_id),
  creator TEXT NOT NULL,
  created_ts INTEGER NOT NULL
) STRICT;
CREATE INDEX room_aliases_room ON room_aliases (room_id);

CREATE TABLE user_filters (
  user_id TEXT NOT NULL,
  filter_id INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (user_id, filter_id)
) STRICT, WITHOUT ROWID;
