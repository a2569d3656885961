#!/usr/bin/env node
// Runs the node:test suites: node --import tsx --test --test-reporter=spec --test-concurrency=2 <files...>
// Node 20's --test takes no globs, so the files are listed here.
//
//   node scripts/run-tests.mjs                          every *.test.ts under server/src, tests/ and electron/
//   node scripts/run-tests.mjs tests/integration        only the test files under that folder
//   node scripts/run-tests.mjs a.test.ts b.test.ts      only those files
//   node scripts/run-tests.mjs --test-name-pattern=x    arguments starting with "-" go to node unchanged
//
// With npm: `npm test -- tests/integration/login.test.ts`. Paths are taken relative to the directory npm was
// started from, then to the repository root. Finding no test file is a failure. The runner's own summary
// (ℹ tests / ℹ pass / ℹ fail ...) is the last output; this script prints nothing after it.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where node:test suites live. renderer/ tests would need a DOM runner and are not collected. */
const TEST_ROOTS = ['server/src', 'tests', 'electron'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'data']);
const TEST_FILE = /\.test\.ts$/;

const nodeFlags = [];
const filters = [];
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('-')) nodeFlags.push(arg);
  else filters.push(arg);
}

const files = filters.length === 0 ? collectDefault() : collectFiltered(filters);
if (files.length === 0) {
  console.error(`run-tests: no test files found${filters.length ? ` under ${filters.join(', ')}` : ''}; no tests is a failure`);
  process.exit(1);
}
console.error(`run-tests: ${files.length} test file${files.length === 1 ? '' : 's'}`);

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=2',
    // matrix-js-sdk arms a ~110 s timer per long-poll request and never clears it (its timeoutSignal
    // ponyfill): without this, a file using its sync loop would idle that long after its last test.
    '--test-force-exit',
    ...nodeFlags,
    ...files,
  ],
  { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (err) => {
  console.error(`run-tests: could not start node: ${err.message}`);
  process.exit(1);
});

const output = createSummaryLastFilter((text) => process.stdout.write(text));
child.stdout.setEncoding('utf8');
child.stdout.on('data', output.push);
const exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
const drained = new Promise((done) => child.stdout.on('end', done));
const [{ code, signal }] = await Promise.all([exited, drained]);
output.end();
process.exitCode = code ?? (signal ? 128 + signalNumber(signal) : 1);

/**
 * Passes the spec reporter's output through unchanged, except that Node 20 prints a "failing tests:" recap
 * after the summary: that recap is moved before the summary so the summary stays last.
 */
function createSummaryLastFilter(write) {
  // eslint-disable-next-line no-control-regex -- matching the reporter's colour codes is the point
  const ANSI = /\u001b\[[0-9;]*m/g;
  const SUMMARY_START = /^ℹ tests \d+$/;
  const SUMMARY_LINE = /^ℹ (suites|pass|fail|cancelled|skipped|todo|duration_ms) /;
  const RECAP_START = /^✖ failing tests:$/;
  let mode = 'pass'; // 'pass' | 'summary' | 'recap'
  let partial = '';
  let summary = '';
  let recap = '';

  function line(text) {
    const plain = text.replace(ANSI, '').trimEnd();
    if (mode === 'pass') {
      if (SUMMARY_START.test(plain)) {
        mode = 'summary';
        summary = text;
      } else {
        write(text);
      }
    } else if (mode === 'summary') {
      if (SUMMARY_LINE.test(plain) || plain === '') {
        summary += text;
      } else if (RECAP_START.test(plain)) {
        mode = 'recap';
        recap = text;
      } else {
        // Not the final summary after all: give it back in order.
        write(summary);
        summary = '';
        mode = 'pass';
        line(text);
      }
    } else {
      recap += text;
    }
  }

  return {
    push(chunk) {
      const lines = (partial + chunk).split(/(?<=\n)/);
      partial = lines.at(-1).endsWith('\n') ? '' : lines.pop();
      for (const text of lines) line(text);
    },
    end() {
      if (partial) line(partial);
      if (recap) write(recap.endsWith('\n') ? `${recap}\n` : `${recap}\n\n`);
      write(summary.replace(/\n+$/, '\n'));
    },
  };
}

function collectDefault() {
  return sortedUnique(TEST_ROOTS.flatMap((dir) => walk(join(root, dir))));
}

function collectFiltered(paths) {
  const base = process.env.INIT_CWD ?? process.cwd();
  const found = [];
  for (const given of paths) {
    const candidates = isAbsolute(given) ? [given] : [resolve(base, given), resolve(root, given)];
    const path = candidates.find((p) => existsSync(p));
    if (path === undefined) {
      console.error(`run-tests: no such file or directory: ${given}`);
      process.exit(1);
    }
    if (statSync(path).isDirectory()) found.push(...walk(path));
    else found.push(toRepoPath(path));
  }
  return sortedUnique(found);
}

/** Test files under dir, as repository-relative paths with forward slashes. */
function walk(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile() && TEST_FILE.test(entry.name)) out.push(toRepoPath(full));
  }
  return out;
}

function toRepoPath(path) {
  const rel = relative(root, path);
  // Files outside the repository (a scratch test in /tmp) keep their absolute path.
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}

function sortedUnique(paths) {
  return [...new Set(paths)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function signalNumber(signal) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 0;
}
