/** The resolved, validated configuration that the rest of the server reads (camelCase, units parsed). */
import type { ServerName } from '../core/ids.js';

export interface ListenerConfig {
  readonly host: string;
  readonly port: number;
}

export interface PublicListenerConfig extends ListenerConfig {
  /** Take the client address from X-Forwarded-For (Synapse's `x_forwarded`). */
  readonly xForwarded: boolean;
}

export interface RateLimitConfig {
  readonly perSecond: number;
  readonly burstCount: number;
}

export type RegistrationMode = 'token' | 'open' | 'closed';

export interface HomeserverConfig {
  readonly dataDir: string;
  readonly configPath: string;
  readonly serverName: ServerName;
  /** `public_baseurl`; null when unset, and then derived from the public listener's bound address. */
  readonly publicBaseUrl: string | null;
  readonly listeners: { readonly public: PublicListenerConfig; readonly admin: ListenerConfig };
  readonly database: { readonly path: string; readonly synchronous: 'NORMAL' | 'FULL' };
  readonly mediaStorePath: string;
  readonly signingKeyPath: string;
  readonly registration: {
    readonly mode: RegistrationMode;
    readonly allowGuests: boolean;
    readonly sessionTimeoutMs: number;
  };
  readonly session: {
    readonly refreshableAccessTokenLifetimeMs: number;
    readonly refreshTokenLifetimeMs: number | null;
  };
  readonly adminApi: { readonly token: string };
  readonly rateLimits: {
    readonly loginAddress: RateLimitConfig;
    readonly loginAccount: RateLimitConfig;
    readonly loginFailedAttempts: RateLimitConfig;
    readonly registration: RateLimitConfig;
    readonly registrationTokenValidity: RateLimitConfig;
    readonly message: RateLimitConfig;
  };
  readonly passwordHashing: {
    readonly memoryKib: number;
    readonly iterations: number;
    readonly parallelism: number;
    readonly maxConcurrent: number;
  };
  readonly log: { readonly level: string };
  readonly maxUploadSize: number;
  readonly defaultRoomVersion: string;
}
