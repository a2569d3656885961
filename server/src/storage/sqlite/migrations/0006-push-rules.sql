-- Push rules (spec client-server-api "Push Rules", pushrules.yaml): a user's own rules, and their changes to
-- the server-default rules (which live in code, rooms/push-rules-default.ts, and are never stored whole).

-- User-defined rules. position orders the rules of one (user, kind): lower is more important.
CREATE TABLE push_rules (
  user_id TEXT NOT NULL,
  -- override | content | room | sender | underride
  kind TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  -- JSON array of conditions (override and underride rules), else NULL.
  conditions TEXT,
  -- The glob pattern of a content rule, else NULL.
  pattern TEXT,
  -- JSON array of actions.
  actions TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (user_id, kind, rule_id)
) STRICT, WITHOUT ROWID;

-- A user's changes to server-default rules: NULL means "as the server default has it".
CREATE TABLE push_rule_defaults (
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  enabled INTEGER,
  actions TEXT,
  PRIMARY KEY (user_id, kind, rule_id)
) STRICT, WITHOUT ROWID;
