import type { DeviceId, UserId } from '../core/ids.js';

/** Who is making an authenticated request: resolved from the access token by the auth service. */
export interface Requester {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly isGuest: boolean;
  readonly isAdmin: boolean;
  readonly accessTokenId: number;
}
