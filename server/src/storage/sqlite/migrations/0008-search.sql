-- Server-side search, the user directory's lookups, content reports and OpenID tokens.

-- Full-text index of the searchable keys (client-server-api "Server Side Search", room_events): one row
-- per indexed event, rowid = the event's stream_ordering. Contentless: the text stays in events.json;
-- rows are deleted when their event is redacted (contentless_delete). unicode61 with diacritics removed
-- suits chat in most scripts; queries add prefix matching (storage/sqlite/search.ts).
CREATE VIRTUAL TABLE event_search USING fts5(
  body,
  name,
  topic,
  content = '',
  contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);

-- Events stored before this migration, extracted as the indexer does: m.room.message content.body,
-- m.room.name content.name, m.room.topic content.topic and the text/plain body of content["m.topic"].
INSERT INTO event_search (rowid, body, name, topic)
SELECT stream_ordering, body, name, topic FROM (
  SELECT
    ev.stream_ordering,
    CASE WHEN ev.type = 'm.room.message' AND json_type(ev.json, '$.content.body') = 'text'
      THEN replace(json_extract(ev.json, '$.content.body'), char(0), ' ') END AS body,
    CASE WHEN ev.type = 'm.room.name' AND json_type(ev.json, '$.content.name') = 'text'
      THEN replace(json_extract(ev.json, '$.content.name'), char(0), ' ') END AS name,
    CASE WHEN ev.type = 'm.room.topic' THEN nullif(trim(replace(
      coalesce(CASE WHEN json_type(ev.json, '$.content.topic') = 'text' THEN json_extract(ev.json, '$.content.topic') END, '')
      || ' ' ||
      coalesce((
        SELECT json_extract(part.value, '$.body') FROM json_each(ev.json, '$.content."m.topic"."m.text"') AS part
        WHERE json_type(part.value, '$.body') = 'text'
          AND coalesce(json_extract(part.value, '$.mimetype'), 'text/plain') = 'text/plain'
          AND json_extract(part.value, '$.body') IS NOT coalesce(json_extract(ev.json, '$.content.topic'), '')
        LIMIT 1
      ), ''), char(0), ' ')), '') END AS topic
  FROM events AS ev
  WHERE ev.type IN ('m.room.message', 'm.room.name', 'm.room.topic') AND ev.redacted_by IS NULL
)
WHERE body IS NOT NULL OR name IS NOT NULL OR topic IS NOT NULL;

-- The user directory finds public and world-readable rooms by their current state.
CREATE INDEX current_state_type ON current_state (type, state_key);

-- Reports of events, rooms and users (client-server-api "Reporting Content"), for the admin API.
-- kind 'event': room_id and event_id; 'room': room_id; 'user': target_user_id.
CREATE TABLE content_reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('event', 'room', 'user')),
  reporter TEXT NOT NULL,
  received_ts INTEGER NOT NULL,
  reason TEXT,
  -- Event reports before spec v1.18: -100 (most offensive) to 0.
  score INTEGER,
  room_id TEXT,
  event_id TEXT,
  target_user_id TEXT
) STRICT;
CREATE INDEX content_reports_kind ON content_reports (kind, id);

-- OpenID access tokens (client-server-api "OpenID"): only their SHA-256 is stored, as for access tokens.
CREATE TABLE openid_tokens (
  token_hash BLOB PRIMARY KEY,
  user_id TEXT NOT NULL,
  expires_ts INTEGER NOT NULL
) STRICT;
CREATE INDEX openid_tokens_expiry ON openid_tokens (expires_ts);
