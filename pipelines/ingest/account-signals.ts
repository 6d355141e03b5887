// Account signals (NPS and CSAT answers, sponsor changes…) → account_signals, keyed by account, name and
// observation time, with the source that wrote them. The fields' rules (a name normalised like a metric
// name, a numeric value after the source's value map) are in entities.ts; this only adds the source.
import { canCheckReferencesOnce, createStaging, mergeStaging } from '../../sql/ingest.ts';
import { entitySpecs, stagedColumns, type StagedRow } from './entities.ts';
import type { Stager } from './stager.ts';

export function signalStager(source: string): Stager {
  const spec = entitySpecs.account_signals;
  const columns = [...stagedColumns(spec), 'source'];
  return {
    columns,
    createStaging: (trx) => createStaging(trx, spec.table, columns),
    stage(row: StagedRow, out: StagedRow[]) {
      out.push({ ...row, source });
    },
    merge: async (trx, stagedRows) =>
      mergeStaging(trx, spec.table, columns, spec.naturalKey, {
        touchUpdatedAt: false,
        mayRepeatKeys: true,
        stagedRows,
        referencesCheckableOnce: stagedRows > 0 && (await canCheckReferencesOnce(trx, spec.table)),
      }),
    detail: () => ({}),
  };
}
