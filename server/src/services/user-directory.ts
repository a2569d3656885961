/**
 * The user directory (POST /user_directory/search). Spec: client-server-api "User Directory", users.yaml
 * (v1.19): users visible to the requester from their rooms (sharing a joined room, or joined to a room
 * with a public join rule or world_readable history; Synapse's default `search_all_users: false`),
 * matched case-insensitively on user ID and display name. Deactivated users are left out. Local users only
 * until federation exists.
 *
 * Matching follows Synapse: every word of the term must begin a word of the user ID or of the display
 * name (`ali` finds `@alice:hs` and "Alice Smith", `smi` finds "Alice Smith"). Storage returns a bounded
 * set of candidates containing the words anywhere; they are checked and ranked here: more exact word
 * matches first, then users of this server, with a display name, with an avatar.
 */
import type { UserId } from '../core/ids.js';
import type { DirectoryCandidate, UserDirectoryStore } from '../storage/types.js';
import type { Requester } from './requester.js';

export const DEFAULT_DIRECTORY_LIMIT = 10;
/** The largest `limit` honoured. */
export const MAX_DIRECTORY_LIMIT = 100;
/** Candidates read from storage per search: bounds the work of one request however many users match. */
export const MAX_DIRECTORY_CANDIDATES = 500;
/** Words of a term looked at (the rest are ignored). */
const MAX_WORDS = 8;

export interface DirectoryUser {
  user_id: UserId;
  display_name?: string;
  avatar_url?: string;
}

export interface DirectoryResults {
  results: DirectoryUser[];
  limited: boolean;
}

export interface UserDirectoryDeps {
  readonly store: UserDirectoryStore;
  readonly serverName: string;
}

/** Case and accent folding: NFKD, combining marks removed, lower case. */
const fold = (text: string): string => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/** Words of a text, folded: runs of letters and digits. */
export const wordsOf = (text: string): string[] => fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * How well a candidate matches the search words: null if some word begins no word of its user ID or
 * display name; else 2 per word equal to one of them, 1 per word only a prefix.
 */
export function matchScore(words: readonly string[], candidate: DirectoryCandidate): number | null {
  const own = [...wordsOf(candidate.userId), ...wordsOf(candidate.displayName ?? '')];
  let score = 0;
  for (const word of words) {
    if (own.includes(word)) score += 2;
    else if (own.some((candidateWord) => candidateWord.startsWith(word))) score += 1;
    else return null;
  }
  return score;
}

export function createUserDirectoryService(deps: UserDirectoryDeps) {
  const localSuffix = `:${deps.serverName}`;

  return {
    /** POST /user_directory/search */
    async search(requester: Requester, searchTerm: string, limit: number = DEFAULT_DIRECTORY_LIMIT): Promise<DirectoryResults> {
      const words = [...new Set(wordsOf(searchTerm))].slice(0, MAX_WORDS);
      const wanted = Math.min(limit, MAX_DIRECTORY_LIMIT);
      if (words.length === 0 || wanted === 0) return { results: [], limited: false };
      const candidates = await deps.store.candidates(requester.userId, words, MAX_DIRECTORY_CANDIDATES);
      const ranked = candidates
        .map((candidate) => ({ candidate, score: matchScore(words, candidate) }))
        .filter((entry): entry is { candidate: DirectoryCandidate; score: number } => entry.score !== null)
        .sort((a, b) => {
          const x = a.candidate;
          const y = b.candidate;
          return (
            b.score - a.score ||
            Number(y.userId.endsWith(localSuffix)) - Number(x.userId.endsWith(localSuffix)) ||
            Number(y.displayName !== null) - Number(x.displayName !== null) ||
            Number(y.avatarUrl !== null) - Number(x.avatarUrl !== null) ||
            (x.userId < y.userId ? -1 : x.userId > y.userId ? 1 : 0)
          );
        });
      const results = ranked.slice(0, wanted).map(({ candidate }) => {
        const user: DirectoryUser = { user_id: candidate.userId };
        if (candidate.displayName !== null) user.display_name = candidate.displayName;
        if (candidate.avatarUrl !== null) user.avatar_url = candidate.avatarUrl;
        return user;
      });
      // Limited: more matched than returned, or storage stopped at its cap (there may be more).
      return { results, limited: ranked.length > wanted || candidates.length >= MAX_DIRECTORY_CANDIDATES };
    },
  };
}

export type UserDirectoryService = ReturnType<typeof createUserDirectoryService>;
