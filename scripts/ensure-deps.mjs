#!/usr/bin/env node
// Makes sure dependencies are installed before `npm start` / `npm test`. Zero dependencies: it runs before
// node_modules exists.
//
//   node scripts/ensure-deps.mjs            npm packages only (prestart)
//   node scripts/ensure-deps.mjs --system   also the Debian packages in scripts/system-packages.txt (pretest)
//
// npm: runs `npm ci` when node_modules is missing or package-lock.json differs from the one last installed
// (its sha256 is kept in node_modules/.hearth-install-stamp). Before reinstalling, npm's own record of the tree,
// node_modules/.package-lock.json, is compared with the lockfile: when every package is already there at the
// locked version (installed by hand, or `npm install <pkg>` updated both), the stamp is refreshed instead.
//
// System: missing packages are installed with apt-get when running as root; otherwise the command to run is
// printed and the script carries on (the tests that need them will say so).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodeModules = join(root, 'node_modules');
const lockfile = join(root, 'package-lock.json');
const stampFile = join(nodeModules, '.hearth-install-stamp');
const systemList = join(root, 'scripts', 'system-packages.txt');

const args = new Set(process.argv.slice(2));
for (const arg of args) {
  if (arg !== '--system') fail(`unknown argument ${arg} (expected: --system)`);
}

ensureNpmPackages();
if (args.has('--system')) ensureSystemPackages();

function ensureNpmPackages() {
  const hasLock = existsSync(lockfile);
  if (!hasLock) {
    // Without a lockfile there is nothing to compare against: install only when node_modules is missing.
    if (existsSync(nodeModules)) return;
    run('npm', ['install']);
    return;
  }
  const lockText = readFileSync(lockfile);
  const hash = createHash('sha256').update(lockText).digest('hex');
  if (existsSync(nodeModules)) {
    const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null;
    if (stamp === hash) return;
    // The lockfile changed (or the tree was installed without this script), but the tree may already match it:
    // after `npm install <pkg>`, or a change that only moves a package between dependencies and devDependencies.
    if (treeMatchesLock(lockText)) {
      writeFileSync(stampFile, `${hash}\n`);
      return;
    }
    log(stamp === null ? 'node_modules has no install stamp and differs from package-lock.json' : 'package-lock.json changed since the last install');
  } else {
    log('node_modules is missing');
  }
  run('npm', ['ci']);
  mkdirSync(nodeModules, { recursive: true }); // a project without dependencies gets no node_modules
  writeFileSync(stampFile, `${hash}\n`);
}

/** True when npm's record of the installed tree lists exactly the packages and versions of the lockfile. */
function treeMatchesLock(lockText) {
  const hidden = join(nodeModules, '.package-lock.json');
  if (!existsSync(hidden)) return false;
  try {
    const wanted = JSON.parse(lockText.toString('utf8')).packages ?? {};
    const installed = JSON.parse(readFileSync(hidden, 'utf8')).packages ?? {};
    const wantedPaths = Object.keys(wanted).filter((p) => p.startsWith('node_modules/') && !wanted[p].extraneous);
    // Optional packages for other platforms are in the lockfile but never installed.
    const required = wantedPaths.filter((p) => !wanted[p].optional || installed[p]);
    if (required.some((p) => installed[p]?.version !== wanted[p].version)) return false;
    if (required.some((p) => !existsSync(join(root, p, 'package.json')))) return false;
    const wantedSet = new Set(wantedPaths);
    return Object.keys(installed).every((p) => !p.startsWith('node_modules/') || wantedSet.has(p));
  } catch {
    return false;
  }
}

function ensureSystemPackages() {
  const wanted = readSystemList();
  if (wanted.length === 0) return;
  const missing = missingDebianPackages(wanted);
  if (missing.length === 0) return;

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    const why = hasApt ? 'not running as root' : 'apt-get is not available';
    log(`missing system packages (${why}): ${missing.join(' ')}`);
    log(`install them with: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`);
    return;
  }
  log(`installing system packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], env);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], env);
  const still = missingDebianPackages(missing);
  if (still.length > 0) fail(`apt-get finished but these packages are still not installed: ${still.join(' ')}`);
}

function readSystemList() {
  if (!existsSync(systemList)) return [];
  return readFileSync(systemList, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
}

/** Packages dpkg does not report as "install ok installed" (one dpkg-query call for all of them). */
function missingDebianPackages(names) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${Status}\n', ...names], { encoding: 'utf8' });
  if (result.error) {
    // No dpkg at all (not Debian): everything counts as missing; the caller reports it.
    return names;
  }
  const installed = new Set();
  for (const line of result.stdout.split('\n')) {
    const [name, status] = line.split('\t');
    if (name && status === 'install ok installed') installed.add(name.replace(/:.*/, ''));
  }
  return names.filter((name) => !installed.has(name.replace(/:.*/, '')));
}

function run(command, commandArgs, env = process.env) {
  log(`$ ${command} ${commandArgs.join(' ')}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', env });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${commandArgs.join(' ')} exited with ${result.status ?? result.signal}`);
}

function log(message) {
  console.error(`[ensure-deps] ${message}`);
}

function fail(message) {
  log(message);
  process.exit(1);
}
