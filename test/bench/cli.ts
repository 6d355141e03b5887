// Benchmark of `radar` start-up: npm run bench:cli [-- --runs N]
// Wall time of `radar --help`, `radar --version` and `radar config check` beside `node -e 0` (the
// physical floor: starting Node itself), measured in the same run, in interleaved rounds so machine
// load falls on all of them alike. Prints best and median, and each as a multiple of `node -e 0`
// (target: ≤ 3×). Children get no DATABASE_URL or LOG_LEVEL, as a user's first `radar` would.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { radarEnvironment, REPO_ROOT } from '../support/cli.ts';
import { printTable } from './support.ts';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 15;

const COMMANDS: ReadonlyArray<{ label: string; args: readonly string[] }> = [
  { label: 'node -e 0', args: ['-e', '0'] },
  { label: 'radar --help', args: ['pipelines/radar.js', '--help'] },
  { label: 'radar --version', args: ['pipelines/radar.js', '--version'] },
  { label: 'radar config check', args: ['pipelines/radar.js', 'config', 'check'] },
];

function wallMs(args: readonly string[]): number {
  const started = performance.now();
  execFileSync(process.execPath, args, { cwd: REPO_ROOT, env: radarEnvironment(), stdio: 'ignore' });
  return performance.now() - started;
}

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const median = (values: readonly number[]) => sorted(values)[Math.floor(values.length / 2)]!;
const best = (values: readonly number[]) => sorted(values)[0]!;

console.log(`node ${process.version}; ${RUNS} interleaved rounds; load average before ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
wallMs(['pipelines/radar.js', '--version']); // rebuilds dist/ if a source changed, outside the measurement
for (const { args } of COMMANDS) wallMs(args); // warm the file cache

const samples = new Map<string, number[]>(COMMANDS.map(({ label }) => [label, []]));
for (let round = 0; round < RUNS; round += 1) for (const { label, args } of COMMANDS) samples.get(label)!.push(wallMs(args));

const floor = samples.get('node -e 0')!;
printTable(
  COMMANDS.map(({ label }) => {
    const times = samples.get(label)!;
    return {
      command: label,
      'best ms': best(times).toFixed(0),
      'median ms': median(times).toFixed(0),
      '× node (best)': (best(times) / best(floor)).toFixed(2),
      '× node (median)': (median(times) / median(floor)).toFixed(2),
    };
  }),
);
console.log(`load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}; target: radar ≤ 3× node -e 0`);
