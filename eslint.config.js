// Lint rules: typescript-eslint's type-aware recommended set, with formatting left to prettier.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bench/results/**',
      '.scratch/**',
      '.stack/**',
      'build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Inject a Clock (shared/clock.ts) instead of reading wall time.',
        },
      ],
    },
  },
  // The rooms and what each may import (see docs/architecture.md).
  {
    files: ['shared/**/*.ts', 'functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/**', '**/emulator/**', '**/bench/**', '**/test/**'],
              message: 'The functions and shared/ load only shared code: no CLI, emulator, bench or test.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['emulator/kube/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/stack/**', '**/cli/**', '**/bench/**', '**/test/**'],
              message:
                'The Kubernetes API emulator stands alone: it imports nothing from the stack, CLI, bench or test.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['emulator/stack/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../kube/**', '!../kube/index.js', '**/test/**', '**/bench/**'],
              message:
                'The stack uses the Kubernetes API emulator only through its public entry, emulator/kube/index.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bench/**/*.ts', 'cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/test/**', '**/emulator/kube/**', '!**/emulator/kube/index.js'],
              message:
                'bench and the CLI import nothing from test/, and the emulator only through its public entry.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'shared/clock.ts'],
    rules: { 'no-restricted-properties': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
  prettier,
);
