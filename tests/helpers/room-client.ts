/**
 * A thin raw-HTTP Matrix client over TestServer.request for the room and sync suites: each call checks
 * for 200 and returns the body; `raw` exposes the reply for tests that expect a refusal.
 */
import assert from 'node:assert/strict';
import type { HttpResult, RegisteredUser, TestServer } from './test-server.js';

export const V3 = '/_matrix/client/v3';
export const enc = encodeURIComponent;
let txnCounter = 0;

export type RoomClient = ReturnType<typeof roomClient>;

export function roomClient(hs: TestServer, user: RegisteredUser) {
  const token = user.accessToken;
  const raw = (method: string, path: string, body?: unknown): Promise<HttpResult> => hs.request(method, path, { token, body });
  const ok = async (method: string, path: string, body?: unknown) => {
    const response = await raw(method, path, body);
    assert.equal(response.status, 200, `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    // Tests read fields freely from replies.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return response.body as any;
  };
  const room = (roomId: string) => `${V3}/rooms/${enc(roomId)}`;
  return {
    user,
    userId: user.userId,
    raw,
    ok,
    room,
    async createRoom(body: Record<string, unknown> = {}): Promise<string> {
      return (await ok('POST', `${V3}/createRoom`, body)).room_id;
    },
    async send(roomId: string, content: Record<string, unknown>, type = 'm.room.message', txnId = `txn${++txnCounter}`): Promise<string> {
      return (await ok('PUT', `${room(roomId)}/send/${enc(type)}/${enc(txnId)}`, content)).event_id;
    },
    say(roomId: string, body: string): Promise<string> {
      return this.send(roomId, { msgtype: 'm.text', body });
    },
    async setState(roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
      return (await ok('PUT', `${room(roomId)}/state/${enc(type)}/${enc(stateKey)}`, content)).event_id;
    },
    join: (roomIdOrAlias: string) => ok('POST', `${V3}/join/${enc(roomIdOrAlias)}`, {}),
    invite: (roomId: string, userId: string) => ok('POST', `${room(roomId)}/invite`, { user_id: userId }),
    leave: (roomId: string) => ok('POST', `${room(roomId)}/leave`, {}),
    state: (roomId: string) => ok('GET', `${room(roomId)}/state`),
    messages(roomId: string, query: Record<string, string | number>) {
      const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
      return ok('GET', `${room(roomId)}/messages?${params}`);
    },
    sync(query: Record<string, string | number> = {}) {
      const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
      return ok('GET', `${V3}/sync?${params}`);
    },
  };
}

/** Creates a room as `user`; returns its ID. */
export async function createRoom(hs: TestServer, user: RegisteredUser, body: Record<string, unknown> = {}): Promise<string> {
  return (await roomClient(hs, user).ok('POST', `${V3}/createRoom`, body)).room_id;
}

/** Joins `user` to a room by ID or alias. */
export async function join(hs: TestServer, user: RegisteredUser, roomIdOrAlias: string): Promise<void> {
  await roomClient(hs, user).ok('POST', `${V3}/join/${enc(roomIdOrAlias)}`, {});
}
