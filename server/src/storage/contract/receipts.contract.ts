/**
 * ReceiptsStore contract: what every backend must do (storage/types.ts). Run by each backend's test file.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventId, RoomId } from '../../core/ids.js';
import type { NewReceipt } from '../types.js';
import { storages, T0, userId, type StorageFactory } from './fixtures.js';

const room = (name: string) => `!${name}:contract.test` as RoomId;
const event = (name: string) => `$${name}` as EventId;

function receipt(overrides: Partial<NewReceipt> & Pick<NewReceipt, 'roomId' | 'userId'>): NewReceipt {
  return {
    receiptType: 'm.read',
    threadId: '',
    eventId: event('e1'),
    eventStreamOrdering: 1,
    ts: T0,
    data: { ts: T0 },
    ...overrides,
  };
}

export function receiptsContract(factory: StorageFactory): void {
  describe('ReceiptsStore contract', () => {
    const { fresh, reopen } = storages(factory);

    test('receipts move only forward per (room, type, user, thread), each change at the next stream position', async () => {
      const s = await fresh();
      const alice = userId('receipt-alice');
      const r = room('forward');
      assert.deepEqual(await s.receipts.streamPositions(), { position: 0, rooms: new Map() });
      assert.equal(await s.receipts.setReceipt(receipt({ roomId: r, userId: alice, eventId: event('e5'), eventStreamOrdering: 5 })), 1);
      // Same or older event: nothing changes.
      assert.equal(await s.receipts.setReceipt(receipt({ roomId: r, userId: alice, eventId: event('e5'), eventStreamOrdering: 5 })), null);
      assert.equal(await s.receipts.setReceipt(receipt({ roomId: r, userId: alice, eventId: event('e3'), eventStreamOrdering: 3 })), null);
      // Another type or thread is its own receipt.
      assert.equal(await s.receipts.setReceipt(receipt({ roomId: r, userId: alice, receiptType: 'm.read.private', eventId: event('e3'), eventStreamOrdering: 3 })), 2);
      assert.equal(await s.receipts.setReceipt(receipt({ roomId: r, userId: alice, threadId: 'main', eventId: event('e2'), eventStreamOrdering: 2, data: { ts: T0, thread_id: 'main' } })), 3);
      assert.equal(await s.receipts.setReceipt(receipt({ roomId: r, userId: alice, eventId: event('e9'), eventStreamOrdering: 9, ts: T0 + 1 })), 4);

      const all = await s.receipts.receiptsInRooms([r], 0, 100);
      assert.deepEqual(
        all.map((x) => [x.receiptType, x.threadId, x.eventId, x.eventStreamOrdering, x.streamId]),
        [
          ['m.read.private', '', '$e3', 3, 2],
          ['m.read', 'main', '$e2', 2, 3],
          ['m.read', '', '$e9', 9, 4],
        ],
      );
      assert.deepEqual(all.find((x) => x.threadId === 'main')?.data, { ts: T0, thread_id: 'main' });
      assert.equal(all.find((x) => x.eventId === '$e9')?.ts, T0 + 1);
    });

    test('receiptsInRooms reads (after, upTo] of the given rooms only; positions survive a reopen', async () => {
      const s = await fresh();
      const bob = userId('receipt-bob');
      const carol = userId('receipt-carol');
      const [r1, r2, r3] = [room('one'), room('two'), room('three')];
      await s.receipts.setReceipt(receipt({ roomId: r1, userId: bob }));
      await s.receipts.setReceipt(receipt({ roomId: r2, userId: bob }));
      await s.receipts.setReceipt(receipt({ roomId: r1, userId: carol }));
      await s.receipts.setReceipt(receipt({ roomId: r3, userId: carol }));
      const ids = (list: { roomId: RoomId; userId: string; streamId: number }[]) => list.map((x) => `${x.roomId}/${x.userId}/${x.streamId}`);
      assert.deepEqual(ids(await s.receipts.receiptsInRooms([r1, r2], 1, 3)), [`${r2}/${bob}/2`, `${r1}/${carol}/3`]);
      assert.deepEqual(ids(await s.receipts.receiptsInRooms([r3], 0, 3)), []);
      assert.deepEqual(await s.receipts.receiptsInRooms([], 0, 10), []);
      const many = Array.from({ length: 1200 }, (_, i) => room(`many${i}`));
      assert.equal((await s.receipts.receiptsInRooms([...many, r3], 0, 10)).length, 1, 'long room lists are read in chunks');

      if (!factory.reopen) return;
      const again = await reopen(s);
      assert.deepEqual(await again.receipts.streamPositions(), { position: 4, rooms: new Map([[r1, 3], [r2, 2], [r3, 4]]) });
    });
  });
}
