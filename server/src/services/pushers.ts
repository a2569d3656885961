/**
 * Pushers: where a user's notifications are sent. Only HTTP pushers (a push gateway) are supported; this
 * server sends no email, so "email" pushers are refused. A pusher belongs to the device (access token)
 * that set it and goes when the device does.
 * Spec: client-server-api "Push Notifications" (push.md), pusher.yaml GET /pushers, POST /pushers/set (v1.19).
 */
import { MatrixError, invalidParam, missingParam } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { PusherRecord, PushersStore } from '../storage/types.js';
import type { Requester } from './requester.js';

/** pusher.yaml: "Max length, 64 chars." */
export const MAX_APP_ID_LENGTH = 64;
/** pusher.yaml: "Max length, 512 bytes." */
export const MAX_PUSHKEY_BYTES = 512;
/** pusher.yaml data.url: "MUST be an HTTPS URL with a path of /_matrix/push/v1/notify". */
export const PUSH_GATEWAY_PATH = '/_matrix/push/v1/notify';

export interface PushersDeps {
  readonly pushers: PushersStore;
  readonly clock: Clock;
}

/** A pusher as GET /pushers shows it. */
export interface PusherView {
  pushkey: string;
  kind: string;
  app_id: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag?: string;
  lang: string;
  data: Record<string, unknown>;
}

export function pusherView(pusher: PusherRecord): PusherView {
  const view: PusherView = {
    pushkey: pusher.pushkey,
    kind: pusher.kind,
    app_id: pusher.appId,
    app_display_name: pusher.appDisplayName,
    device_display_name: pusher.deviceDisplayName,
    lang: pusher.lang,
    data: { ...pusher.data },
  };
  if (pusher.profileTag !== null) view.profile_tag = pusher.profileTag;
  return view;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (value === undefined || value === null) throw missingParam(`Missing parameter: ${key}`);
  if (typeof value !== 'string') throw invalidParam(`${key} must be a string`);
  return value;
}

/**
 * The push gateway URL of an http pusher: an http(s) URL whose path is the notify endpoint. (The spec asks
 * for HTTPS; plain HTTP is accepted as Synapse does, for gateways on a local network and for testing.)
 */
function checkGatewayUrl(data: Record<string, unknown>): void {
  const url = data.url;
  if (url === undefined) throw missingParam("'url' is required in data for http pushers");
  if (typeof url !== 'string') throw invalidParam("data.url must be a string");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidParam('data.url must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalidParam('data.url must be an http(s) URL');
  if (parsed.pathname !== PUSH_GATEWAY_PATH) throw invalidParam(`data.url must have the path ${PUSH_GATEWAY_PATH}`);
  if (parsed.username !== '' || parsed.password !== '') throw invalidParam('data.url must not contain credentials');
}

export function createPushersService(deps: PushersDeps) {
  return {
    /** GET /pushers */
    async list(requester: Requester): Promise<PusherView[]> {
      return (await deps.pushers.pushersOf(requester.userId)).map(pusherView);
    },

    /**
     * POST /pushers/set: creates, replaces (same app_id and pushkey) or, with `kind: null`, deletes a pusher.
     * @throws MatrixError M_MISSING_PARAM / M_INVALID_PARAM / M_BAD_JSON for a malformed pusher
     */
    async set(requester: Requester, body: Record<string, unknown>): Promise<void> {
      if (!('kind' in body)) throw missingParam('Missing parameter: kind');
      const appId = requireString(body, 'app_id');
      const pushkey = requireString(body, 'pushkey');
      if (appId.length > MAX_APP_ID_LENGTH) throw invalidParam(`app_id must be at most ${MAX_APP_ID_LENGTH} characters`);
      if (Buffer.byteLength(pushkey, 'utf8') > MAX_PUSHKEY_BYTES) throw invalidParam(`pushkey must be at most ${MAX_PUSHKEY_BYTES} bytes`);
      const { kind } = body;
      if (kind === null) {
        await deps.pushers.deletePusher(requester.userId, appId, pushkey);
        return;
      }
      if (typeof kind !== 'string') throw invalidParam('kind must be a string or null');
      if (kind === 'email') throw invalidParam('Email pushers are not supported: this server does not send email');
      if (kind !== 'http') throw invalidParam(`Unknown pusher kind ${JSON.stringify(kind)}: only "http" is supported`);
      const missing = ['app_display_name', 'device_display_name', 'lang', 'data'].filter((key) => body[key] === undefined || body[key] === null);
      if (missing.length > 0) throw missingParam(`Missing parameters: ${missing.join(', ')}`);
      const appDisplayName = requireString(body, 'app_display_name');
      const deviceDisplayName = requireString(body, 'device_display_name');
      const lang = requireString(body, 'lang');
      const profileTag = body.profile_tag;
      if (profileTag !== undefined && typeof profileTag !== 'string') throw invalidParam('profile_tag must be a string');
      const append = body.append;
      if (append !== undefined && typeof append !== 'boolean') throw invalidParam('append must be a boolean');
      const { data } = body;
      if (!isObject(data)) throw new MatrixError('M_BAD_JSON', 'data must be an object');
      checkGatewayUrl(data);
      // pusher.yaml data.format: the only format defined is event_id_only.
      if (data.format !== undefined && data.format !== 'event_id_only') throw invalidParam('data.format must be "event_id_only" when given');
      await deps.pushers.setPusher(
        {
          userId: requester.userId,
          deviceId: requester.deviceId,
          kind,
          appId,
          pushkey,
          appDisplayName,
          deviceDisplayName,
          profileTag: profileTag ?? null,
          lang,
          data,
          pushkeyTs: deps.clock.now(),
        },
        append === true,
      );
    },
  };
}

export type PushersService = ReturnType<typeof createPushersService>;
