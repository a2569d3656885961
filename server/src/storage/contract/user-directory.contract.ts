/**
 * UserDirectoryStore contract: the candidates of a user directory search (storage/types.ts), from real
 * rooms persisted through RoomsStore and accounts with profiles.
 * Spec: client-server-api "User Directory" (users.yaml, v1.19).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UserId } from '../../core/ids.js';
import type { RoomEvent } from '../../rooms/pdu.js';
import { buildRoom, type RoomBuilder } from '../../rooms/testing/room-builder.js';
import type { Storage } from '../types.js';
import { SERVER_NAME, T0, account, registerOk, storages, type StorageFactory } from './fixtures.js';

const VERSION = '10';

async function persistRoom(s: Storage, room: RoomBuilder, creator: UserId): Promise<void> {
  await s.rooms.persistEvents({
    roomId: room.roomId,
    newRoom: { roomVersion: VERSION, creator, createdTs: T0 },
    events: room.events().map((event, i) => ({ event, stateBefore: i === 0 ? null : 'previous' })),
  });
}

async function append(s: Storage, room: RoomBuilder, event: RoomEvent): Promise<void> {
  const record = await s.rooms.getRoom(room.roomId);
  assert.ok(record);
  await s.rooms.persistEvents({ roomId: room.roomId, events: [{ event, stateBefore: record.currentStateGroup }] });
}

const user = (s: Storage, localpart: string, displayName: string | null = null) =>
  registerOk(s, account(localpart, { displayName, session: null }));

const ids = async (s: Storage, requester: UserId, words: readonly string[], max = 100) =>
  (await s.userDirectory.candidates(requester, words, max)).map((c) => c.userId).sort();

export function userDirectoryContract(factory: StorageFactory): void {
  describe('UserDirectoryStore contract', () => {
    const { fresh } = storages(factory);

    test('visible: users sharing a joined room, members of public or world-readable rooms; not invitees or strangers', async () => {
      const s = await fresh();
      const alice = await user(s, 'alice', 'Alice');
      const bob = await user(s, 'bob', 'Bob');
      const carol = await user(s, 'carol', 'Carol');
      const dave = await user(s, 'dave', 'Dave');
      const erin = await user(s, 'erin', 'Erin');
      const frank = await user(s, 'frank', 'Frank');

      const privateRoom = buildRoom({ version: VERSION, creator: alice, roomId: `!private:${SERVER_NAME}`, preset: 'invite' });
      privateRoom.invite(alice, bob);
      privateRoom.join(bob);
      privateRoom.invite(alice, frank);
      await persistRoom(s, privateRoom, alice);
      const publicRoom = buildRoom({ version: VERSION, creator: carol, roomId: `!public:${SERVER_NAME}`, preset: 'public' });
      await persistRoom(s, publicRoom, carol);
      const readable = buildRoom({ version: VERSION, creator: dave, roomId: `!readable:${SERVER_NAME}`, preset: 'invite' });
      readable.add({ type: 'm.room.history_visibility', sender: dave, state_key: '', content: { history_visibility: 'world_readable' } });
      await persistRoom(s, readable, dave);
      const hidden = buildRoom({ version: VERSION, creator: erin, roomId: `!hidden:${SERVER_NAME}`, preset: 'invite' });
      await persistRoom(s, hidden, erin);

      assert.deepEqual(await ids(s, alice, []), [bob, carol, dave].sort());
      assert.deepEqual(await ids(s, bob, []), [alice, carol, dave].sort());
      assert.deepEqual(await ids(s, erin, []), [carol, dave].sort(), 'erin shares only a room with herself');
      assert.deepEqual(await ids(s, carol, []), [carol, dave].sort(), 'members of public rooms include the requester');

      // The public room goes invite-only; bob leaves the private room.
      await append(s, publicRoom, publicRoom.setJoinRule(carol, 'invite'));
      await append(s, privateRoom, privateRoom.leave(bob));
      assert.deepEqual(await ids(s, alice, []), [dave]);
    });

    test('every word must be contained, case- and accent-insensitively, in the user ID or display name; deactivated users are left out; max bounds the rows', async () => {
      const s = await fresh();
      const requester = await user(s, 'requester');
      const zoe = await user(s, 'zoe', 'Zoë Saldaña');
      const zed = await user(s, 'zed.smith', null);
      const gone = await user(s, 'gone', 'Zoe Gone');
      const room = buildRoom({ version: VERSION, creator: zoe, roomId: `!words:${SERVER_NAME}`, preset: 'public' });
      room.join(zed);
      room.join(gone);
      await persistRoom(s, room, zoe);
      await s.profiles.setField(zoe, 'avatar_url', 'mxc://contract.test/zoe');

      assert.deepEqual(await ids(s, requester, ['ZOE']), [gone, zoe].sort());
      assert.deepEqual(await ids(s, requester, ['saldana', 'zo']), [zoe]);
      assert.deepEqual(await ids(s, requester, ['smith']), [zed]);
      assert.deepEqual(await ids(s, requester, ['contract.test']), [gone, zed, zoe].sort(), 'the server name is part of the user ID');
      assert.deepEqual(await ids(s, requester, ['zoe', 'nothing']), []);
      assert.deepEqual(await s.userDirectory.candidates(requester, ['saldana'], 10), [
        { userId: zoe, displayName: 'Zoë Saldaña', avatarUrl: 'mxc://contract.test/zoe' },
      ]);
      assert.deepEqual(await s.userDirectory.candidates(requester, ['smith'], 10), [{ userId: zed, displayName: null, avatarUrl: null }]);
      assert.equal((await s.userDirectory.candidates(requester, [], 2)).length, 2);
      assert.deepEqual(await s.userDirectory.candidates(requester, [], 0), []);

      await s.users.deactivate(gone);
      assert.deepEqual(await ids(s, requester, ['zoe']), [zoe]);
    });
  });
}
