// Evaluation metrics for binary churn predictions. Undefined values are null, never NaN: AUCs need both
// classes, everything needs at least one row, precision needs a flagged row, recall needs a positive.

type Labels = ArrayLike<number>;
type Scores = ArrayLike<number>;

function checkInputs(labels: Labels, scores: Scores): { n: number; positives: number } {
  if (labels.length !== scores.length) throw new RangeError(`${labels.length} labels but ${scores.length} scores`);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} is ${labels[i]}, expected 0 or 1`);
    if (!Number.isFinite(scores[i])) throw new RangeError(`score ${i} is ${scores[i]}, expected a finite number`);
    positives += labels[i]!;
  }
  return { n: labels.length, positives };
}

/** Indices sorted by score, ascending. */
function orderByScore(scores: Scores): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
}

/** Area under the ROC curve as the Mann–Whitney U statistic; tied scores get their average rank (count ½). */
export function rocAuc(labels: Labels, scores: Scores): number | null {
  const { n, positives } = checkInputs(labels, scores);
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = orderByScore(scores);
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const averageRank = (start + end + 2) / 2; // ranks are 1-based: start+1 … end+1
    for (let k = start; k <= end; k++) if (labels[order[k]!] === 1) positiveRankSum += averageRank;
    start = end + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Average precision: Σ (Rₖ − Rₖ₋₁)·Pₖ over distinct thresholds, highest first (tied scores form one threshold). */
export function prAuc(labels: Labels, scores: Scores): number | null {
  const { n, positives } = checkInputs(labels, scores);
  if (positives === 0 || positives === n) return null;
  const order = orderByScore(scores).reverse();
  let truePositives = 0;
  let flagged = 0;
  let previousRecall = 0;
  let averagePrecision = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    for (let k = start; k <= end; k++) truePositives += labels[order[k]!]!;
    flagged += end - start + 1;
    const recall = truePositives / positives;
    averagePrecision += (recall - previousRecall) * (truePositives / flagged);
    previousRecall = recall;
    start = end + 1;
  }
  return averagePrecision;
}

/** Mean squared difference between predicted probability and outcome. */
export function brierScore(labels: Labels, probabilities: Scores): number | null {
  const { n } = checkInputs(labels, probabilities);
  if (n === 0) return null;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (probabilities[i]! - labels[i]!) ** 2;
  return sum / n;
}

/** Mean negative log-likelihood; probabilities are clipped to [1e-15, 1 − 1e-15] so a confident miss is finite. */
export function logLoss(labels: Labels, probabilities: Scores): number | null {
  const { n } = checkInputs(labels, probabilities);
  if (n === 0) return null;
  const epsilon = 1e-15;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(probabilities[i]!, epsilon), 1 - epsilon);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / n;
}

export interface CalibrationBin {
  bin: number;
  count: number;
  minPredicted: number;
  maxPredicted: number;
  meanPredicted: number;
  observedRate: number;
}

/** Rows sorted by predicted probability and cut into `bins` groups of (near) equal size: deciles by default. */
export function calibrationTable(labels: Labels, probabilities: Scores, bins = 10): CalibrationBin[] | null {
  const { n } = checkInputs(labels, probabilities);
  if (n === 0) return null;
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const order = orderByScore(probabilities);
  const table: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const start = Math.floor((b * n) / bins);
    const end = Math.floor(((b + 1) * n) / bins);
    if (end === start) continue;
    let predicted = 0;
    let observed = 0;
    for (let k = start; k < end; k++) {
      predicted += probabilities[order[k]!]!;
      observed += labels[order[k]!]!;
    }
    const count = end - start;
    table.push({ bin: b + 1, count, minPredicted: probabilities[order[start]!]!, maxPredicted: probabilities[order[end - 1]!]!, meanPredicted: predicted / count, observedRate: observed / count });
  }
  return table;
}

export interface CutoffPerformance {
  cutoff: number;
  /** Rows with score ≥ cutoff. */
  flagged: number;
  truePositives: number;
  precision: number | null;
  recall: number | null;
}

/** Precision and recall when every row scoring at or above each cutoff is flagged (e.g. the tier cut-offs). */
export function precisionRecallAt(labels: Labels, scores: Scores, cutoffs: readonly number[]): CutoffPerformance[] {
  const { n, positives } = checkInputs(labels, scores);
  return cutoffs.map((cutoff) => {
    let flagged = 0;
    let truePositives = 0;
    for (let i = 0; i < n; i++) {
      if (scores[i]! >= cutoff) {
        flagged++;
        truePositives += labels[i]!;
      }
    }
    return { cutoff, flagged, truePositives, precision: flagged > 0 ? truePositives / flagged : null, recall: positives > 0 ? truePositives / positives : null };
  });
}
