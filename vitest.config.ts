import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'pipelines/**/*.test.ts', 'indicators/**/*.test.ts', 'models/**/*.test.ts', 'alerts/**/*.test.ts', 'sql/**/*.test.ts', 'config/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores here and on CI: PGlite instances are heavy, so keep file parallelism modest.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.radar/test-report.json' },
  },
});
