/**
 * The send-to-device inbox (spec "Send-to-Device messaging"): messages wait per device until a sync
 * with a later token acknowledges them. Stream positions come from AUTOINCREMENT and are never reused.
 */
import type { DeviceId, UserId } from '../../core/ids.js';
import type { QueuedToDevice, ToDeviceBatch, ToDeviceStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

export function createSqliteToDeviceStore(db: SqliteDatabase, writes: WriteQueue): ToDeviceStore {
  const insertTxn = db.prepare('INSERT OR IGNORE INTO device_inbox_txns (user_id, device_id, txn_id, created_ts) VALUES (?, ?, ?, ?)');
  const deviceIds = db.prepare('SELECT device_id FROM devices WHERE user_id = ? ORDER BY device_id').pluck();
  const deviceExists = db.prepare('SELECT 1 FROM devices WHERE user_id = ? AND device_id = ?').pluck();
  const insert = db.prepare('INSERT INTO device_inbox (user_id, device_id, sender, type, content) VALUES (?, ?, ?, ?, ?)');
  const remove = db.prepare('DELETE FROM device_inbox WHERE user_id = ? AND device_id = ? AND stream_id <= ?');
  const select = db.prepare(`SELECT stream_id, sender, type, content FROM device_inbox
    WHERE user_id = ? AND device_id = ? AND stream_id > ? AND stream_id <= ? ORDER BY stream_id LIMIT ?`);
  const sequence = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'device_inbox'").pluck();
  const perDevice = db.prepare('SELECT user_id, device_id, MAX(stream_id) AS stream_id FROM device_inbox GROUP BY user_id, device_id');

  const enqueueTx = db.transaction((batch: ToDeviceBatch): QueuedToDevice[] | null => {
    if (insertTxn.run(batch.sender, batch.senderDevice, batch.txnId, batch.now).changes === 0) return null;
    const queued: QueuedToDevice[] = [];
    for (const message of batch.messages) {
      const targets =
        message.deviceId === '*'
          ? (deviceIds.all(message.userId) as DeviceId[])
          : deviceExists.get(message.userId, message.deviceId) !== undefined
            ? [message.deviceId]
            : [];
      const content = JSON.stringify(message.content);
      for (const deviceId of targets) {
        const streamId = Number(insert.run(message.userId, deviceId, batch.sender, batch.type, content).lastInsertRowid);
        queued.push({ userId: message.userId, deviceId, streamId });
      }
    }
    return queued;
  });

  return {
    enqueue: (batch) => writes.run(() => enqueueTx(batch)),
    acknowledge: (userId, deviceId, upTo) =>
      writes.run(() => {
        remove.run(userId, deviceId, upTo);
      }),
    async pending(userId, deviceId, after, upTo, limit) {
      const rows = select.all(userId, deviceId, after, upTo, limit) as Array<{ stream_id: number; sender: string; type: string; content: string }>;
      return rows.map((row) => ({
        streamId: row.stream_id,
        sender: row.sender as UserId,
        type: row.type,
        content: JSON.parse(row.content) as Record<string, unknown>,
      }));
    },
    async streamPositions() {
      const devices = (perDevice.all() as Array<{ user_id: string; device_id: string; stream_id: number }>).map((row) => ({
        userId: row.user_id as UserId,
        deviceId: row.device_id as DeviceId,
        streamId: row.stream_id,
      }));
      return { position: (sequence.get() as number | undefined) ?? 0, devices };
    },
  };
}
