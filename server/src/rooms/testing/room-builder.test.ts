import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventId } from '../../core/ids.js';
import { contentHash, computeEventId, referenceHash } from '../hashes.js';
import { authEventIds, prevEventIds, stateKey } from '../pdu.js';
import { ROOM_VERSIONS } from '../room-versions.js';
import { buildRoom } from './room-builder.js';

test('presets: public/invite add join, power levels and join rules; bare only the create event', () => {
  for (const rules of ROOM_VERSIONS.values()) {
    const room = buildRoom({ version: rules.id, creator: '@alice:a' });
    assert.deepEqual(
      room.events().map((event) => event.pdu.type),
      ['m.room.create', 'm.room.member', 'm.room.power_levels', 'm.room.join_rules'],
    );
    assert.equal(room.state().get(stateKey('m.room.join_rules', ''))?.pdu.content.join_rule, 'public');
    const users = room.state().get(stateKey('m.room.power_levels', ''))?.pdu.content.users;
    assert.deepEqual(users, rules.privilegedCreators ? {} : { '@alice:a': 100 });
    assert.equal(buildRoom({ version: rules.id, creator: '@alice:a', preset: 'invite' }).state().get(stateKey('m.room.join_rules', ''))?.pdu.content.join_rule, 'invite');
    assert.equal(buildRoom({ version: rules.id, creator: '@alice:a', preset: 'bare' }).events().length, 1);
    const create = room.create.pdu;
    assert.equal(create.content.room_version, rules.id);
    assert.equal('creator' in create.content, !rules.implicitRoomCreator);
  }
});

test('events carry real hashes and IDs, reference the latest event and the selected auth events', () => {
  for (const rules of ROOM_VERSIONS.values()) {
    const room = buildRoom({ version: rules.id, creator: '@alice:a' });
    const join = room.join('@bob:b');
    const pdu = join.pdu;
    const hash = contentHash(pdu);
    assert.ok(hash.ok);
    assert.equal(pdu.hashes.sha256, hash.value);
    const id = computeEventId(pdu, rules);
    assert.ok(id.ok);
    assert.equal(join.eventId, id.value);
    assert.deepEqual(prevEventIds(pdu), [room.events().at(-2)!.eventId]);
    const expectedAuth = [
      ...(rules.roomIdFromCreateEvent ? [] : [room.create.eventId]),
      room.stateIds().get(stateKey('m.room.power_levels', ''))!,
      room.stateIds().get(stateKey('m.room.join_rules', ''))!,
    ];
    assert.deepEqual(authEventIds(pdu), expectedAuth);
    if (rules.eventIdFormat === 'random') {
      const [, hashes] = pdu.prev_events[0] as [string, { sha256: string }];
      const reference = referenceHash(room.event(prevEventIds(pdu)[0]!).pdu, rules);
      assert.ok(reference.ok);
      assert.equal(hashes.sha256, reference.value.toString('base64').replace(/=+$/, ''));
    }
    assert.equal(pdu.room_id, room.roomId);
    assert.equal(join.roomId, room.roomId);
  }
});

test('build() does not append; explicit prev/auth events and timestamps are used as given', () => {
  const room = buildRoom({ version: '11', creator: '@alice:a' });
  const before = room.latest();
  const draft = room.build({ type: 'm.room.message', sender: '@alice:a', content: { body: 'x' } }, {
    prevEvents: [room.create.eventId],
    authEvents: [room.create.eventId],
    originServerTs: 42,
  });
  assert.equal(room.latest(), before);
  assert.equal(room.event(draft.eventId), draft);
  assert.deepEqual(prevEventIds(draft.pdu), [room.create.eventId]);
  assert.deepEqual(authEventIds(draft.pdu), [room.create.eventId]);
  assert.equal(draft.pdu.origin_server_ts, 42);
  assert.equal(draft.pdu.depth, 2);
  assert.throws(() => room.event('$nope' as EventId), /unknown event/);
  assert.throws(() => buildRoom({ version: '99', creator: '@alice:a' }), /unknown room version/);
});

test('v12: the room ID comes from the create event, which is in authStateFor but never in auth_events', () => {
  const room = buildRoom({ version: '12', creator: '@alice:a' });
  assert.equal(room.roomId, `!${room.create.eventId.slice(1)}`);
  const message = room.message('@alice:a');
  assert.ok(!authEventIds(message.pdu).includes(room.create.eventId));
  assert.equal(room.authStateFor(message).get(stateKey('m.room.create', '')), room.create);
});
