/**
 * ProfilesStore contract (storage/types.ts): any JSON value per field, null included; the whole-profile
 * size limit is enforced atomically.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { account, registerOk, storages, userId, type StorageFactory } from './fixtures.js';

const LIMIT = 64 * 1024;

export function profilesContract(factory: StorageFactory): void {
  describe('ProfilesStore contract', () => {
    const { shared } = storages(factory);

    test('an unknown user has an empty profile', async () => {
      assert.deepEqual(await shared().profiles.getProfile(userId('no-such-user')), {});
    });

    test('setField stores any JSON value, null included, and replaces the previous one', async () => {
      const s = shared();
      const id = await registerOk(s, account('prof-values', { displayName: 'Values' }));
      const job = { title: 'Engineer', since: 2019, tags: ['a', 'b'], nested: { ok: true } };
      assert.deepEqual(await s.profiles.setField(id, 'org.example.job', job), { ok: true });
      assert.deepEqual(await s.profiles.setField(id, 'org.example.count', 3), { ok: true });
      assert.deepEqual(await s.profiles.setField(id, 'org.example.nothing', null), { ok: true });
      assert.deepEqual(await s.profiles.setField(id, 'm.tz', 'Europe/London'), { ok: true });
      assert.deepEqual(await s.profiles.getProfile(id), {
        displayname: 'Values',
        'org.example.job': job,
        'org.example.count': 3,
        'org.example.nothing': null,
        'm.tz': 'Europe/London',
      });

      await s.profiles.setField(id, 'displayname', 'Renamed 🐇');
      assert.equal((await s.profiles.getProfile(id)).displayname, 'Renamed 🐇');
    });

    test('deleteField removes one field; a missing field is no error', async () => {
      const s = shared();
      const id = await registerOk(s, account('prof-delete'));
      await s.profiles.setField(id, 'org.example.job', 'x');
      await s.profiles.deleteField(id, 'org.example.job');
      await s.profiles.deleteField(id, 'org.example.never');
      assert.deepEqual(await s.profiles.getProfile(id), { displayname: 'prof-delete' });
    });

    test('fields belong to one user', async () => {
      const s = shared();
      const a = await registerOk(s, account('prof-a'));
      const b = await registerOk(s, account('prof-b'));
      await s.profiles.setField(a, 'org.example.job', 'A');
      await s.profiles.deleteField(b, 'displayname');
      assert.deepEqual(await s.profiles.getProfile(a), { displayname: 'prof-a', 'org.example.job': 'A' });
      assert.deepEqual(await s.profiles.getProfile(b), {});
    });

    test('maxProfileBytes refuses a change that would make the profile reach the limit, counting UTF-8 bytes', async () => {
      const s = shared();
      const id = await registerOk(s, account('prof-size', { displayName: null }));
      const chunk = 'x'.repeat(30 * 1024);
      assert.deepEqual(await s.profiles.setField(id, 'org.example.a', chunk, LIMIT), { ok: true });
      assert.deepEqual(await s.profiles.setField(id, 'org.example.b', chunk, LIMIT), { ok: true });
      assert.deepEqual(await s.profiles.setField(id, 'org.example.c', chunk, LIMIT), { ok: false, reason: 'too_large' });
      assert.deepEqual(Object.keys(await s.profiles.getProfile(id)).sort(), ['org.example.a', 'org.example.b']);

      // Replacing a field counts its new value only.
      assert.deepEqual(await s.profiles.setField(id, 'org.example.b', `${chunk}yy`, LIMIT), { ok: true });
      // 4 KiB of 4-byte characters is 16 KiB: too much, though it is only 8 K UTF-16 units.
      assert.deepEqual(await s.profiles.setField(id, 'org.example.c', '🐇'.repeat(1024), LIMIT), { ok: false, reason: 'too_large' });
      // The exact boundary: the whole profile as JSON must stay under the limit.
      const profile = await s.profiles.getProfile(id);
      const used = Buffer.byteLength(JSON.stringify({ ...profile, 'org.example.c': '' }));
      const room = LIMIT - used;
      assert.deepEqual(await s.profiles.setField(id, 'org.example.c', 'z'.repeat(room), LIMIT), { ok: false, reason: 'too_large' });
      assert.deepEqual(await s.profiles.setField(id, 'org.example.c', 'z'.repeat(room - 1), LIMIT), { ok: true });
      assert.equal(Buffer.byteLength(JSON.stringify(await s.profiles.getProfile(id))), LIMIT - 1);

      // Without a limit nothing is measured.
      assert.deepEqual(await s.profiles.setField(id, 'org.example.d', chunk), { ok: true });
    });

    test('concurrent writes are measured one after another', async () => {
      const s = shared();
      const id = await registerOk(s, account('prof-race', { displayName: null }));
      const chunk = 'y'.repeat(40 * 1024);
      const results = await Promise.all(['one', 'two', 'three'].map((k) => s.profiles.setField(id, `org.example.${k}`, chunk, LIMIT)));
      assert.equal(results.filter((r) => r.ok).length, 1);
      assert.equal(Object.keys(await s.profiles.getProfile(id)).length, 1);
    });
  });
}
