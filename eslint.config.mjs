// Lint: typescript-eslint with the type-aware rules that matter for async queue code. Run by
// `npm run lint` and by CI. A rule broken on purpose says why on the line
// (`// eslint-disable-next-line <rule> -- <why>`).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // desktop/ is type-checked against Electron's own definitions by its own test (test/desktop/typecheck.test.ts).
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-artifacts/**', '**/*.mjs', '**/*.cjs', '**/*.js', 'desktop/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // Older comments name rules this config does not turn on (no-explicit-any, no-control-regex).
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // node:test's describe/it/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      // JSX event handlers (attributes) may be async: preact ignores a handler's return value.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
);
