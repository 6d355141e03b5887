import { defineConfig } from 'vitest/config';

/**
 * Test files that start `radar` processes (workers, servers, one process per command). They run in a
 * group of their own after the others, one file at a time: two of them side by side, or beside the
 * PGlite-heavy files, would oversubscribe the 2 cores of this machine and of CI, and their processes
 * would start slower than their tests wait.
 */
const SPAWNING = ['test/cli.test.ts', 'test/cli-*.test.ts', 'test/jobs-*.test.ts', 'test/serve-cli.test.ts'];

export default defineConfig({
  test: {
    // Builds dist/ when a source changed and measures `radar` start-up (test/support/startup.ts).
    globalSetup: ['test/support/startup.ts'],
    // The slowest test takes ~28 s and a sample-company ingest in a beforeAll 20-40 s per backend on an
    // idle 2-core machine; at load 12 both took 3x as long. The budgets are multiples of that, so a
    // machine with both cores busy slows the suite but fails nothing; a hung test still fails.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // Two cores here and on CI: PGlite instances are heavy, so keep file parallelism modest.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.radar/test-report.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'in-process',
          include: ['test/**/*.test.ts', 'pipelines/**/*.test.ts', 'indicators/**/*.test.ts', 'models/**/*.test.ts', 'alerts/**/*.test.ts', 'sql/**/*.test.ts', 'config/**/*.test.ts'],
          exclude: SPAWNING,
        },
      },
      { extends: true, test: { name: 'processes', include: SPAWNING, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
