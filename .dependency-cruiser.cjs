// Who may import what: CONVENTIONS §2, checked by `npm run lint` (depcruise server electron renderer).
//
// Run `npx depcruise server electron renderer --config .dependency-cruiser.cjs --output-type err-long` to see
// each violated rule's comment. Paths are relative to the repository root. Node built-ins resolve to their bare
// name (`node:fs` → `fs`), npm packages to `node_modules/...`.
//
// Test files (*.test.ts) are exempt from the layer rules: a service test runs against in-memory SQLite and a pure
// test may read spec vectors from disk (CONVENTIONS §8). The layering is about what ships.
//
// "Type-only" means `import type ...` / `export type ... from`, or `import('x').T` in a type position. ESLint's
// no-import-type-side-effects makes sure `import { type A }` (which verbatimModuleSyntax keeps as a runtime
// import) is written `import type { A }`.

/** Dependency types that do not exist at run time. */
const TYPE_ONLY = ['type-only', 'type-import'];

const NOT_TESTS = '\\.test\\.ts$';

const SRC = '^server/src/';
const CORE = '^server/src/core/';
const ROOMS = '^server/src/rooms/';
const STORAGE = '^server/src/storage/';
const STORAGE_TYPES = '^server/src/storage/types(\\.ts$|/)';
const STORAGE_SQLITE = '^server/src/storage/sqlite/';
const SERVICES = '^server/src/services/';
const HTTP = '^server/src/http/';
const API = '^server/src/api/';
const CONFIG = '^server/src/config/';
const ENTRY = '^server/src/(server|main)\\.ts$';
/** Every layer of the server; the entry side (main.ts, server.ts, cli/) sits above them. */
const LAYERS = '^server/src/(core|rooms|storage|services|http|api|config)/';

/** Node built-ins that do I/O or read the clock or process state: never in pure code. */
const IO_BUILTINS =
  '^(node:)?(fs|net|http|https|http2|dgram|dns|tls|child_process|cluster|worker_threads|readline|repl|inspector|' +
  'os|process|timers|perf_hooks|async_hooks|sqlite|vm|v8|module)(/|$)';
const CRYPTO_BUILTIN = '^(node:)?crypto$';
const npm = (names) => `(^|/)node_modules/(@types/)?(${names.join('|')})/`;
const FRAMEWORK_AND_IO_PACKAGES = npm(['fastify', '@fastify/[^/]+', 'pino', 'better-sqlite3', 'ws', 'undici', 'ssh2', 'electron']);

module.exports = {
  forbidden: [
    // ---------------------------------------------------------------- server/src/core: imports nothing internal
    {
      name: 'core-imports-nothing-internal',
      comment: 'server/src/core may not import other project code (CONVENTIONS §2).',
      severity: 'error',
      from: { path: CORE, pathNot: NOT_TESTS },
      to: { dependencyTypes: ['local'], pathNot: CORE },
    },
    {
      name: 'core-is-pure',
      comment: 'server/src/core is pure: no I/O, clock, crypto or framework imports (CONVENTIONS §1.3).',
      severity: 'error',
      from: { path: CORE, pathNot: NOT_TESTS },
      to: { path: [IO_BUILTINS, CRYPTO_BUILTIN, FRAMEWORK_AND_IO_PACKAGES] },
    },

    // ---------------------------------------------------------------- server/src/rooms: core only, pure
    {
      name: 'rooms-imports-only-core',
      comment: 'server/src/rooms may import only server/src/core (CONVENTIONS §2).',
      severity: 'error',
      from: { path: ROOMS, pathNot: NOT_TESTS },
      to: { dependencyTypes: ['local'], pathNot: [CORE, ROOMS] },
    },
    {
      name: 'rooms-is-pure',
      comment: 'server/src/rooms is pure protocol code: no fastify, pino, better-sqlite3, or node:fs/net/http and other I/O (CONVENTIONS §1.3, §2).',
      severity: 'error',
      from: { path: ROOMS, pathNot: NOT_TESTS },
      to: { path: [IO_BUILTINS, FRAMEWORK_AND_IO_PACKAGES] },
    },
    {
      name: 'rooms-crypto-only-in-signing-and-hashes',
      comment: 'node:crypto is allowed only in rooms/signing.ts and rooms/hashes.ts (CONVENTIONS §1.3).',
      severity: 'error',
      from: { path: ROOMS, pathNot: [NOT_TESTS, '^server/src/rooms/(signing|hashes)\\.ts$', '^server/src/rooms/testing/'] },
      to: { path: CRYPTO_BUILTIN },
    },

    // ---------------------------------------------------------------- server/src/storage
    {
      name: 'storage-types-imports-only-core-and-rooms-types',
      comment: 'server/src/storage/types.ts may import server/src/core, and types from server/src/rooms (CONVENTIONS §2).',
      severity: 'error',
      from: { path: STORAGE_TYPES, pathNot: NOT_TESTS },
      to: { dependencyTypes: ['local'], pathNot: [CORE, ROOMS, STORAGE_TYPES] },
    },
    {
      name: 'storage-sqlite-imports-only-storage-types-rooms-types-core',
      comment: 'server/src/storage/sqlite may import storage/types, types from rooms, core and better-sqlite3; never services, http or api (CONVENTIONS §2).',
      severity: 'error',
      from: { path: STORAGE_SQLITE, pathNot: NOT_TESTS },
      to: { dependencyTypes: ['local'], pathNot: [CORE, ROOMS, STORAGE_TYPES, STORAGE_SQLITE] },
    },
    {
      name: 'storage-uses-rooms-types-only',
      comment:
        'server/src/storage may import only types from server/src/rooms (CONVENTIONS §2), and the PDU accessors of ' +
        'rooms/pdu.ts: the state-key encoding and prev_events reading must be the same code the protocol core uses. ' +
        'The contract suites (storage/contract/) are test code and build their events with rooms/testing/.',
      severity: 'error',
      from: { path: STORAGE, pathNot: [NOT_TESTS, '^server/src/storage/contract/'] },
      to: { path: ROOMS, pathNot: '^server/src/rooms/pdu\\.ts$', dependencyTypesNot: TYPE_ONLY },
    },
    {
      name: 'storage-does-not-import-upwards',
      comment: 'Nothing under server/src/storage imports services, http, api, config or the entry points (CONVENTIONS §1.2).',
      severity: 'error',
      from: { path: STORAGE, pathNot: NOT_TESTS },
      to: { path: [SERVICES, HTTP, API, CONFIG, ENTRY] },
    },

    // ---------------------------------------------------------------- server/src/services
    {
      name: 'services-imports-only-core-rooms-storage-types-config',
      comment: 'server/src/services may import core, rooms, storage/types and config types; never http, api or storage/sqlite (CONVENTIONS §2).',
      severity: 'error',
      from: { path: SERVICES, pathNot: NOT_TESTS },
      to: { dependencyTypes: ['local'], pathNot: [CORE, ROOMS, STORAGE_TYPES, CONFIG, SERVICES] },
    },
    {
      name: 'services-use-config-types-only',
      comment: 'server/src/services may import only types from server/src/config; values are passed in (CONVENTIONS §2).',
      severity: 'error',
      from: { path: SERVICES, pathNot: NOT_TESTS },
      to: { path: CONFIG, dependencyTypesNot: TYPE_ONLY },
    },
    {
      name: 'services-no-framework-or-database',
      comment: 'server/src/services must not import fastify or better-sqlite3 (CONVENTIONS §2).',
      severity: 'error',
      from: { path: SERVICES, pathNot: NOT_TESTS },
      to: { path: npm(['fastify', '@fastify/[^/]+', 'better-sqlite3']) },
    },
    {
      name: 'services-use-pino-types-only',
      comment: 'server/src/services may only `import type { Logger } from "pino"`; the logger is injected (CONVENTIONS §2).',
      severity: 'error',
      from: { path: SERVICES, pathNot: NOT_TESTS },
      to: { path: npm(['pino']), dependencyTypesNot: TYPE_ONLY },
    },

    // ---------------------------------------------------------------- server/src/http
    {
      name: 'http-imports-only-core-and-services-types',
      comment: 'server/src/http may import core, types from services, and fastify; never storage (CONVENTIONS §2).',
      severity: 'error',
      from: { path: HTTP, pathNot: NOT_TESTS },
      to: { dependencyTypes: ['local'], pathNot: [CORE, SERVICES, HTTP] },
    },
    {
      name: 'http-uses-services-types-only',
      comment: 'server/src/http may import only types from server/src/services; services are passed in (CONVENTIONS §2).',
      severity: 'error',
      from: { path: HTTP, pathNot: NOT_TESTS },
      to: { path: SERVICES, dependencyTypesNot: TYPE_ONLY },
    },

    // ---------------------------------------------------------------- server/src/api
    {
      name: 'api-imports-only-core-http-services-types',
      comment: 'server/src/api may import core, http and types from services; never storage (CONVENTIONS §1.4, §2).',
      severity: 'error',
      from: { path: API, pathNot: NOT_TESTS },
      to: { dependencyTypes: ['local'], pathNot: [CORE, HTTP, SERVICES, API] },
    },
    {
      name: 'api-uses-services-types-only',
      comment: 'server/src/api may import only types from server/src/services; services are passed in (CONVENTIONS §2).',
      severity: 'error',
      from: { path: API, pathNot: NOT_TESTS },
      to: { path: SERVICES, dependencyTypesNot: TYPE_ONLY },
    },
    {
      name: 'api-folders-are-independent',
      comment: 'A server/src/api/<surface>/ folder must not import another api folder (shared code goes in http, or in a file directly under api/) (CONVENTIONS §2).',
      severity: 'error',
      from: { path: '^server/src/api/([^/]+)/', pathNot: NOT_TESTS },
      to: { path: '^server/src/api/[^/]+/', pathNot: '^server/src/api/$1/' },
    },

    // ---------------------------------------------------------------- server/src as a whole
    {
      name: 'config-imports-only-core',
      comment: 'server/src/config sits under every layer that reads its types: it may import only server/src/core.',
      severity: 'error',
      from: { path: CONFIG, pathNot: NOT_TESTS },
      to: { dependencyTypes: ['local'], pathNot: [CORE, CONFIG] },
    },
    {
      name: 'layers-do-not-import-entry-points',
      comment: 'The layers never import the composition root server.ts or main.ts; only the entry side (main.ts, cli/) does (CONVENTIONS §1.2).',
      severity: 'error',
      from: { path: LAYERS, pathNot: NOT_TESTS },
      to: { path: ENTRY },
    },
    {
      name: 'nothing-imports-main',
      comment: 'server/src/main.ts is the process entry point: nothing imports it.',
      severity: 'error',
      from: {},
      to: { path: '^server/src/main\\.ts$' },
    },
    {
      name: 'server-runs-without-electron',
      comment: 'server/ runs on its own: no imports from electron/, renderer/, tests/, bench/ or the electron package (CONVENTIONS §1.1).',
      severity: 'error',
      from: { path: '^server/', pathNot: NOT_TESTS },
      to: { path: ['^(electron|renderer|tests|bench)/', npm(['electron'])] },
    },
    {
      name: 'server-no-dev-dependencies',
      comment: 'Shipped server code may not depend on devDependencies at run time (type-only imports are fine).',
      severity: 'error',
      from: { path: '^server/', pathNot: NOT_TESTS },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: TYPE_ONLY },
    },
    {
      name: 'no-runtime-cycles-in-server',
      comment: 'No import cycles in server/src. Cycles made only of `import type` edges do not exist at run time and are allowed.',
      severity: 'error',
      from: { path: SRC },
      to: { circular: true, viaOnly: { dependencyTypesNot: TYPE_ONLY } },
    },

    // ---------------------------------------------------------------- electron/
    {
      name: 'electron-shared-imports-nothing',
      comment: 'electron/shared is imported by main, preload and renderer, so it imports nothing (CONVENTIONS §2).',
      severity: 'error',
      from: { path: '^electron/shared/' },
      to: { pathNot: '^electron/shared/' },
    },
    {
      name: 'electron-preload-no-node',
      comment: 'The sandboxed preload may import only electron/shared and electron: no node:* (CONVENTIONS §2, §7).',
      severity: 'error',
      from: { path: '^electron/preload/', pathNot: NOT_TESTS },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'electron-preload-imports-only-shared',
      comment: 'The preload may import only electron/shared: never server/, renderer/ or electron/main (CONVENTIONS §2).',
      severity: 'error',
      from: { path: '^electron/preload/', pathNot: NOT_TESTS },
      to: { dependencyTypes: ['local'], pathNot: ['^electron/shared/', '^electron/preload/'] },
    },
    {
      name: 'electron-main-not-renderer',
      comment: 'electron/main must not import renderer/ or electron/preload code (CONVENTIONS §2).',
      severity: 'error',
      from: { path: '^electron/main/' },
      to: { path: ['^renderer/', '^electron/preload/'] },
    },
    {
      name: 'electron-main-server-types-only',
      comment: 'electron/main may only `import type` from server/: the server runs as a supervised child process (CONVENTIONS §1.1, §2).',
      severity: 'error',
      from: { path: '^electron/main/', pathNot: NOT_TESTS },
      to: { path: '^server/', dependencyTypesNot: TYPE_ONLY },
    },

    // ---------------------------------------------------------------- renderer/
    {
      name: 'renderer-no-node',
      comment: 'The renderer is browser code: no node:* (CONVENTIONS §2).',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-no-electron',
      comment: 'The renderer reaches the desktop shell only through window.desktop, via renderer/src/desktop.ts (CONVENTIONS §2, §7).',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: npm(['electron']) },
    },
    {
      name: 'renderer-no-value-imports-from-outside',
      comment: 'The renderer may import values only from renderer/ and npm packages (CONVENTIONS §2).',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { dependencyTypes: ['local'], pathNot: '^renderer/', dependencyTypesNot: TYPE_ONLY },
    },
    {
      name: 'renderer-type-imports-only-from-contracts',
      comment: 'Outside renderer/, the renderer may `import type` only from electron/shared and server/src/api/admin/contract.ts (CONVENTIONS §2).',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { dependencyTypes: ['local'], pathNot: ['^renderer/', '^electron/shared/', '^server/src/api/admin/contract\\.ts$'] },
    },

    // ---------------------------------------------------------------- everywhere
    {
      name: 'not-to-unresolvable',
      comment: 'This import cannot be resolved: a missing file or a package not installed.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-undeclared-packages',
      comment: 'This npm package is not declared in package.json (it only works by accident, as a transitive dependency).',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^data/'] },
    moduleSystems: ['es6', 'cjs'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    skipAnalysisNotInRules: true,
  },
};
