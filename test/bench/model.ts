// Benchmark of the model engines: npx tsx test/bench/model.ts [--library-steps N]
// 100,000 seeded synthetic rows × 12 features; each engine trains on them and scores them. The "exact"
// reference is the IRLS engine at a tight tolerance (itself checked against an independent ml-matrix
// Newton solver in models/engines.test.ts). Prints what it measured, including machine load.
import { loadavg } from 'node:os';
import { rocAuc } from '../../models/metrics.ts';
import { syntheticLogisticData } from '../../models/synthetic-data.ts';
import { predictProbabilities, trainLogistic, type FittedModel, type TrainOptions } from '../../models/train.ts';

const ROWS = 100_000;
const FEATURES = 12;
const SKLEARN_REFERENCE_SECONDS = 0.025; // scikit-learn lbfgs, 100k × 8 standardised rows
const stepsFlag = process.argv.indexOf('--library-steps');
const librarySteps = stepsFlag > 0 ? Number(process.argv[stepsFlag + 1]) : 100;

const data = syntheticLogisticData(ROWS, FEATURES, 20251121);
const positives = data.labels.reduce((s, v) => s + v, 0);
const base: TrainOptions = { engine: 'irls', l2: 1, classWeighting: 'balanced', maxIterations: 200, learningRate: 1, tolerance: 1e-7 };

/** Wall-clock and CPU seconds: on a shared, loaded machine the CPU time is the fairer cost of the work. */
function timed<T>(run: () => T): { value: T; seconds: number; cpuSeconds: number } {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const value = run();
  const cpu = process.cpuUsage(cpuStart);
  return { value, seconds: (performance.now() - start) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const vector = (m: FittedModel) => [m.intercept, ...m.coefficients];
const maxGap = (a: FittedModel, b: FittedModel) => Math.max(...vector(a).map((v, j) => Math.abs(v - vector(b)[j]!)));
const auc = (m: FittedModel) => rocAuc(data.labels, predictProbabilities(m, data.features))!;

console.log(`data: ${ROWS} rows × ${FEATURES} features, ${positives} positives (${((100 * positives) / ROWS).toFixed(1)}%), seed 20251121`);
console.log(`options: l2 ${base.l2}, classWeighting ${base.classWeighting}, tolerance ${base.tolerance}; node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

const exact = trainLogistic(data.features, data.labels, { ...base, tolerance: 1e-12, stepTolerance: 1e-10 });
const exactAuc = auc(exact);
console.log(`exact reference (IRLS, tolerance 1e-12): ${exact.iterations} iterations, loss ${exact.loss.toFixed(10)}, AUC ${exactAuc.toFixed(6)}`);

// IRLS: the first run includes JIT warm-up; then ten more.
const irlsRuns = Array.from({ length: 11 }, () => timed(() => trainLogistic(data.features, data.labels, base)));
const irls = irlsRuns[0]!.value;
const warmSeconds = irlsRuns.slice(1).map((r) => r.seconds);
const irlsMedian = median(warmSeconds);
const irlsCpuMedian = median(irlsRuns.slice(1).map((r) => r.cpuSeconds));
console.log(
  `irls:    train cold ${irlsRuns[0]!.seconds.toFixed(3)} s, warm median ${irlsMedian.toFixed(3)} s (min ${Math.min(...warmSeconds).toFixed(3)}, max ${Math.max(...warmSeconds).toFixed(3)}); ` +
    `${Math.round(ROWS / irlsMedian).toLocaleString('en')} rows/s; ${(irlsMedian / SKLEARN_REFERENCE_SECONDS).toFixed(1)}× the 0.025 s sklearn reference; ` +
    `${irls.iterations} iterations, converged ${irls.converged}`,
);
console.log(`         CPU time warm median ${irlsCpuMedian.toFixed(3)} s (${(irlsCpuMedian / SKLEARN_REFERENCE_SECONDS).toFixed(1)}× the reference)`);
console.log(`         max |Δβ| vs exact ${maxGap(irls, exact).toExponential(2)}, AUC ${auc(irls).toFixed(6)} (Δ ${Math.abs(auc(irls) - exactAuc).toExponential(2)})`);

const scoring = Array.from({ length: 5 }, () => timed(() => predictProbabilities(irls, data.features)));
const scoreSeconds = median(scoring.map((r) => r.seconds));
console.log(`scoring: ${ROWS} rows in ${scoreSeconds.toFixed(4)} s (median of 5), ${Math.round(ROWS / scoreSeconds).toLocaleString('en')} rows/s`);

const library = timed(() => trainLogistic(data.features, data.labels, { ...base, engine: 'library', maxIterations: librarySteps }));
const lib = library.value;
console.log(
  `library: train ${library.seconds.toFixed(2)} s for ${librarySteps} gradient steps (learningRate ${base.learningRate}); ${Math.round(ROWS / library.seconds).toLocaleString('en')} rows/s; ` +
    `${(library.seconds / SKLEARN_REFERENCE_SECONDS).toFixed(0)}× the sklearn reference; CPU ${library.cpuSeconds.toFixed(2)} s; converged ${lib.converged}`,
);
console.log(`         max |Δβ| vs exact ${maxGap(lib, exact).toExponential(2)}, loss ${lib.loss.toFixed(10)} (exact ${exact.loss.toFixed(10)}), AUC ${auc(lib).toFixed(6)} (Δ ${Math.abs(auc(lib) - exactAuc).toExponential(2)})`);
for (const warning of lib.warnings) console.log(`         warning: ${warning}`);
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
