// The user directory service over a fake candidate store: word-prefix matching and ranking, limit and limited.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceId, UserId } from '../core/ids.js';
import type { DirectoryCandidate, UserDirectoryStore } from '../storage/types.js';
import type { Requester } from './requester.js';
import { createUserDirectoryService, MAX_DIRECTORY_CANDIDATES, matchScore, wordsOf } from './user-directory.js';

const requester: Requester = { userId: '@me:hs' as UserId, deviceId: 'D' as DeviceId, isGuest: false, isAdmin: false, accessTokenId: 1 };
const candidate = (userId: string, displayName: string | null = null, avatarUrl: string | null = null): DirectoryCandidate => ({
  userId: userId as UserId,
  displayName,
  avatarUrl,
});

function fakeStore(candidates: DirectoryCandidate[]) {
  const calls: Array<{ words: readonly string[]; max: number }> = [];
  const store: UserDirectoryStore = {
    async candidates(_requester, words, max) {
      calls.push({ words, max });
      return candidates.slice(0, max);
    },
  };
  return { store, calls };
}

test('wordsOf folds case and accents and splits on anything not a letter or digit', () => {
  assert.deepEqual(wordsOf('@Zoë.Smith_2:hs.example'), ['zoe', 'smith', '2', 'hs', 'example']);
  assert.deepEqual(wordsOf('  '), []);
});

test('matchScore: every word must begin a word of the user ID or display name; exact words score higher', () => {
  const bob = candidate('@bob:hs', 'Robert Paulson');
  assert.equal(matchScore(['bob'], bob), 2);
  assert.equal(matchScore(['rob'], bob), 1);
  assert.equal(matchScore(['rob', 'paulson'], bob), 3);
  assert.equal(matchScore(['obert'], bob), null);
  assert.equal(matchScore(['rob', 'x'], bob), null);
});

test('results are ranked: score, local users, display name, avatar, then user ID; limit and limited apply', async () => {
  const { store, calls } = fakeStore([
    candidate('@annie:remote.example', 'Ann'),
    candidate('@anna:hs'),
    candidate('@ann:hs', null, 'mxc://hs/a'),
    candidate('@zed:hs', 'Annabel', 'mxc://hs/z'),
    candidate('@carl:hs', 'Carl'),
  ]);
  const directory = createUserDirectoryService({ store, serverName: 'hs' });
  const all = await directory.search(requester, 'Ann', 10);
  assert.deepEqual(all.results.map((r) => r.user_id), ['@ann:hs', '@annie:remote.example', '@zed:hs', '@anna:hs']);
  assert.deepEqual(all.results[0], { user_id: '@ann:hs', avatar_url: 'mxc://hs/a' });
  assert.equal(all.limited, false);
  assert.deepEqual(calls[0], { words: ['ann'], max: MAX_DIRECTORY_CANDIDATES });

  const two = await directory.search(requester, 'ann', 2);
  assert.equal(two.results.length, 2);
  assert.equal(two.limited, true);
  assert.deepEqual(await directory.search(requester, '!!', 10), { results: [], limited: false });
  assert.deepEqual(await directory.search(requester, 'ann', 0), { results: [], limited: false });
  assert.equal((await directory.search(requester, 'ann')).results.length, 4, 'default limit 10');
});

test('a full candidate set from storage marks the results limited', async () => {
  const many = Array.from({ length: MAX_DIRECTORY_CANDIDATES }, (_, i) => candidate(`@user${i}:hs`));
  const directory = createUserDirectoryService({ store: fakeStore(many).store, serverName: 'hs' });
  const reply = await directory.search(requester, 'user', 1000);
  assert.equal(reply.results.length, 100, 'limit capped at 100');
  assert.equal(reply.limited, true);
});
