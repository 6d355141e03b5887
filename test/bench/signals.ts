// npm run bench:signals — what the custom indicators of config/radar.yaml add to the model on the sample
// company: `radar backtest --compare` of the built-ins alone (the same file with `indicators.custom: []`,
// written to a temporary file) against config/radar.yaml, on the database `radar demo` leaves in .radar/
// (run `npx radar demo --end 2026-11-27` first). Prints the backtest's own table, both AUCs included.
//   BENCH_FROM (default 2025-07-07), BENCH_TO (2026-11-23), BENCH_STEP (28d)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

const config = 'config/radar.yaml';
const document = parseDocument(readFileSync(config, 'utf8'));
document.setIn(['indicators', 'custom'], []);
const work = mkdtempSync(join(tmpdir(), 'radar-bench-signals-'));
try {
  const builtins = join(work, 'builtins.yaml');
  writeFileSync(builtins, document.toString());
  const args = ['-c', builtins, 'backtest', '--from', process.env.BENCH_FROM ?? '2025-07-07', '--to', process.env.BENCH_TO ?? '2026-11-23', '--step', process.env.BENCH_STEP ?? '28d', '--compare', config];
  console.log(`$ radar ${args.join(' ').replace(builtins, 'builtins.yaml')}   (builtins.yaml: ${config} with indicators.custom: [])`);
  execFileSync(process.execPath, ['pipelines/radar.js', ...args], { stdio: 'inherit' });
} finally {
  rmSync(work, { recursive: true, force: true });
}
