/**
 * The user directory's candidates on SQLite: plain SQL over room memberships, current state and profiles
 * (no table of its own). Visible users follow Synapse's default (`search_all_users: false`) and the
 * spec's minimum (user_directory/search, users.yaml): users sharing a joined room with the requester, and
 * users joined to a room whose join rule is public or whose history is world_readable.
 */
import type { UserId } from '../../core/ids.js';
import type { DirectoryCandidate, UserDirectoryStore } from '../types.js';
import type { SqliteDatabase } from './open.js';

/** Case and accent folding for matching: NFKD, combining marks removed, lower case. */
export const foldForSearch = (text: string): string => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

const FOLD_FUNCTION = 'hearth_search_fold';

interface CandidateRow {
  user_id: string;
  display_name: unknown;
  avatar_url: unknown;
}

export function createSqliteUserDirectoryStore(db: SqliteDatabase): UserDirectoryStore {
  db.function(FOLD_FUNCTION, { deterministic: true }, (value: unknown) => (typeof value === 'string' ? foldForSearch(value) : null));

  const candidates = db.prepare(`
    WITH open_rooms AS (
      SELECT cs.room_id FROM current_state cs JOIN events e ON e.event_id = cs.event_id
      WHERE cs.type = 'm.room.join_rules' AND cs.state_key = '' AND json_extract(e.json, '$.content.join_rule') = 'public'
      UNION
      SELECT cs.room_id FROM current_state cs JOIN events e ON e.event_id = cs.event_id
      WHERE cs.type = 'm.room.history_visibility' AND cs.state_key = ''
        AND json_extract(e.json, '$.content.history_visibility') = 'world_readable'
    ),
    visible AS (
      SELECT other.user_id FROM room_memberships mine
      JOIN room_memberships other ON other.room_id = mine.room_id AND other.membership = 'join'
      WHERE mine.user_id = @requester AND mine.membership = 'join' AND other.user_id != @requester
      UNION
      SELECT m.user_id FROM room_memberships m WHERE m.membership = 'join' AND m.room_id IN (SELECT room_id FROM open_rooms)
    ),
    profiled AS (
      SELECT v.user_id,
        (SELECT json_extract(p.value, '$') FROM profile_fields p WHERE p.user_id = v.user_id AND p.field = 'displayname') AS display_name,
        (SELECT json_extract(p.value, '$') FROM profile_fields p WHERE p.user_id = v.user_id AND p.field = 'avatar_url') AS avatar_url
      FROM visible v LEFT JOIN users u ON u.user_id = v.user_id
      WHERE coalesce(u.deactivated, 0) = 0
    )
    SELECT user_id, display_name, avatar_url FROM profiled
    WHERE NOT EXISTS (
      SELECT 1 FROM json_each(@words) w
      WHERE instr(${FOLD_FUNCTION}(user_id), w.value) = 0
        AND coalesce(instr(${FOLD_FUNCTION}(display_name), w.value), 0) = 0
    )
    LIMIT @max`);

  return {
    async candidates(requester, words, max): Promise<DirectoryCandidate[]> {
      const folded = words.map(foldForSearch).filter((word) => word.length > 0);
      if (max <= 0) return [];
      const rows = candidates.all({ requester, words: JSON.stringify(folded), max }) as CandidateRow[];
      return rows.map((row) => ({
        userId: row.user_id as UserId,
        displayName: typeof row.display_name === 'string' ? row.display_name : null,
        avatarUrl: typeof row.avatar_url === 'string' ? row.avatar_url : null,
      }));
    },
  };
}
