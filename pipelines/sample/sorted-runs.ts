// An external merge sort for the sample's time-ordered exports (tickets, invoices): at 1M accounts
// their rows do not fit in memory at once. Rows come in account groups; every `runGroups` groups are
// sorted and spilled to a temp file as JSON lines, then the files are merged. Ties go to the earlier
// run, so the output is exactly what one stable sort of all rows gives (the files do not depend on
// the run size). One run never touches the disk.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Lines of a file, read in 1 MiB blocks (synchronously: the file writers consume plain iterables). */
function* fileLines(path: string): Generator<string> {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(1 << 20);
  let rest = '';
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
      const lines = (rest + buffer.toString('utf8', 0, read)).split('\n');
      rest = lines.pop() ?? '';
      yield* lines;
    }
    if (rest) yield rest;
  } finally {
    closeSync(fd);
  }
}

function spill<T>(rows: readonly T[], path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (let start = 0; start < rows.length; start += 4096) writeSync(fd, `${rows.slice(start, start + 4096).map((row) => JSON.stringify(row)).join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}

/** `groups` flattened and stably sorted by `key`, holding at most `runGroups` groups' rows in memory. */
export function* sortedInRuns<T>(groups: Iterable<readonly T[]>, key: (row: T) => number, runGroups: number, onSpill?: (rows: number) => void): Generator<T> {
  const byKey = (a: T, b: T) => key(a) - key(b);
  let run: T[] = [];
  let inRun = 0;
  const files: string[] = [];
  let dir: string | undefined;
  try {
    for (const group of groups) {
      for (const row of group) run.push(row);
      inRun += 1;
      if (inRun === runGroups) {
        dir ??= mkdtempSync(join(tmpdir(), 'radar-sample-sort-'));
        const path = join(dir, `run-${files.length}.jsonl`);
        spill(run.sort(byKey), path);
        onSpill?.(run.length);
        files.push(path);
        run = [];
        inRun = 0;
      }
    }
    run.sort(byKey);
    if (files.length === 0) {
      yield* run;
      return;
    }
    // The last, partial run stays in memory as the final source.
    const sources: Iterator<T>[] = [...files.map((path) => (function* () { for (const line of fileLines(path)) yield JSON.parse(line) as T; })()), run[Symbol.iterator]()];
    const heads = sources.map((source) => source.next());
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i]!;
        if (!head.done && (best < 0 || key(head.value) < key((heads[best] as IteratorYieldResult<T>).value))) best = i;
      }
      if (best < 0) return;
      yield (heads[best] as IteratorYieldResult<T>).value;
      heads[best] = sources[best]!.next();
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
