/**
 * Entry point of the `hearth` bin: reads argv and the environment (the only module besides
 * config/load.ts that touches process.env), dispatches to a command, and turns failures into
 * a message and an exit code.
 */
import { ConfigError } from './config/load.js';
import { MatrixError } from './core/errors.js';
import { parseCommand, USAGE } from './cli/args.js';
import * as commands from './cli/commands.js';

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommand(argv);
  // An empty variable counts as unset: `HEARTH_DATA_DIR= hearth serve` must not make the working directory
  // the data directory.
  const variable = (name: string) => process.env[name] || undefined;
  const ctx: commands.CommandContext = {
    env: {
      HEARTH_DATA_DIR: variable('HEARTH_DATA_DIR'),
      HEARTH_SERVER_NAME: variable('HEARTH_SERVER_NAME'),
      HEARTH_BIND: variable('HEARTH_BIND'),
      HEARTH_ADMIN_BIND: variable('HEARTH_ADMIN_BIND'),
    },
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    stdin: process.stdin,
  };
  if (parsed.flags.help === true || parsed.command === 'help') {
    ctx.out(USAGE);
    return 0;
  }
  switch (parsed.command) {
    case 'init':
      commands.init(parsed, ctx);
      return 0;
    case 'serve':
      await commands.serve(parsed, ctx);
      return -1; // keeps running
    case 'register-user':
      await commands.registerUser(parsed, ctx);
      return 0;
    case 'hash-password':
      await commands.hashPassword(parsed, ctx);
      return 0;
    case 'create-registration-token':
      await commands.createRegistrationToken(parsed, ctx);
      return 0;
    default:
      throw new commands.UsageError(`unknown command "${parsed.command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else if (error instanceof commands.CliError) process.stderr.write(`error: ${error.message}\n`);
    else if (error instanceof MatrixError) process.stderr.write(`error: ${error.message} (${error.errcode})\n`);
    else if (error instanceof commands.UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    } else process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
