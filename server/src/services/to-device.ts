/**
 * Send-to-device messaging and the 'toDevice' stream /sync reads.
 * Spec: client-server-api "Send-to-Device messaging" (to_device.yaml), v1.19: a message is delivered
 * exactly once to each device. A /sync lists the device's waiting messages (at most 100, in order of
 * arrival); the next /sync with that response's next_batch acknowledges them, and they are deleted.
 * When more than 100 wait, the response's token stops at the last one listed, so the next sync goes on.
 *
 * Remote recipients: this server has no federation yet, so messages for users of other servers can't
 * be delivered. As Synapse does for a destination it can't reach, the request still succeeds for the
 * local recipients and the remote part is dropped (logged): refusing the whole request would stop the
 * local deliveries in the same request (e.g. room keys shared with everyone in a mixed room).
 */
import type { Logger } from 'pino';
import { MatrixError } from '../core/errors.js';
import { parseUserId, type DeviceId, type UserId } from '../core/ids.js';
import type { Clock } from '../core/clock.js';
import type { QueuedToDevice, ToDeviceBatch, ToDeviceStore } from '../storage/types.js';
import type { Notifier } from './notifier.js';
import type { Requester } from './requester.js';
import type { SyncContext, SyncSource } from './sync-sources.js';

/** Spec: "100 messages is recommended as a reasonable limit". */
export const TO_DEVICE_LIMIT = 100;

export interface ToDeviceDeps {
  readonly toDevice: ToDeviceStore;
  readonly notifier: Pick<Notifier, 'users'>;
  readonly clock: Clock;
  readonly serverName: string;
  readonly log: Logger;
  /** Loaded at startup (ToDeviceStore.streamPositions). */
  readonly initial: { readonly position: number; readonly devices: readonly QueuedToDevice[] };
  readonly limit?: number | undefined;
}

interface DeviceInbox {
  /** The lowest message that may still be stored (0: unknown, after a restart). */
  oldest: number;
  /** The highest waiting message. */
  newest: number;
  /** Messages up to here are known deleted. */
  acknowledged: number;
}

export type ToDeviceMessages = Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;

export function createToDeviceService(deps: ToDeviceDeps) {
  const limit = deps.limit ?? TO_DEVICE_LIMIT;
  let position = deps.initial.position;
  // Devices with messages waiting: a /sync for any other device costs nothing.
  const inboxes = new Map<string, DeviceInbox>();
  const keyOf = (userId: UserId, deviceId: DeviceId) => `${userId}|${deviceId}`;
  for (const queued of deps.initial.devices) inboxes.set(keyOf(queued.userId, queued.deviceId), { oldest: 0, newest: queued.streamId, acknowledged: 0 });

  const source: SyncSource = {
    stream: 'toDevice',
    current: () => position,
    async global(ctx: SyncContext) {
      const key = keyOf(ctx.userId, ctx.deviceId);
      const inbox = inboxes.get(key);
      if (!inbox) return null;
      const since = ctx.since?.toDevice ?? 0;
      // The token acknowledges what earlier responses listed (nothing to delete below the oldest message).
      if (since > inbox.acknowledged && since >= inbox.oldest) {
        await deps.toDevice.acknowledge(ctx.userId, ctx.deviceId, since);
        inbox.acknowledged = since;
      }
      if (inbox.acknowledged >= inbox.newest) {
        if (inboxes.get(key) === inbox && inbox.acknowledged >= inbox.newest) inboxes.delete(key);
        return null;
      }
      const messages = await deps.toDevice.pending(ctx.userId, ctx.deviceId, since, ctx.upTo.toDevice, limit);
      if (messages.length === 0) return null;
      const events = messages.map((message) => ({ sender: message.sender, type: message.type, content: message.content }));
      const last = messages[messages.length - 1]?.streamId ?? since;
      // A full page: more may wait, so the token stops at the last message listed.
      return messages.length === limit ? { sections: { to_device: events }, position: last } : { sections: { to_device: events } };
    },
  };

  return {
    /**
     * PUT /sendToDevice/{eventType}/{txnId}: idempotent per (sending device, txnId).
     * @throws MatrixError 400 M_INVALID_PARAM for a recipient that isn't a user ID
     */
    async send(requester: Requester, type: string, txnId: string, messages: ToDeviceMessages): Promise<void> {
      const local: Array<ToDeviceBatch['messages'][number]> = [];
      let remote = 0;
      for (const [userId, byDevice] of Object.entries(messages)) {
        const parsed = parseUserId(userId);
        if (!parsed) throw new MatrixError('M_INVALID_PARAM', `Invalid user ID: ${userId}`);
        if (parsed.serverName !== deps.serverName) {
          remote += Object.keys(byDevice).length;
          continue;
        }
        for (const [deviceId, content] of Object.entries(byDevice)) {
          local.push({ userId: userId as UserId, deviceId: deviceId as DeviceId | '*', content });
        }
      }
      if (remote > 0) deps.log.debug({ sender: requester.userId, type, remote }, 'to-device messages for remote users dropped (no federation)');
      const queued = await deps.toDevice.enqueue({
        sender: requester.userId,
        senderDevice: requester.deviceId,
        txnId,
        type,
        messages: local,
        now: deps.clock.now(),
      });
      // null: a retransmission of a transaction already done.
      if (!queued || queued.length === 0) return;
      const recipients = new Set<UserId>();
      for (const message of queued) {
        position = Math.max(position, message.streamId);
        const key = keyOf(message.userId, message.deviceId);
        const inbox = inboxes.get(key);
        if (inbox) inbox.newest = Math.max(inbox.newest, message.streamId);
        else inboxes.set(key, { oldest: message.streamId, newest: message.streamId, acknowledged: 0 });
        recipients.add(message.userId);
      }
      deps.notifier.users(recipients);
    },

    source,
  };
}

export type ToDeviceService = ReturnType<typeof createToDeviceService>;
