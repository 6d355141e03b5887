// `radar sample` at up to 1,000,000 accounts: accounts are generated lazily, one at a time, and the
// time-ordered exports are sorted in bounded runs spilled to disk, with the same bytes as one sort.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eachAccount, recordWindow } from './accounts.ts';
import { parseDay } from './days.ts';
import { writeSampleCompany } from './generate.ts';
import { generateIntoTempDir } from './sample-reader.ts';
import { sortedInRuns } from './sorted-runs.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const hashes = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((file) => [file, createHash('sha256').update(readFileSync(join(dir, file))).digest('hex')]));

describe('sortedInRuns', () => {
  it('gives the stable sort of all rows (ties in input order) while holding at most runGroups groups', () => {
    const groups = [[{ k: 3, id: 'a' }, { k: 1, id: 'b' }], [{ k: 1, id: 'c' }], [{ k: 2, id: 'd' }, { k: 1, id: 'e' }], [{ k: 0, id: 'f' }], [{ k: 3, id: 'g' }]];
    const spilled: number[] = [];
    const out = [...sortedInRuns(groups, (row) => row.k, 2, (rows) => spilled.push(rows))].map((row) => row.id);
    expect(out).toEqual(['f', 'b', 'c', 'e', 'd', 'a', 'g']);
    expect(spilled).toEqual([3, 3]); // two runs of two groups on disk; the fifth group stays in memory
    expect([...sortedInRuns(groups, (row) => row.k, 10, () => spilled.push(-1))].map((row) => row.id)).toEqual(out);
    expect(spilled).toEqual([3, 3]); // one run: nothing spilled
  });
});

describe('writeSampleCompany at scale', () => {
  it('writes byte-identical files whether tickets and invoices are sorted in one run or spilled in many', async () => {
    const options = { accounts: 40, years: 1, seed: 11, end: '2026-03-01' };
    const [one, many] = await Promise.all([generateIntoTempDir(options), generateIntoTempDir({ ...options, accountsPerSortRun: 3 })]);
    dirs.push(one.dir, many.dir);
    expect(hashes(many.dir)).toEqual(hashes(one.dir));
  });

  it('generates a million accounts lazily: the first ones come without the rest being built', () => {
    const window = recordWindow(parseDay('2026-03-01')!, 2);
    const accounts = eachAccount(1_000_000, 3, window);
    const first = [accounts.next().value!, accounts.next().value!];
    expect(first.map((account) => account.id)).toEqual(['acct-00001', 'acct-00002']);
    // Each account comes from its own random stream: the same as in a small company of the same seed, CSM aside.
    const small = [...eachAccount(2, 3, window)];
    expect(first.map(({ csm: _c, ...rest }) => rest)).toEqual(small.map(({ csm: _c, ...rest }) => rest));
  });

  it('accepts up to 1,000,000 accounts and names the limit past it', async () => {
    await expect(writeSampleCompany({ accounts: 1_000_001, years: 1, seed: 1, end: '2026-03-01', outDir: '/nonexistent/never' })).rejects.toThrow(/accounts must be an integer from 1 to 1000000/);
  });
});
