import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixupPowerLevels, restrictedPowerLevels } from './room-upgrade.js';

test('fixupPowerLevels turns stringy and floaty levels into integers and drops unreadable ones', () => {
  assert.deepEqual(
    fixupPowerLevels({ ban: '50', kick: 50.7, redact: 'lots', users: { '@a:hs': ' 100 ', '@b:hs': null }, events: { 'm.room.name': 50 } }),
    { ban: 50, kick: 50, users: { '@a:hs': 100 }, events: { 'm.room.name': 50 } },
  );
});

test('restrictedPowerLevels raises events_default and invite to max(50, users_default + 1)', () => {
  assert.deepEqual(restrictedPowerLevels({ users_default: 0, events_default: 0, invite: 0 }), { users_default: 0, events_default: 50, invite: 50 });
  assert.deepEqual(restrictedPowerLevels({ users_default: 60 }), { users_default: 60, events_default: 61, invite: 61 });
  // Already restricted: nothing to send.
  assert.equal(restrictedPowerLevels({ events_default: 50, invite: 75 }), null);
});
