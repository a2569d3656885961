-- Account data (spec client-server-api "Client Config"): per user, global (room_id '') or per room, one
-- row per (user, room, type) holding the latest content. stream_id is the row's position in the account
-- data stream (sync tokens' second part): every write takes the next position.

CREATE TABLE account_data (
  user_id TEXT NOT NULL,
  -- '' for global account data.
  room_id TEXT NOT NULL,
  type TEXT NOT NULL,
  -- JSON object.
  content TEXT NOT NULL,
  stream_id INTEGER NOT NULL,
  PRIMARY KEY (user_id, room_id, type)
) STRICT, WITHOUT ROWID;

-- What changed for a user after a sync token.
CREATE INDEX account_data_by_stream ON account_data (user_id, stream_id);

-- The stream's position: kept apart from the rows, so it never goes back even if rows are ever deleted.
CREATE TABLE account_data_stream (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  position INTEGER NOT NULL
) STRICT;
INSERT INTO account_data_stream (id, position) VALUES (1, 0);
