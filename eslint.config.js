// Lint: typescript-eslint's recommended rules, plus the project rules that matter for correctness.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.radar/**', 'coverage/**', 'bench-out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read the environment only in config/environment.ts.' }],
      'no-console': 'off',
    },
  },
  { files: ['pipelines/radar.js', 'pipelines/build.js'], languageOptions: { globals: { process: 'readonly' } } },
  { files: ['config/environment.ts', 'test/**', 'vitest.config.ts', '**/*.bench.ts', 'pipelines/radar.js'], rules: { 'no-restricted-properties': 'off' } },
);
