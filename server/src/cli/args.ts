/** Command-line parsing for the `hearth` bin, on node:util's parseArgs. */
import { parseArgs } from 'node:util';

export interface ParsedCommand {
  readonly command: string;
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
}

const OPTIONS = {
  'data-dir': { type: 'string' },
  password: { type: 'string' },
  admin: { type: 'boolean' },
  uses: { type: 'string' },
  expires: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseCommand(argv: readonly string[]): ParsedCommand {
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  const [command = 'help', ...rest] = positionals;
  return { command, positionals: rest, flags: values };
}

export const USAGE = `Usage: hearth <command> [options]

Commands:
  init                              Create the data directory, config, signing key and database
  serve                             Run the homeserver (initialising the data directory if needed)
  register-user <localpart> [--password P] [--admin]
                                    Create an account (reads the password from stdin if not given)
  hash-password [--password P]      Print an argon2id hash (reads the password from stdin if not given)
  create-registration-token [--uses N] [--expires WHEN] [--token T]
                                    Create a registration token; WHEN is a duration (7d, 12h) or a date

Options:
  --data-dir DIR                    Data directory (default ./data, or HEARTH_DATA_DIR)

Environment: HEARTH_DATA_DIR, HEARTH_SERVER_NAME, HEARTH_BIND (host:port), HEARTH_ADMIN_BIND (host:port)
`;
