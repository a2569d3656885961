/** The `hearth` commands. Each takes its parsed arguments and an environment (main.ts passes process.env). */
import { createInterface } from 'node:readline';
import type { HearthEnv } from '../config/load.js';
import { resolveDataDir } from '../config/load.js';
import { parseDuration } from '../config/units.js';
import { MatrixError } from '../core/errors.js';
import { createHomeserver, type Homeserver } from '../server.js';
import { createPasswordHasher } from '../services/password-hasher.js';
import { checkNewLocalpart } from '../services/user-identifiers.js';
import type { ParsedCommand } from './args.js';
import { ensureDataDir } from './data-dir.js';
import { printBanner } from './banner.js';

export interface CommandContext {
  readonly env: HearthEnv;
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly stdin: NodeJS.ReadableStream;
}

function dataDirOf(cmd: ParsedCommand, ctx: CommandContext): string {
  const flag = cmd.flags['data-dir'] as string | undefined;
  if (flag === '') throw new UsageError('--data-dir needs a directory');
  return resolveDataDir(flag, ctx.env, ctx.cwd);
}

export function init(cmd: ParsedCommand, ctx: CommandContext): void {
  const { config, created } = ensureDataDir(dataDirOf(cmd, ctx), ctx.env);
  ctx.out(created.length > 0 ? `Created:\n${created.map((p) => `  ${p}`).join('\n')}` : 'Everything already exists; nothing changed.');
  ctx.out(`Config: ${config.configPath}`);
}

/** Runs until SIGTERM/SIGINT, then closes gracefully. */
export async function serve(cmd: ParsedCommand, ctx: CommandContext): Promise<Homeserver> {
  const { config } = ensureDataDir(dataDirOf(cmd, ctx), ctx.env);
  const hs = await createHomeserver(config);
  let publicUrl: string;
  let adminUrl: string;
  try {
    publicUrl = await listen(hs.publicApp, 'public', config.listeners.public, 'HEARTH_BIND');
    adminUrl = await listen(hs.adminApp, 'admin', config.listeners.admin, 'HEARTH_ADMIN_BIND');
  } catch (error) {
    await hs.close();
    throw error;
  }
  hs.log.info({ public: publicUrl, admin: adminUrl, serverName: config.serverName }, 'listening');
  const bootstrap = config.registration.mode === 'closed' ? null : await hs.services.registrationTokens.bootstrapAdminToken();
  printBanner(ctx.out, { config, publicUrl, adminUrl, bootstrapToken: bootstrap?.token ?? null });

  let closing = false;
  const stop = (signal: string) => {
    // A repeated signal (the `hearth` wrapper passes on the terminal's Ctrl+C, which the terminal also
    // sent us) must not kill the process half-way through closing the database.
    if (closing) return;
    closing = true;
    hs.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      hs.log.error({ signal }, 'graceful shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10_000).unref();
    hs.close().then(
      () => process.exit(0),
      (error: unknown) => {
        hs.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return hs;
}

/** Listens, turning the usual operator mistakes (port taken, no permission) into one clear line. */
async function listen(app: Homeserver['publicApp'], name: 'public' | 'admin', at: { host: string; port: number }, variable: string): Promise<string> {
  try {
    return await app.listen({ host: at.host, port: at.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reasons: Record<string, string> = {
      EADDRINUSE: 'the address is already in use (is another server running?)',
      EACCES: 'permission denied (ports below 1024 need privileges)',
      EADDRNOTAVAIL: 'this machine has no such address',
    };
    const reason = code === undefined ? undefined : reasons[code];
    if (reason === undefined) throw error;
    throw new CliError(`cannot listen on ${at.host}:${at.port} for the ${name} API: ${reason}. Change listeners.${name} in homeserver.yaml or set ${variable}=host:port.`);
  }
}

export async function registerUser(cmd: ParsedCommand, ctx: CommandContext): Promise<void> {
  const [username] = cmd.positionals;
  if (!username) throw new UsageError('register-user needs a localpart');
  // From stdin when not given: a password on the command line shows in `ps` and the shell history.
  const password = await passwordOf(cmd, ctx);
  const { config } = ensureDataDir(dataDirOf(cmd, ctx), ctx.env);
  const localpart = checkNewLocalpart(username, config.serverName);
  const hs = await createHomeserver(config);
  try {
    const hash = await createPasswordHasher(config.passwordHashing).hash(password);
    const result = await hs.storage.users.register({
      localpart,
      serverName: config.serverName,
      passwordHash: hash,
      isAdmin: cmd.flags.admin === true,
      isGuest: false,
      displayName: localpart,
      registrationToken: null,
      uiaSessionId: null,
      session: null,
      now: Date.now(),
    });
    if (!result.ok) throw new MatrixError('M_USER_IN_USE', `@${localpart}:${config.serverName} already exists`);
    ctx.out(`Registered ${result.userId}${cmd.flags.admin === true ? ' (admin)' : ''}`);
  } finally {
    await hs.close();
  }
}

export async function hashPassword(cmd: ParsedCommand, ctx: CommandContext): Promise<void> {
  const password = await passwordOf(cmd, ctx);
  const dataDir = dataDirOf(cmd, ctx);
  // Use the server's cost settings when it has a config; the defaults otherwise.
  let options = { memoryKib: 19456, iterations: 2, parallelism: 1, maxConcurrent: 1 };
  try {
    const { loadConfig } = await import('../config/load.js');
    options = loadConfig(dataDir, ctx.env).passwordHashing;
  } catch {
    // no config yet: defaults
  }
  ctx.out(await createPasswordHasher(options).hash(password));
}

export async function createRegistrationToken(cmd: ParsedCommand, ctx: CommandContext): Promise<void> {
  const { config } = ensureDataDir(dataDirOf(cmd, ctx), ctx.env);
  const usesFlag = cmd.flags.uses;
  const usesAllowed = typeof usesFlag === 'string' ? Number(usesFlag) : null;
  if (usesAllowed !== null && (!Number.isInteger(usesAllowed) || usesAllowed < 0)) throw new UsageError('--uses takes a whole number');
  const expiresFlag = cmd.flags.expires;
  const expiryTime = typeof expiresFlag === 'string' ? parseExpiry(expiresFlag, Date.now()) : null;
  const hs = await createHomeserver(config);
  try {
    const token = await hs.services.registrationTokens.create({
      token: typeof cmd.flags.token === 'string' ? cmd.flags.token : undefined,
      usesAllowed,
      expiryTime,
    });
    const limits = [
      token.usesAllowed === null ? 'unlimited uses' : `${token.usesAllowed} use(s)`,
      token.expiryTime === null ? 'no expiry' : `expires ${new Date(token.expiryTime).toISOString()}`,
    ];
    ctx.out(`Registration token created (${limits.join(', ')}):`);
    ctx.out(token.token);
  } finally {
    await hs.close();
  }
}

/** `7d`, `12h` (from now), an ISO date, or epoch milliseconds. */
export function parseExpiry(value: string, now: number): number {
  if (/^\d+(ms|s|m|h|d|w|y)$/.test(value)) return now + parseDuration(value);
  if (/^\d{12,}$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new UsageError(`--expires: "${value}" is neither a duration (7d, 12h) nor a date`);
  return parsed;
}

/** A wrong command line: reported with the usage, exit code 2. */
export class UsageError extends Error {}

/** A failure explained by its message alone (no stack trace): exit code 1. */
export class CliError extends Error {}

/** --password, else the first line of stdin (with a prompt when stdin is a terminal). */
async function passwordOf(cmd: ParsedCommand, ctx: CommandContext): Promise<string> {
  let password = cmd.flags.password;
  if (typeof password !== 'string') {
    if ((ctx.stdin as { isTTY?: boolean }).isTTY) process.stderr.write('Password: ');
    password = await readLine(ctx.stdin);
  }
  if (!password) throw new UsageError('no password given (use --password or write it to stdin)');
  return password;
}

async function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input: stream });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}
