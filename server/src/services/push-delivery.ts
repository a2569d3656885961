/**
 * Push delivery: after a new event is committed, every user it notifies who has HTTP pushers gets a
 * POST /_matrix/push/v1/notify at each pusher's gateway, off the send path. Each pusher has its own queue,
 * sent in order; a failing gateway is retried with exponential backoff (1 s doubling, as Synapse), and a
 * notification still failing past the longest backoff is dropped so newer ones flow. Pushkeys the gateway
 * lists as `rejected` lose their pusher (spec: "Homeservers must cease sending notification requests for
 * these pushkeys and remove the associated pushers").
 * Spec: push-gateway-api "Homeserver behaviour", POST /_matrix/push/v1/notify (push_notifier.yaml);
 * client-server-api "Push Notifications" (push.md, pusher.yaml `data`, `event_id_only`), v1.19.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { EventType, stateKey } from '../rooms/pdu.js';
import type { PushActionsStore, PusherRecord, PushersStore, RoomsStore } from '../storage/types.js';
import type { CommittedEvent } from './room-events.js';

export interface PushDeliveryOptions {
  /** First retry delay after a failed request (Synapse: 1 s). */
  readonly initialBackoffMs: number;
  /** A notification whose next delay would exceed this is dropped (Synapse: 1 h). */
  readonly maxBackoffMs: number;
  readonly requestTimeoutMs: number;
  /** Notifications waiting per pusher; the oldest go first when it overflows. */
  readonly maxQueue: number;
}

export const DEFAULT_PUSH_DELIVERY: PushDeliveryOptions = {
  initialBackoffMs: 1_000,
  maxBackoffMs: 60 * 60_000,
  requestTimeoutMs: 20_000,
  maxQueue: 100,
};

export interface PushDeliveryDeps {
  readonly rooms: Pick<RoomsStore, 'getStateGroup' | 'getEvents'>;
  readonly pushers: PushersStore;
  readonly pushActions: Pick<PushActionsStore, 'badgeCount'>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly options?: Partial<PushDeliveryOptions> | undefined;
}

/** What one notification says, before the pusher's own `devices` entry is added. */
interface Notice {
  /** Null: a badge update only (counts). */
  readonly event: {
    readonly event_id: EventId;
    readonly room_id: RoomId;
    readonly type: string;
    readonly sender: string;
    readonly sender_display_name?: string;
    readonly room_name?: string;
    readonly room_alias?: string;
    readonly content: Record<string, unknown>;
    readonly user_is_target?: boolean;
    readonly prio: 'high' | 'low';
  } | null;
  readonly tweaks: Readonly<Record<string, unknown>>;
  readonly unread: number;
}

interface Worker {
  readonly pusherId: number;
  readonly queue: Notice[];
  running: boolean;
  backoffMs: number;
}

/** Tweaks from a rule's actions (spec: a `highlight` tweak without a value means true). */
export function tweaksOf(actions: readonly unknown[]): Record<string, unknown> {
  const tweaks: Record<string, unknown> = {};
  for (const action of actions) {
    if (typeof action !== 'object' || action === null) continue;
    const { set_tweak: name, value } = action as { set_tweak?: unknown; value?: unknown };
    if (typeof name !== 'string') continue;
    tweaks[name] = value === undefined && name === 'highlight' ? true : value;
  }
  return tweaks;
}

/** The notify request body for one pusher (push_notifier.yaml; `event_id_only` keeps only the required fields). */
function notifyBody(notice: Notice, pusher: PusherRecord): Record<string, unknown> {
  const { url: _url, ...data } = pusher.data;
  const device = {
    app_id: pusher.appId,
    pushkey: pusher.pushkey,
    pushkey_ts: Math.floor(pusher.pushkeyTs / 1000),
    data,
    tweaks: notice.tweaks,
  };
  const counts = { unread: notice.unread };
  const event = notice.event;
  if (!event) return { notification: { counts, devices: [device] } };
  if (pusher.data.format === 'event_id_only') {
    return { notification: { event_id: event.event_id, room_id: event.room_id, counts, prio: event.prio, devices: [device] } };
  }
  return { notification: { ...event, counts, devices: [device] } };
}

export function createPushDelivery(deps: PushDeliveryDeps) {
  const options: PushDeliveryOptions = { ...DEFAULT_PUSH_DELIVERY, ...deps.options };
  const workers = new Map<number, Worker>();
  const sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  const aborter = new AbortController();
  let closed = false;

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      sleeper.timer.unref();
      sleepers.add(sleeper);
    });
  }

  /** POSTs one notification; 'rejected' when the gateway rejects this pusher's pushkey. */
  async function post(pusher: PusherRecord, notice: Notice): Promise<'sent' | 'rejected' | 'failed'> {
    const url = pusher.data.url as string;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(notifyBody(notice, pusher)),
        signal: AbortSignal.any([AbortSignal.timeout(options.requestTimeoutMs), aborter.signal]),
        redirect: 'error',
      });
      const text = await response.text();
      if (!response.ok) {
        deps.log.warn({ pusherId: pusher.id, status: response.status }, 'push gateway refused a notification');
        return 'failed';
      }
      let rejected: unknown = [];
      try {
        rejected = (JSON.parse(text) as { rejected?: unknown }).rejected ?? [];
      } catch {
        // Not JSON: sent all the same, with nothing rejected.
      }
      return Array.isArray(rejected) && rejected.includes(pusher.pushkey) ? 'rejected' : 'sent';
    } catch (error) {
      if (!closed) deps.log.warn({ pusherId: pusher.id, err: error }, 'push gateway unreachable');
      return 'failed';
    }
  }

  async function drain(worker: Worker): Promise<void> {
    worker.running = true;
    try {
      while (!closed && worker.queue.length > 0) {
        // Read the pusher each time: it may have been replaced or deleted (with its device) meanwhile.
        const pusher = await deps.pushers.getPusher(worker.pusherId);
        if (!pusher) {
          workers.delete(worker.pusherId);
          return;
        }
        const notice = worker.queue[0] as Notice;
        const outcome = await post(pusher, notice);
        if (outcome === 'rejected') {
          deps.log.info({ pusherId: pusher.id, appId: pusher.appId }, 'push gateway rejected the pushkey; pusher removed');
          await deps.pushers.deletePusher(pusher.userId, pusher.appId, pusher.pushkey);
          workers.delete(worker.pusherId);
          return;
        }
        if (outcome === 'sent') {
          worker.queue.shift();
          worker.backoffMs = 0;
          continue;
        }
        const delay = worker.backoffMs === 0 ? options.initialBackoffMs : worker.backoffMs * 2;
        if (delay > options.maxBackoffMs) {
          // Synapse gives up on a notification once its backoff passes the maximum, and carries on.
          deps.log.warn({ pusherId: pusher.id }, 'dropping a push notification the gateway kept refusing');
          worker.queue.shift();
          worker.backoffMs = 0;
          continue;
        }
        worker.backoffMs = delay;
        await sleep(delay);
      }
    } finally {
      worker.running = false;
    }
  }

  function enqueue(pusherId: number, notice: Notice): void {
    if (closed) return;
    let worker = workers.get(pusherId);
    if (!worker) workers.set(pusherId, (worker = { pusherId, queue: [], running: false, backoffMs: 0 }));
    worker.queue.push(notice);
    if (worker.queue.length > options.maxQueue) worker.queue.shift();
    if (!worker.running) {
      drain(worker).catch((error: unknown) => deps.log.error({ err: error, pusherId }, 'push delivery failed'));
    }
  }

  /** The event fields of a notification: names from the room's state after the event. */
  async function describe(committed: CommittedEvent): Promise<NonNullable<Notice['event']>> {
    const { event } = committed;
    const state = await deps.rooms.getStateGroup(committed.stateAfter);
    const keys = {
      member: stateKey(EventType.Member, event.pdu.sender),
      name: stateKey(EventType.Name, ''),
      alias: stateKey(EventType.CanonicalAlias, ''),
    };
    const ids = Object.values(keys).flatMap((key) => state.get(key) ?? []);
    const found = await deps.rooms.getEvents(ids);
    const content = (key: (typeof keys)[keyof typeof keys]) => {
      const id = state.get(key);
      return id ? (found.get(id)?.pdu.content ?? {}) : {};
    };
    const senderName = content(keys.member).displayname;
    const roomName = content(keys.name).name;
    const roomAlias = content(keys.alias).alias;
    return {
      event_id: event.eventId,
      room_id: event.roomId,
      type: event.pdu.type,
      sender: event.pdu.sender,
      ...(typeof senderName === 'string' ? { sender_display_name: senderName } : {}),
      ...(typeof roomName === 'string' && roomName !== '' ? { room_name: roomName } : {}),
      ...(typeof roomAlias === 'string' ? { room_alias: roomAlias } : {}),
      content: event.pdu.content,
      prio: 'low',
    };
  }

  async function deliver(committed: CommittedEvent): Promise<void> {
    const notified = committed.pushActions.filter((row) => row.notify);
    if (notified.length === 0) return;
    const pushers = (await deps.pushers.pushersOfUsers(notified.map((row) => row.userId))).filter((p) => p.kind === 'http');
    if (pushers.length === 0 || closed) return;
    const base = await describe(committed);
    const byUser = new Map<UserId, PusherRecord[]>();
    for (const pusher of pushers) byUser.set(pusher.userId, [...(byUser.get(pusher.userId) ?? []), pusher]);
    for (const row of notified) {
      const own = byUser.get(row.userId);
      if (!own) continue;
      const tweaks = tweaksOf(row.actions);
      // Synapse's priority: high for encrypted events and for anything highlighted or with a sound.
      const high = committed.event.pdu.type === 'm.room.encrypted' || tweaks.highlight === true || tweaks.sound !== undefined;
      const event = {
        ...base,
        prio: high ? ('high' as const) : ('low' as const),
        ...(committed.event.pdu.type === EventType.Member ? { user_is_target: committed.event.pdu.state_key === row.userId } : {}),
      };
      if (closed) return;
      const unread = await deps.pushActions.badgeCount(row.userId);
      for (const pusher of own) enqueue(pusher.id, { event, tweaks, unread });
    }
  }

  return {
    /** A new event was committed with these push actions: notify the users' gateways (never throws, never waits). */
    eventCommitted(committed: CommittedEvent): void {
      if (closed || committed.pushActions.length === 0) return;
      deliver(committed).catch((error: unknown) => deps.log.error({ err: error, eventId: committed.event.eventId }, 'preparing push notifications failed'));
    },

    /** The user's unread counts changed without an event (a read receipt): send the new badge count. */
    countsChanged(userId: UserId): void {
      if (closed) return;
      (async () => {
        const pushers = (await deps.pushers.pushersOf(userId)).filter((p) => p.kind === 'http');
        if (pushers.length === 0) return;
        const unread = await deps.pushActions.badgeCount(userId);
        for (const pusher of pushers) enqueue(pusher.id, { event: null, tweaks: {}, unread });
      })().catch((error: unknown) => deps.log.error({ err: error }, 'preparing a badge update failed'));
    },

    /** Stops retries and in-flight requests (server shutdown). */
    close(): void {
      closed = true;
      aborter.abort();
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.wake();
      }
      sleepers.clear();
      workers.clear();
    },
  };
}

export type PushDelivery = ReturnType<typeof createPushDelivery>;
