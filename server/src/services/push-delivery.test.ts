/** Push gateway delivery details that the integration tests (tests/integration/pushers.test.ts) don't pin. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tweaksOf } from './push-delivery.js';

test('tweaks come from set_tweak actions; a highlight without a value is true (spec "Actions")', () => {
  assert.deepEqual(tweaksOf(['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }]), { sound: 'default', highlight: true });
  assert.deepEqual(tweaksOf([{ set_tweak: 'highlight', value: false }, 'dont_notify', { value: 1 }, null]), { highlight: false });
  assert.deepEqual(tweaksOf([{ set_tweak: 'org.example.led', value: { colour: 'red' } }]), { 'org.example.led': { colour: 'red' } });
});
