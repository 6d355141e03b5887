// ml-logistic-regression ships no types. We import its two-class trainer directly (src/ is published and the
// package has no "exports" map): the public multi-class class trains one-vs-rest, i.e. two mirror-image
// classifiers for two classes, which doubles the cost for nothing.
declare module 'ml-logistic-regression/src/logreg_2classes.js' {
  export default class LogisticRegressionTwoClasses {
    constructor(options?: { numSteps?: number; learningRate?: number });
    numSteps: number;
    learningRate: number;
    /** 1 × columns after train(); always trained from zeros. */
    weights: import('ml-matrix').Matrix | null;
    /** Runs numSteps of w += learningRate · Xᵀ(y − σ(Xw)) from w = 0 (a summed, unweighted gradient). */
    train(features: import('ml-matrix').Matrix, target: import('ml-matrix').Matrix): void;
    testScores(features: import('ml-matrix').Matrix): number[];
  }
}
