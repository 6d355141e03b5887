// writeSampleCompany: the sample company as import files. The only impure part of the generator:
// it renders the pure model (accounts → contract periods → rows) to files, streaming the large
// usage file through gzip with backpressure.
import { mkdir, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { RadarError } from '../errors.ts';
import { subscriptionsCsv, SUBSCRIPTIONS_FILE } from './subscriptions.ts';
import { eachAccount as sampleAccounts, recordWindow, type SampleWindow } from './accounts.ts';
import { sortedInRuns } from './sorted-runs.ts';
import { formatDay, parseDay } from './days.ts';
import { linesWithFaults, type FileSpec, type PlantedFaults, type PlantingTally } from './faults.ts';
import {
  accountsFile,
  invoicesFile,
  marketEventsFile,
  eventsFile,
  npsFile,
  renewalsFile,
  SIGNAL_FILES,
  supportFile,
  usageFile,
  type RenewalRow,
  type SampleFile,
  type SignalFile,
  type WithExternalId,
} from './files.ts';
import { productEvents } from './events.ts';
import { npsResponses } from './nps.ts';
import { invoices, type Invoice } from './invoices.ts';
import { liveAccount, type AccountLife } from './lifecycle.ts';
import { createMarket } from './market.ts';
import { randomStream } from './random.ts';
import { supportContacts, type SupportContact } from './support.ts';
import { usageRows, type UsageRow } from './usage.ts';

export interface SampleOptions {
  readonly accounts: number;
  readonly years: number;
  readonly seed: number;
  /** The sample's "today", YYYY-MM-DD: nothing after it is generated. */
  readonly end: string;
  readonly outDir: string;
  readonly onProgress?: (message: string) => void;
  /** Also write the event export and the NPS survey (SIGNAL_FILES; default true). */
  readonly signals?: boolean;
  /** Also write subscriptions.csv, the billing export renewals can be derived from (docs/subscriptions.md). */
  readonly subscriptions?: boolean;
  /** Accounts whose tickets and invoices are sorted in memory at once before spilling to a temp file (sorted-runs.ts). */
  readonly accountsPerSortRun?: number;
}

export interface SampleManifest {
  readonly generator: 'renewal-radar sample';
  readonly formatVersion: 1;
  readonly seed: number;
  readonly accounts: number;
  readonly years: number;
  readonly end: string;
  /** First day of usage, invoices and renewals (end − years). */
  readonly recordsFrom: string;
  /** Data lines per file (headers excluded, planted faults included); 0 for signal files not written. */
  readonly rows: Readonly<Record<SampleFile | SignalFile, number>>;
  readonly planted: { readonly rejects: number; readonly duplicates: number };
}

export const MAX_ACCOUNTS = 1_000_000;
export const MAX_YEARS = 10;

function validated(options: SampleOptions): SampleWindow {
  const problems: string[] = [];
  if (!Number.isInteger(options.accounts) || options.accounts < 1 || options.accounts > MAX_ACCOUNTS) problems.push(`accounts must be an integer from 1 to ${MAX_ACCOUNTS}`);
  if (!Number.isInteger(options.years) || options.years < 1 || options.years > MAX_YEARS) problems.push(`years must be an integer from 1 to ${MAX_YEARS}`);
  if (!Number.isSafeInteger(options.seed)) problems.push('seed must be an integer');
  const end = parseDay(options.end);
  if (end === undefined) problems.push(`end must be a date YYYY-MM-DD (got "${options.end}")`);
  if (problems.length > 0 || end === undefined) throw new RadarError('usage', `invalid sample options: ${problems.join('; ')}`, { problems });
  return recordWindow(end, options.years);
}

/** Joins lines into large chunks: one stream write per line would dominate the run time. */
function* chunked(lines: Iterable<string>, linesPerChunk = 4096): Generator<string> {
  let batch: string[] = [];
  for (const line of lines) {
    batch.push(line);
    if (batch.length === linesPerChunk) {
      yield `${batch.join('\n')}\n`;
      batch = [];
    }
  }
  if (batch.length > 0) yield `${batch.join('\n')}\n`;
}

function* withIds<T>(rows: Iterable<T>, prefix: string, digits: number): Generator<WithExternalId<T>> {
  let index = 0;
  for (const row of rows) {
    index += 1;
    yield { ...row, externalId: `${prefix}${String(index).padStart(digits, '0')}` };
  }
}

function* eachAccount<T>(lives: Iterable<AccountLife>, rowsOf: (life: AccountLife) => Iterable<T>): Generator<T> {
  for (const life of lives) yield* rowsOf(life);
}

function* allUsage(lives: Iterable<AccountLife>, count: number, window: SampleWindow, seed: number, onProgress: (message: string) => void): Generator<UsageRow> {
  const step = Math.max(1, Math.ceil(count / 10));
  let index = 0;
  for (const life of lives) {
    yield* usageRows(life, window, seed);
    index += 1;
    if (index % step === 0 || index === count) onProgress(`usage: ${index}/${count} accounts`);
  }
}

export async function writeSampleCompany(options: SampleOptions): Promise<SampleManifest> {
  const window = validated(options);
  const { seed } = options;
  const progress = options.onProgress ?? (() => {});
  await mkdir(options.outDir, { recursive: true });

  const market = createMarket(seed, window);
  // Accounts are generated again for each file rather than held: at 1M accounts their lives alone
  // would take gigabytes. Each is a pure function of (seed, index), so every pass sees the same ones.
  const lives = function* (): Generator<AccountLife> {
    for (const account of sampleAccounts(options.accounts, seed, window)) yield liveAccount(account, market, window, seed);
  };
  const runGroups = options.accountsPerSortRun ?? 20_000;
  progress(`planned ${options.accounts} accounts`);

  const faults: PlantedFaults = { rejects: [], duplicates: [] };
  const rows: Partial<Record<SampleFile | SignalFile, number>> = {};
  const write = async <Row>(spec: FileSpec<Row>, data: Iterable<Row>, gzip = false): Promise<void> => {
    const tally: PlantingTally = { rows: 0 };
    const lines = linesWithFaults(data, spec, randomStream(seed, 'faults', spec.file), faults, tally);
    const source = Readable.from(chunked(lines));
    const target = createWriteStream(join(options.outDir, spec.file));
    await (gzip ? pipeline(source, createGzip(), target) : pipeline(source, target));
    rows[spec.file as SampleFile | SignalFile] = tally.rows;
    progress(`wrote ${spec.file} (${tally.rows} rows)`);
  };
  await write(accountsFile, lives());
  await write(marketEventsFile, market.events);
  const decided = eachAccount(lives(), (life) =>
    life.periods.filter((period) => period.known && period.renewal >= window.start).map((period): RenewalRow => ({ account: life.account, period })),
  );
  await write(renewalsFile, decided);
  if (options.subscriptions) {
    await writeFile(join(options.outDir, SUBSCRIPTIONS_FILE), subscriptionsCsv([...lives()], window, seed));
    progress(`wrote ${SUBSCRIPTIONS_FILE}`);
  }
  // Exports list records in time order, with ids assigned in that order.
  const perAccount = <T>(rowsOf: (life: AccountLife) => T[]) => (function* () { for (const life of lives()) yield rowsOf(life); })();
  const contacts = sortedInRuns(perAccount((life) => supportContacts(life, window, seed)), (contact: SupportContact) => contact.openedAt, runGroups);
  await write(supportFile, withIds(contacts, 'ZD-', 7));
  const bills = sortedInRuns(perAccount((life) => invoices(life, window, seed)), (bill: Invoice) => bill.issuedOn, runGroups);
  await write(invoicesFile, withIds(bills, 'INV-', 7));
  await write(usageFile, allUsage(lives(), options.accounts, window, seed, progress), true);
  if (options.signals !== false) {
    await write(eventsFile, eachAccount(lives(), (life) => productEvents(life, window, seed)), true);
    await write(npsFile, eachAccount(lives(), (life) => npsResponses(life, seed)));
  } else {
    for (const file of SIGNAL_FILES) rows[file] = 0;
  }

  const manifest: SampleManifest = {
    generator: 'renewal-radar sample',
    formatVersion: 1,
    seed,
    accounts: options.accounts,
    years: options.years,
    end: formatDay(window.end),
    recordsFrom: formatDay(window.start),
    rows: rows as Record<SampleFile | SignalFile, number>,
    planted: { rejects: faults.rejects.length, duplicates: faults.duplicates.length },
  };
  await writeFile(join(options.outDir, 'faults.json'), `${JSON.stringify(faults, null, 2)}\n`);
  await writeFile(join(options.outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
