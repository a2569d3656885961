/**
 * Matrix identifiers, branded so a RoomId can't be passed where a UserId is meant.
 * Spec: appendices "Identifier Grammar" (v1.19): server names, user identifiers.
 */

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type UserId = Brand<string, 'UserId'>;
export type DeviceId = Brand<string, 'DeviceId'>;
export type RoomId = Brand<string, 'RoomId'>;
export type EventId = Brand<string, 'EventId'>;
export type ServerName = Brand<string, 'ServerName'>;

/** "The length of a user ID, including the @ sigil and the domain, MUST NOT exceed 255 bytes." */
export const MAX_USER_ID_BYTES = 255;

const LOCALPART_RE = /^[a-z0-9._=\-/+]+$/;
// server_name = hostname [ ":" port ]; hostname = IPv4 / "[" IPv6 "]" / dns-name
const DNS_NAME_RE = /^[A-Za-z0-9.-]{1,255}$/;
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6_RE = /^\[[0-9A-Fa-f:.]{2,45}\]$/;

/** True if `localpart` uses only the characters the spec allows for new user IDs. */
export function isValidLocalpart(localpart: string): boolean {
  return LOCALPART_RE.test(localpart);
}

/** Validates a server name: hostname (DNS name, IPv4 or bracketed IPv6) with an optional port. */
export function isValidServerName(name: string): name is ServerName {
  let host = name;
  const portMatch = /^(.*):(\d{1,5})$/.exec(name);
  if (portMatch && !name.endsWith(']')) {
    host = portMatch[1] ?? '';
    const port = Number(portMatch[2]);
    if (port < 1 || port > 65535) return false;
  }
  if (host.startsWith('[')) return IPV6_RE.test(host);
  if (IPV4_RE.test(host)) return host.split('.').every((octet) => Number(octet) <= 255);
  return DNS_NAME_RE.test(host) && !host.startsWith('.') && !host.endsWith('.') && !host.includes('..');
}

export interface ParsedUserId {
  readonly localpart: string;
  readonly serverName: ServerName;
}

/**
 * Parses `@localpart:server`. Accepts historical localparts (any code points but ':' and NUL),
 * as the spec requires servers to; use isValidLocalpart() to check a new user ID.
 */
export function parseUserId(raw: string): ParsedUserId | null {
  if (!raw.startsWith('@') || new TextEncoder().encode(raw).length > MAX_USER_ID_BYTES) return null;
  const colon = raw.indexOf(':');
  if (colon < 1) return null;
  const localpart = raw.slice(1, colon);
  const serverName = raw.slice(colon + 1);
  // "any legal non-surrogate Unicode code points except for `:` and NUL": in a `u` regex a paired
  // surrogate is one code point, so this matches only lone ones.
  if (localpart.includes('\0') || /[\uD800-\uDFFF]/u.test(localpart) || !isValidServerName(serverName)) return null;
  return { localpart, serverName };
}

export function makeUserId(localpart: string, serverName: ServerName | string): UserId {
  return `@${localpart}:${serverName}` as UserId;
}

export function isUserId(raw: string): raw is UserId {
  return parseUserId(raw) !== null;
}
