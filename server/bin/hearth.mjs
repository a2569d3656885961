#!/usr/bin/env node
// The `hearth` command: runs the TypeScript entry point through tsx in a child process. Termination signals
// are passed on to the child (a supervisor's SIGTERM must stop the server, not orphan it), and the child's
// exit code, or its signal, becomes ours.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(here, '../src/main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  process.stderr.write(`hearth: cannot start node: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    // Die of the same signal so our parent sees what happened.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
