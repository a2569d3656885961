/**
 * The homeserver's configuration file (`homeserver.yaml`): one TypeBox schema holding the defaults and
 * the description of every key. The example file in resources/ and the file `init` writes are both
 * rendered from it (render.ts), so they can't drift.
 * Key names follow Synapse where it has one (`server_name`, `public_baseurl`, `rc_login`, ...).
 */
import { Type, type Static } from 'typebox';
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';

const Duration = (description: string, fallback: string) =>
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    description: `${description} A number of milliseconds or a string such as "30s", "5m", "12h", "7d".`,
    default: fallback,
  });

const listenerAddress = (port: number) => ({
  host: Type.String({ description: 'Address to listen on.', default: '127.0.0.1', minLength: 1 }),
  port: Type.Integer({ description: 'TCP port (0 picks a free one).', default: port, minimum: 0, maximum: 65535 }),
});

/** Synapse's rate-limit shape: a token bucket refilled at `per_second`, holding at most `burst_count`. */
const RateLimit = (description: string, perSecond: number, burst: number) =>
  Type.Object(
    {
      per_second: Type.Number({ description: 'Sustained rate allowed.', default: perSecond, exclusiveMinimum: 0 }),
      burst_count: Type.Number({ description: 'Requests allowed at once before limiting.', default: burst, minimum: 1 }),
    },
    { description, default: {}, additionalProperties: false },
  );

const Enum = <T extends string>(values: readonly T[], options: { description: string; default: T }) =>
  Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  );

export const ConfigSchema = Type.Object(
  {
    server_name: Type.String({
      description:
        'The domain in your users\' IDs (@alice:server_name). It can never change once users exist.',
      default: 'localhost',
      minLength: 1,
    }),
    public_baseurl: Type.Optional(
      Type.String({
        description:
          'The URL clients use to reach this server, announced in /.well-known/matrix/client. ' +
          'Defaults to http://<public listener host>:<port>/.',
        pattern: '^https?://',
      }),
    ),
    listeners: Type.Object(
      {
        public: Type.Object(
          {
            ...listenerAddress(8008),
            x_forwarded: Type.Boolean({
              description:
                'Behind a reverse proxy: take the client address from X-Forwarded-For (for rate limits and device last-seen).',
              default: false,
            }),
          },
          { description: 'The client (and later federation) API.', default: {}, additionalProperties: false },
        ),
        admin: Type.Object(listenerAddress(8009), {
          description: 'The admin API, metrics and logs. Must stay on a loopback address.',
          default: {},
          additionalProperties: false,
        }),
      },
      { description: 'Where the server listens.', default: {}, additionalProperties: false },
    ),
    database: Type.Object(
      {
        path: Type.String({ description: 'SQLite database file, relative to the data directory.', default: 'homeserver.db' }),
        synchronous: Enum(['NORMAL', 'FULL'] as const, {
          description:
            'SQLite durability. NORMAL (with WAL) never loses a committed write when the server process crashes, ' +
            'but the last transactions may roll back on power loss or an OS crash. FULL syncs every commit to disk ' +
            '(about 3x slower writes) and survives those too.',
          default: 'NORMAL',
        }),
      },
      { description: 'Storage.', default: {}, additionalProperties: false },
    ),
    media_store_path: Type.String({ description: 'Directory for uploaded media, relative to the data directory.', default: 'media' }),
    signing_key_path: Type.String({
      description: 'The server\'s ed25519 signing key, in Synapse\'s key-file format. Relative to the data directory.',
      default: 'signing.key',
    }),
    registration: Type.Object(
      {
        mode: Enum(['token', 'open', 'closed'] as const, {
          description:
            'token: new accounts need a registration token (invite-only). open: anyone may register. ' +
            'closed: no registration at all (admins can still create users).',
          default: 'token',
        }),
        allow_guests: Type.Boolean({ description: 'Allow guest accounts (kind=guest) with the spec\'s restricted access.', default: false }),
        session_timeout: Duration('How long a user-interactive auth session stays valid.', '30m'),
      },
      { description: 'Who may create accounts.', default: {}, additionalProperties: false },
    ),
    session: Type.Object(
      {
        refreshable_access_token_lifetime: Duration(
          'Lifetime of access tokens issued to clients that support refresh tokens.',
          '5m',
        ),
        refresh_token_lifetime: Type.Optional(
          Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: DURATION_PATTERN })], {
            description: 'Lifetime of an unused refresh token. Unset: refresh tokens do not expire.',
          }),
        ),
      },
      { description: 'Access and refresh tokens.', default: {}, additionalProperties: false },
    ),
    admin_api: Type.Object(
      {
        token: Type.String({
          description: 'Bearer token for the admin API. `init` writes a fresh random one; keep this file private.',
          default: '',
        }),
      },
      { description: 'The admin API on the loopback listener.', default: {}, additionalProperties: false },
    ),
    rate_limits: Type.Object(
      {
        rc_login_address: RateLimit('Login attempts per client IP address.', 0.17, 5),
        rc_login_account: RateLimit('Login attempts per account.', 0.17, 5),
        rc_login_failed_attempts: RateLimit('Failed login attempts per account.', 0.17, 5),
        rc_registration: RateLimit('Registration requests per client IP address.', 0.17, 3),
        rc_registration_token_validity: RateLimit('Registration token validity checks per client IP address.', 0.1, 5),
        rc_message: RateLimit('Messages sent per user.', 0.2, 10),
      },
      { description: 'Rate limits, in Synapse\'s shape.', default: {}, additionalProperties: false },
    ),
    password_hashing: Type.Object(
      {
        memory_kib: Type.Integer({ description: 'argon2id memory cost in KiB.', default: 19456, minimum: 1024 }),
        iterations: Type.Integer({ description: 'argon2id time cost.', default: 2, minimum: 1 }),
        parallelism: Type.Integer({ description: 'argon2id lanes.', default: 1, minimum: 1 }),
        max_concurrent: Type.Integer({ description: 'Password hashes computed at once; more wait.', default: 4, minimum: 1 }),
      },
      { description: 'Password hashing (argon2id).', default: {}, additionalProperties: false },
    ),
    log: Type.Object(
      {
        level: Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
          description: 'error: an operator must act; warn: degraded; info: lifecycle; debug: per request.',
          default: 'info',
        }),
      },
      { description: 'Logging.', default: {}, additionalProperties: false },
    ),
    max_upload_size: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: SIZE_PATTERN })], {
      description: 'Largest media upload, in bytes or as "50M".',
      default: '50M',
    }),
    default_room_version: Type.String({ description: 'Room version of new rooms.', default: '12', minLength: 1 }),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigSchema>;
