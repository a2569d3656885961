-- Accounts, profiles, devices, tokens, registration tokens and user-interactive auth sessions.

CREATE TABLE users (
  user_id TEXT PRIMARY KEY,
  password_hash TEXT,
  is_admin INTEGER NOT NULL DEFAULT 0,
  is_guest INTEGER NOT NULL DEFAULT 0,
  deactivated INTEGER NOT NULL DEFAULT 0,
  created_ts INTEGER NOT NULL
) STRICT;

-- Numeric localparts for guests (Synapse allocates them from a sequence too).
CREATE TABLE guest_localpart_seq (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  next_value INTEGER NOT NULL
) STRICT;
INSERT INTO guest_localpart_seq (id, next_value) VALUES (1, 1);

-- Profile fields (spec v1.16+: displayname, avatar_url, m.tz and custom keys); value is JSON.
CREATE TABLE profile_fields (
  user_id TEXT NOT NULL REFERENCES users (user_id),
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (user_id, field)
) STRICT;

CREATE TABLE devices (
  user_id TEXT NOT NULL REFERENCES users (user_id),
  device_id TEXT NOT NULL,
  display_name TEXT,
  created_ts INTEGER NOT NULL,
  last_seen_ts INTEGER,
  last_seen_ip TEXT,
  last_seen_user_agent TEXT,
  PRIMARY KEY (user_id, device_id)
) STRICT;

-- Tokens are stored as SHA-256 digests only.
CREATE TABLE refresh_tokens (
  id INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  created_ts INTEGER NOT NULL,
  expires_ts INTEGER,
  -- The refresh token that replaced this one; this one dies when that pair is first used.
  next_token_id INTEGER
) STRICT;
CREATE INDEX refresh_tokens_device ON refresh_tokens (user_id, device_id);
CREATE INDEX refresh_tokens_next ON refresh_tokens (next_token_id);

CREATE TABLE access_tokens (
  id INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  created_ts INTEGER NOT NULL,
  expires_ts INTEGER,
  refresh_token_id INTEGER,
  used INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX access_tokens_device ON access_tokens (user_id, device_id);

-- Synapse's registration tokens: uses_allowed NULL is unlimited, expiry_time NULL never expires.
CREATE TABLE registration_tokens (
  token TEXT PRIMARY KEY,
  uses_allowed INTEGER,
  pending INTEGER NOT NULL DEFAULT 0,
  completed INTEGER NOT NULL DEFAULT 0,
  expiry_time INTEGER,
  grants_admin INTEGER NOT NULL DEFAULT 0,
  created_ts INTEGER NOT NULL
) STRICT;

CREATE TABLE uia_sessions (
  session_id TEXT PRIMARY KEY,
  operation TEXT NOT NULL,
  created_ts INTEGER NOT NULL,
  completed TEXT NOT NULL DEFAULT '[]',
  registration_token TEXT
) STRICT;
CREATE INDEX uia_sessions_created ON uia_sessions (created_ts);
