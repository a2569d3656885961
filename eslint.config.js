// ESLint flat config. Correctness rules only, no formatting. Layering (who may import what) is checked by
// dependency-cruiser (.dependency-cruiser.cjs); the rules here cover what it cannot see.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Globals of plain Node scripts (scripts/*.mjs, config files). TypeScript files get theirs from tsc. */
const nodeGlobals = Object.fromEntries(
  [
    'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'AbortController',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
    'queueMicrotask', 'structuredClone', 'fetch', 'globalThis',
  ].map((name) => [name, 'readonly']),
);

/** CONVENTIONS §3: named exports only (config files at the root are the exception). */
const noDefaultExport = [
  { selector: 'ExportDefaultDeclaration', message: 'Use named exports (CONVENTIONS §3).' },
  {
    selector: 'ExportNamedDeclaration > ExportSpecifier[exported.name="default"]',
    message: 'Use named exports (CONVENTIONS §3).',
  },
];

/** CONVENTIONS §1 rule 9: process.env is read only in server/src/main.ts and server/src/config/load.ts. */
const noProcessEnv = [
  {
    selector: 'MemberExpression[object.name="process"][property.name="env"]',
    message: 'Read process.env only in server/src/main.ts or server/src/config/load.ts, and pass values down (CONVENTIONS §1.9).',
  },
];

const typedFiles = ['{server,tests,bench,electron}/**/*.ts', 'renderer/src/**/*.{ts,tsx}'];

export default defineConfig(
  globalIgnores(['**/node_modules/', 'dist/', 'data/', 'coverage/', 'renderer/dist/', '**/*.d.ts']),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...nodeGlobals, module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  {
    files: ['**/*.{ts,tsx,mts,cts,js,mjs,cjs}'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // verbatimModuleSyntax keeps `import { type A } from 'x'` as a runtime import of 'x': write `import type`.
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // `interface FastifyContextConfig extends RouteAuth {}` is how module augmentation merges a type in.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },

  // Type-aware rules, limited to the few that catch real async bugs (a dropped promise in a server is a lost
  // error). The project service uses tsconfig.json, and renderer/tsconfig.json for renderer/.
  {
    files: typedFiles,
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test()/describe() return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },

  {
    files: ['{server,tests,bench,electron}/**/*.ts', 'renderer/src/**/*.{ts,tsx}'],
    rules: { 'no-restricted-syntax': ['error', ...noDefaultExport] },
  },
  {
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/main.ts', 'server/src/config/load.ts'],
    rules: { 'no-restricted-syntax': ['error', ...noDefaultExport, ...noProcessEnv] },
  },
);
