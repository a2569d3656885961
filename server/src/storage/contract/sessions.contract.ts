/**
 * SessionsStore contract (storage/types.ts): logins create or take over devices; access tokens resolve to
 * their requester; refresh tokens rotate as the spec's "Refreshing access tokens" describes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UserId } from '../../core/ids.js';
import type { NewTokens, Storage } from '../types.js';
import { T0, account, deviceId, issue, registerOk, storages, type IssuedHashes, type StorageFactory } from './fixtures.js';

type RefreshTokens = NewTokens & { refresh: NonNullable<NewTokens['refresh']> };
const refreshable = (issued: IssuedHashes): RefreshTokens => issued.tokens as RefreshTokens;

/** Uses an access token the way the auth service does on its first use. */
async function use(s: Storage, access: Buffer): Promise<void> {
  const info = await s.sessions.lookupAccessToken(access);
  assert.ok(info, 'the access token resolves');
  if (!info.used && info.refreshTokenId !== null) await s.sessions.markAccessTokenUsed(info.tokenId, info.refreshTokenId);
}

export function sessionsContract(factory: StorageFactory): void {
  describe('SessionsStore contract', () => {
    const { shared } = storages(factory);

    async function loggedIn(s: Storage, localpart: string): Promise<{ user: UserId; first: IssuedHashes }> {
      const first = issue({ refresh: true });
      const user = await registerOk(
        s,
        account(localpart, { session: { deviceId: deviceId('DEV'), deviceDisplayName: 'original', tokens: first.tokens } }),
      );
      return { user, first };
    }

    test('createSession makes a new device with its tokens; lookup tells who it is', async () => {
      const s = shared();
      const admin = await registerOk(s, account('sess-admin', { isAdmin: true, session: null }));
      const issued = issue();
      await s.sessions.createSession({ userId: admin, deviceId: deviceId('NEW'), deviceDisplayName: 'Laptop', tokens: issued.tokens, now: T0 + 7 });
      const device = await s.devices.getDevice(admin, deviceId('NEW'));
      assert.equal(device?.displayName, 'Laptop');
      assert.equal(device?.createdTs, T0 + 7);
      const info = await s.sessions.lookupAccessToken(issued.access);
      assert.ok(info);
      assert.equal(typeof info.tokenId, 'number');
      assert.deepEqual({ ...info, tokenId: 0 }, {
        tokenId: 0,
        userId: admin,
        deviceId: 'NEW',
        expiresTs: null,
        used: false,
        refreshTokenId: null,
        isGuest: false,
        isAdmin: true,
        deactivated: false,
      });
      assert.equal(await s.sessions.lookupAccessToken(Buffer.alloc(32, 0xee)), null);
    });

    test('createSession takes over an existing device: its old tokens are revoked, its name kept unless given', async () => {
      const s = shared();
      const { user, first } = await loggedIn(s, 'sess-takeover');
      const second = issue();
      await s.sessions.createSession({ userId: user, deviceId: deviceId('DEV'), deviceDisplayName: null, tokens: second.tokens, now: T0 + 50 });
      assert.equal(await s.sessions.lookupAccessToken(first.access), null);
      assert.deepEqual(await s.sessions.refresh(first.refresh!, refreshable(issue({ refresh: true })), T0 + 60), { ok: false, reason: 'unknown' });
      assert.equal((await s.sessions.lookupAccessToken(second.access))?.deviceId, 'DEV');
      const devices = await s.devices.listDevices(user);
      assert.equal(devices.length, 1);
      assert.equal(devices[0]?.displayName, 'original');
      assert.equal(devices[0]?.createdTs, T0, 'still the same device');

      const third = issue();
      await s.sessions.createSession({ userId: user, deviceId: deviceId('DEV'), deviceDisplayName: 'renamed', tokens: third.tokens, now: T0 + 70 });
      assert.equal(await s.sessions.lookupAccessToken(second.access), null);
      assert.equal((await s.devices.getDevice(user, deviceId('DEV')))?.displayName, 'renamed');
    });

    test('lookup reflects the account: guest, admin, deactivated', async () => {
      const s = shared();
      const guestIssued = issue();
      await s.users.register(account(null, { isGuest: true, passwordHash: null, session: { deviceId: deviceId('G'), deviceDisplayName: null, tokens: guestIssued.tokens } }));
      assert.equal((await s.sessions.lookupAccessToken(guestIssued.access))?.isGuest, true);

      const { user, first } = await loggedIn(s, 'sess-flags');
      await s.users.setAdmin(user, true);
      assert.equal((await s.sessions.lookupAccessToken(first.access))?.isAdmin, true);
      // A deactivated account's tokens are gone (or, at least, flagged).
      await s.users.deactivate(user);
      const after = await s.sessions.lookupAccessToken(first.access);
      assert.ok(after === null || after.deactivated);
    });

    test('markAccessTokenUsed marks the token used', async () => {
      const s = shared();
      const { first } = await loggedIn(s, 'sess-used');
      const before = await s.sessions.lookupAccessToken(first.access);
      assert.equal(before?.used, false);
      await s.sessions.markAccessTokenUsed(before!.tokenId, before!.refreshTokenId);
      assert.equal((await s.sessions.lookupAccessToken(first.access))?.used, true);
    });

    test('refresh issues a new pair on the same device; the new access token is unused and linked to the new refresh token', async () => {
      const s = shared();
      const { user, first } = await loggedIn(s, 'sess-refresh');
      const next = issue({ refresh: true, accessExpiresTs: T0 + 999 });
      assert.deepEqual(await s.sessions.refresh(first.refresh!, refreshable(next), T0 + 10), { ok: true, userId: user, deviceId: 'DEV' });
      const info = await s.sessions.lookupAccessToken(next.access);
      assert.equal(info?.deviceId, 'DEV');
      assert.equal(info?.expiresTs, T0 + 999);
      assert.equal(info?.used, false);
      assert.equal(typeof info?.refreshTokenId, 'number');
      assert.notEqual(info?.refreshTokenId, (await s.sessions.lookupAccessToken(first.access))?.refreshTokenId);
      assert.equal((await s.devices.listDevices(user)).length, 1);
    });

    test('the old refresh token stays valid until the new access token is used, then it is revoked', async () => {
      const s = shared();
      const { first } = await loggedIn(s, 'sess-rotate-access');
      const next = issue({ refresh: true });
      assert.equal((await s.sessions.refresh(first.refresh!, refreshable(next), T0 + 10)).ok, true);
      await use(s, next.access);
      const replay = await s.sessions.refresh(first.refresh!, refreshable(issue({ refresh: true })), T0 + 20);
      assert.equal(replay.ok, false);
      assert.notEqual(!replay.ok && replay.reason, 'expired');
      // The new pair goes on working.
      assert.equal((await s.sessions.refresh(next.refresh!, refreshable(issue({ refresh: true })), T0 + 30)).ok, true);
    });

    test('the old refresh token is superseded once the new refresh token has been used', async () => {
      const s = shared();
      const { first } = await loggedIn(s, 'sess-rotate-refresh');
      const next = issue({ refresh: true });
      assert.equal((await s.sessions.refresh(first.refresh!, refreshable(next), T0 + 10)).ok, true);
      assert.equal((await s.sessions.refresh(next.refresh!, refreshable(issue({ refresh: true })), T0 + 20)).ok, true);
      assert.deepEqual(await s.sessions.refresh(first.refresh!, refreshable(issue({ refresh: true })), T0 + 30), { ok: false, reason: 'superseded' });
    });

    test('a refresh retried before the new pair was used succeeds and replaces the unused pair', async () => {
      // Spec: "The old refresh token remains valid until the new access token or refresh token is used."
      // A client whose refresh response was lost retries with the old token; the pair it never saw is dropped.
      const s = shared();
      const { user, first } = await loggedIn(s, 'sess-retry');
      const lost = issue({ refresh: true });
      assert.equal((await s.sessions.refresh(first.refresh!, refreshable(lost), T0 + 10)).ok, true);
      const retry = issue({ refresh: true });
      assert.deepEqual(await s.sessions.refresh(first.refresh!, refreshable(retry), T0 + 20), { ok: true, userId: user, deviceId: 'DEV' });
      assert.equal(await s.sessions.lookupAccessToken(lost.access), null, 'the lost pair is revoked');
      assert.equal((await s.sessions.refresh(lost.refresh!, refreshable(issue({ refresh: true })), T0 + 30)).ok, false);

      // The retried pair rotates normally.
      await use(s, retry.access);
      assert.equal((await s.sessions.refresh(first.refresh!, refreshable(issue({ refresh: true })), T0 + 40)).ok, false);
      assert.equal((await s.sessions.refresh(retry.refresh!, refreshable(issue({ refresh: true })), T0 + 50)).ok, true);
    });

    test('an expired refresh token is refused as expired; an unknown one as unknown', async () => {
      const s = shared();
      const expiring = issue({ refresh: true, refreshExpiresTs: T0 + 100 });
      await registerOk(s, account('sess-expiry', { session: { deviceId: deviceId('DEV'), deviceDisplayName: null, tokens: expiring.tokens } }));
      assert.deepEqual(await s.sessions.refresh(expiring.refresh!, refreshable(issue({ refresh: true })), T0 + 100), { ok: false, reason: 'expired' });
      assert.deepEqual(await s.sessions.refresh(Buffer.alloc(32, 0xab), refreshable(issue({ refresh: true })), T0), { ok: false, reason: 'unknown' });

      const fresh = issue({ refresh: true, refreshExpiresTs: T0 + 100 });
      await registerOk(s, account('sess-expiry2', { session: { deviceId: deviceId('DEV'), deviceDisplayName: null, tokens: fresh.tokens } }));
      assert.equal((await s.sessions.refresh(fresh.refresh!, refreshable(issue({ refresh: true })), T0 + 99)).ok, true);
    });

    test('a refresh token of a deleted device is unknown', async () => {
      const s = shared();
      const { user, first } = await loggedIn(s, 'sess-deleted');
      await s.devices.deleteDevices(user, [deviceId('DEV')]);
      assert.deepEqual(await s.sessions.refresh(first.refresh!, refreshable(issue({ refresh: true })), T0), { ok: false, reason: 'unknown' });
    });
  });
}
