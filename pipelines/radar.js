#!/usr/bin/env node
// The `radar` command. It runs the compiled build in dist/ (pipelines/build.js): a start loads
// commander and the command table only, and each command's modules when it runs. When any source is
// newer than the build (an edit, a checkout, a first run without `npm ci`) it rebuilds first
// (~1 s), so it never runs old code.
import { build, isFresh } from './build.js';

if (!isFresh()) {
  try {
    await build();
  } catch (error) {
    // esbuild's own message names the file, line and column of a syntax error.
    process.stderr.write(`radar: cannot compile the sources: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
const { main } = await import('../dist/main.js');
process.exitCode = await main(process.argv);
