// `radar train`, `radar model list|show|promote`, `radar score`, `radar backtest`.
import type { Command } from 'commander';
import type { BacktestConfig } from '../../../models/backtest.ts';
import type { EvaluationMetrics } from '../../../models/radar-model.ts';
import type { StoredModel } from '../../../models/registry.ts';
import { RadarError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { accountLabel } from '../format.ts';
import { parseStep } from './indicators.ts';

/** The CLI shell may default to today; nothing below it reads the clock. */
const today = () => new Date().toISOString().slice(0, 10);
const f3 = (value: number | null | undefined) => (value === null || value === undefined ? '—' : value.toFixed(3));
const pct = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`);

function metricsLines(model: EvaluationMetrics, scorecard: EvaluationMetrics): string[] {
  const lines = [
    `                     model   scorecard`,
    `  ROC AUC          ${f3(model.rocAuc).padStart(7)}   ${f3(scorecard.rocAuc).padStart(9)}`,
    `  PR AUC           ${f3(model.prAuc).padStart(7)}   ${f3(scorecard.prAuc).padStart(9)}`,
    `  Brier            ${f3(model.brier).padStart(7)}   ${f3(scorecard.brier).padStart(9)}`,
    `  log loss         ${f3(model.logLoss).padStart(7)}   ${f3(scorecard.logLoss).padStart(9)}`,
  ];
  model.tiers.forEach((tier, index) => {
    const other = scorecard.tiers[index]!;
    lines.push(
      `  ≥ ${tier.tier.padEnd(8)} (${tier.cutoff.toFixed(2)})  precision ${pct(tier.precision)} recall ${pct(tier.recall)} (${tier.flagged} flagged)` +
        `   |  scorecard precision ${pct(other.precision)} recall ${pct(other.recall)} (${other.flagged} flagged)`,
    );
  });
  lines.push('  calibration (model, held out): bin  rows  mean predicted  observed');
  for (const bin of model.calibration ?? []) {
    lines.push(`    ${String(bin.bin).padStart(3)}  ${String(bin.count).padStart(4)}  ${bin.meanPredicted.toFixed(3).padStart(14)}  ${bin.observedRate.toFixed(3).padStart(8)}`);
  }
  return lines;
}

/** Coefficients, with their spread across the cross-validation folds when the model recorded it. */
function coefficientLines(stored: StoredModel): string[] {
  const { fitted } = stored.model;
  const stability = new Map((stored.metrics.training.coefficients ?? []).map((entry) => [entry.feature, entry]));
  const search = stored.metrics.training.l2Search;
  const lines = search
    ? [`  l2 chosen by ${search.folds}-fold cross-validation: ${search.chosen} (out-of-fold log loss ${search.grid.map((entry) => `${entry.l2}: ${f3(entry.logLoss)}`).join(', ')})`]
    : [];
  lines.push(`  coefficients (standardised)${stability.size > 0 ? '   mean ± sd across the cross-validation folds' : ''}:`);
  fitted.featureNames.forEach((name, j) => {
    const entry = stability.get(name);
    const spread = entry && entry.foldMean !== null ? `   ${entry.foldMean.toFixed(4).padStart(9)} ± ${(entry.foldSd ?? 0).toFixed(4)} (${entry.folds} folds)` : '';
    lines.push(`    ${name.padEnd(28)} ${fitted.coefficients[j]!.toFixed(4).padStart(9)}${spread}`);
  });
  return lines;
}

function describeModel(stored: StoredModel): string[] {
  const { metrics, classBalance, model } = stored;
  const lines = [
    `${stored.version}${stored.promoted ? '  (promoted)' : ''}`,
    `  engine ${metrics.training.engine}, l2 ${metrics.training.l2}, ${metrics.training.iterations} iterations, converged ${metrics.training.converged}; lead ${stored.leadDays} days; config ${stored.configHash}`,
    `  trained on ${classBalance.rows} renewals from ${stored.trainingFrom} to ${stored.trainingTo}: ${classBalance.positives} churned (${pct(classBalance.churnRate)})`,
    `  held out: ${metrics.evaluation.method}, ${metrics.evaluation.folds} folds of ${pct(metrics.evaluation.heldOutShare)} of accounts, seed ${metrics.evaluation.seed}`,
    ...metricsLines(metrics.model, metrics.scorecard),
    ...coefficientLines(stored),
    `  scorecard: ${model.scorecard.warningPoints} per warning, ${model.scorecard.criticalPoints} per critical flag; p = σ(${model.scorecard.intercept.toFixed(3)} + ${model.scorecard.slope.toFixed(3)}·points)`,
  ];
  for (const warning of metrics.training.warnings) lines.push(`  warning: ${warning}`);
  for (const dropped of model.plan.dropped) lines.push(`  dropped ${dropped.indicator}: ${dropped.reason}`);
  return lines;
}

const summaryOf = (stored: StoredModel) => ({
  version: stored.version,
  promoted: stored.promoted,
  createdAt: stored.createdAt,
  leadDays: stored.leadDays,
  trainingFrom: stored.trainingFrom,
  trainingTo: stored.trainingTo,
  configHash: stored.configHash,
  classBalance: stored.classBalance,
  features: stored.model.fitted.featureNames,
  coefficients: stored.model.fitted.coefficients,
  intercept: stored.model.fitted.intercept,
  metrics: stored.metrics,
});

export function registerModelCommands(program: Command, context: CliContext): void {
  program
    .command('train')
    .description('Train the churn model on every renewal decided by --as-of, measure it on held-out accounts beside the rule scorecard, and store it')
    .option('--as-of <date>', 'training day: outcomes decided by its end are used (default today)')
    .option('--promote', 'promote the new model for scoring')
    .action(async (options: { asOf?: string; promote?: boolean }) => {
      const [{ parseDay }, { trainModel }, { skipReport }] = await Promise.all([import('../../../indicators/compute.ts'), import('../../../models/registry.ts'), import('../../../models/training-skips.ts')]);
      const loaded = context.config();
      const asOf = parseDay(options.asOf ?? today(), '--as-of');
      const db = await context.database();
      const { stored, created } = await trainModel(db, { config: loaded.config, configVersion: loaded.version, asOf, promote: Boolean(options.promote) });
      context.logger.info({ event: 'model_trained', version: stored.version, created, rows: stored.classBalance.rows, auc: stored.metrics.model.rocAuc });
      const skipped = stored.metrics.training.skipped;
      // Models stored before the per-reason counts existed have no `byReason`.
      const skips = 'byReason' in skipped ? skipReport(skipped, stored.leadDays) : undefined;
      context.out.data({ created, ...summaryOf(stored), skipped: skips }, () => {
        if (!created) context.out.line(`an identical model is already stored as ${stored.version}`);
        for (const line of describeModel(stored)) context.out.line(line);
        if (!skips) return;
        context.out.line(`  skipped ${skips.skipped.renewals} of ${skipped.considered.renewals} decided renewals (${skips.skipped.churners} of ${skipped.considered.churners} churners)${skips.lines.length ? ':' : ''}`);
        for (const line of skips.lines) context.out.line(`    ${line}`);
        if (skips.warning) context.out.line(`  warning: ${skips.warning}`);
      });
      if (skips?.warning) context.logger.warn({ event: 'training_skipped_many', renewalShare: skips.renewalShare, churnerShare: skips.churnerShare });
    });

  const model = program.command('model').description('The model registry');
  model
    .command('list')
    .description('Stored models, newest first')
    .action(async () => {
      const { listStoredModels } = await import('../../../models/registry.ts');
      const models = await listStoredModels(await context.database());
      context.out.data(
        models.map((stored) => ({ version: stored.version, promoted: stored.promoted, createdAt: stored.createdAt, rows: stored.classBalance.rows, rocAuc: stored.metrics.model.rocAuc, scorecardRocAuc: stored.metrics.scorecard.rocAuc })),
        () => {
          if (models.length === 0) context.out.line('no models yet: run radar train');
          for (const stored of models) {
            context.out.line(
              `${stored.promoted ? '*' : ' '} ${stored.version}  ${stored.createdAt.toISOString().slice(0, 19)}Z  ${stored.classBalance.rows} rows  AUC ${f3(stored.metrics.model.rocAuc)} (scorecard ${f3(stored.metrics.scorecard.rocAuc)})`,
            );
          }
        },
      );
    });
  model
    .command('show')
    .argument('<version>')
    .description('Features, coefficients, training window and held-out metrics of a model')
    .action(async (version: string) => {
      const { loadModel } = await import('../../../models/registry.ts');
      const stored = await loadModel(await context.database(), version);
      context.out.data(summaryOf(stored), () => {
        for (const line of describeModel(stored)) context.out.line(line);
      });
    });
  model
    .command('promote')
    .argument('<version>')
    .description('Make this model the one used for scoring (one promoted at a time)')
    .action(async (version: string) => {
      const { promoteModel } = await import('../../../models/registry.ts');
      await promoteModel(await context.database(), version, new Date());
      context.out.data({ promoted: version }, () => context.out.line(`promoted ${version}`));
    });

  program
    .command('score')
    .description('Score accounts renewing within horizonDays of --as-of with the promoted model into risk_scores')
    .option('--as-of <date>', 'the as-of day D (default today)')
    .option('--model <version>', 'score with this model instead of the promoted one')
    .action(async (options: { asOf?: string; model?: string }) => {
      const [{ parseDay }, { scoreAccounts }, { accountLabels }] = await Promise.all([import('../../../indicators/compute.ts'), import('../../../models/score.ts'), import('../../../sql/accounts.ts')]);
      const { config } = context.config();
      const asOf = parseDay(options.asOf ?? today(), '--as-of');
      const db = await context.database();
      const result = await scoreAccounts(db, { config, asOf, modelVersion: options.model });
      for (const warning of result.warnings) {
        context.logger.warn({ event: 'score_warning', warning });
        process.stderr.write(`radar: warning: ${warning}\n`);
      }
      context.logger.info({ event: 'scored', asOf, model: result.modelVersion, accounts: result.accounts, written: result.written });
      const { scores, ...summary } = result;
      const top = scores.slice().sort((a, b) => b.probability - a.probability).slice(0, 20);
      const labels = await accountLabels(db, top.map((score) => score.accountId));
      const named = top.map((score) => ({ ...score, externalId: labels.get(score.accountId)?.externalId ?? null, name: labels.get(score.accountId)?.name ?? null }));
      context.out.data({ ...summary, top: named }, () => {
        context.out.line(`${asOf}: ${result.accounts} accounts scored with ${result.modelVersion}, ${result.written} rows written`);
        context.out.line(`  critical ${result.tiers.critical}, high ${result.tiers.high}, medium ${result.tiers.medium}, low ${result.tiers.low}; ${result.withMissingData} with missing indicators`);
        for (const score of named.slice(0, 10)) {
          context.out.line(`  ${accountLabel(score).padEnd(40)}  ${pct(score.probability).padStart(6)}  ${score.tier.padEnd(8)}  ${score.drivers.map((driver) => driver.sentence).join('; ')}`);
        }
      });
    });

  program
    .command('backtest')
    .description('Replay training and scoring week by week and compare alerts with what happened, for the model and the rule scorecard')
    .requiredOption('--from <date>', 'first step D')
    .requiredOption('--to <date>', 'last step D (inclusive)')
    .option('--step <interval>', 'days between steps, e.g. 7d or 1w', '7d')
    .option('--compare <file>', 'a second config file to run side by side (e.g. changed thresholds)')
    .action(async (options: { from: string; to: string; step: string; compare?: string }) => {
      const [{ loadConfig }, { parseDay }, { runBacktest }, { renderBacktestTable }] = await Promise.all([
        import('../../../config/load.ts'),
        import('../../../indicators/compute.ts'),
        import('../../../models/backtest.ts'),
        import('../../../models/backtest-report.ts'),
      ]);
      const loaded = context.config();
      const configs: BacktestConfig[] = [{ label: labelOf(loaded.file), config: loaded.config, configVersion: loaded.version }];
      if (options.compare) {
        const other = loadConfig(options.compare);
        configs.push({ label: labelOf(other.file), config: other.config, configVersion: other.version });
      }
      if (configs.length === 2 && configs[0]!.label === configs[1]!.label) throw new RadarError('usage', '--compare names the same config file');
      const result = await runBacktest(await context.database(), {
        from: parseDay(options.from, '--from'),
        to: parseDay(options.to, '--to'),
        stepDays: parseStep(options.step),
        configs,
        onProgress: (event) => context.logger.debug({ event: 'backtest_progress', ...event }),
      });
      context.out.data(result, () => {
        context.out.line(renderBacktestTable(result.runs));
        context.out.line(`time: ${result.timings.totalSeconds.toFixed(1)} s (training set ${result.timings.trainingSetSeconds.toFixed(1)} s, step indicators ${result.timings.indicatorSeconds.toFixed(1)} s, fits ${result.timings.fitSeconds.toFixed(1)} s)`);
      });
    });
}

function labelOf(file: string): string {
  return file === '(defaults)' ? file : (file.split('/').at(-1) ?? file);
}
