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
import { createAccounts, recordWindow, type SampleWindow } from './accounts.ts';
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

export const MAX_ACCOUNTS = 99_999;
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

function withIds<T>(rows: T[], prefix: string, digits: number): WithExternalId<T>[] {
  return rows.map((row, index) => ({ ...row, externalId: `${prefix}${String(index + 1).padStart(digits, '0')}` }));
}

function* eachAccount<T>(lives: readonly AccountLife[], rowsOf: (life: AccountLife) => Iterable<T>): Generator<T> {
  for (const life of lives) yield* rowsOf(life);
}

function* allUsage(lives: readonly AccountLife[], window: SampleWindow, seed: number, onProgress: (message: string) => void): Generator<UsageRow> {
  const step = Math.max(1, Math.ceil(lives.length / 10));
  for (const [index, life] of lives.entries()) {
    yield* usageRows(life, window, seed);
    if ((index + 1) % step === 0 || index + 1 === lives.length) onProgress(`usage: ${index + 1}/${lives.length} accounts`);
  }
}

export async function writeSampleCompany(options: SampleOptions): Promise<SampleManifest> {
  const window = validated(options);
  const { seed } = options;
  const progress = options.onProgress ?? (() => {});
  await mkdir(options.outDir, { recursive: true });

  const market = createMarket(seed, window);
  const lives = createAccounts(options.accounts, seed, window).map((account) => liveAccount(account, market, window, seed));
  progress(`planned ${lives.length} accounts`);

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
  await write(accountsFile, lives);
  await write(marketEventsFile, market.events);
  const decided: RenewalRow[] = lives.flatMap((life) =>
    life.periods.filter((period) => period.known && period.renewal >= window.start).map((period) => ({ account: life.account, period })),
  );
  await write(renewalsFile, decided);
  if (options.subscriptions) {
    await writeFile(join(options.outDir, SUBSCRIPTIONS_FILE), subscriptionsCsv(lives, window, seed));
    progress(`wrote ${SUBSCRIPTIONS_FILE}`);
  }
  // Exports list records in time order, with ids assigned in that order.
  const contacts: SupportContact[] = lives.flatMap((life) => supportContacts(life, window, seed)).sort((a, b) => a.openedAt - b.openedAt);
  await write(supportFile, withIds(contacts, 'ZD-', 7));
  const bills: Invoice[] = lives.flatMap((life) => invoices(life, window, seed)).sort((a, b) => a.issuedOn - b.issuedOn);
  await write(invoicesFile, withIds(bills, 'INV-', 7));
  await write(usageFile, allUsage(lives, window, seed, progress), true);
  if (options.signals !== false) {
    await write(eventsFile, eachAccount(lives, (life) => productEvents(life, window, seed)), true);
    await write(npsFile, eachAccount(lives, (life) => npsResponses(life, seed)));
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
