// The Citus colocation rule, checked on the plans of real statements (test/colocation.test.ts).
//
// Every table with an `account_id` column is "per-account" (distributed on account_id under Citus); the
// others are reference tables. The rule: wherever a statement joins two per-account tables (directly, or
// through a subquery or CTE built from them), the join equates their account_id — a colocated join, which
// Citus runs shard by shard. A join on anything else (alert_id, as_of, a name) would need data to move
// between nodes.
//
// How: `EXPLAIN (VERBOSE, FORMAT JSON)` of the statement with its parameters. For every join node whose
// two sides both read per-account tables, one of its conditions — Hash/Merge Cond, Join Filter, or for a
// nested loop any condition inside its inner side (index lookups parameterised by the outer row) — must be
// `x.account_id = y.account_id` with x on one side and y on the other. A correlated SubPlan reading a
// per-account table must likewise carry an account_id equality with a relation outside it.
// Statements that cannot be explained afterwards (they read a temp staging table that is gone) fall back to
// a text heuristic: each per-account table they name must be accompanied by `account_id` in the text.
// Single-table scans without an account_id filter are allowed: Citus runs them on every shard (the weekly
// report's aggregates, the scope of a day) — they are counted, not failed.

export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'CTE Name'?: string;
  readonly 'Subplan Name'?: string;
  readonly 'Parent Relationship'?: string;
  readonly Alias?: string;
  readonly Plans?: readonly PlanNode[];
  readonly [key: string]: unknown;
}

const CONDITION_KEYS = ['Hash Cond', 'Merge Cond', 'Join Filter', 'Index Cond', 'Filter', 'Recheck Cond', 'TID Cond'] as const;
const JOINS = new Set(['Hash Join', 'Merge Join', 'Nested Loop']);

const children = (node: PlanNode): readonly PlanNode[] => node.Plans ?? [];
const conditions = (node: PlanNode): string[] => CONDITION_KEYS.map((key) => node[key]).filter((value): value is string => typeof value === 'string');

function* walk(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of children(node)) yield* walk(child);
}

/** The CTEs (InitPlans named "CTE x") of a plan that read per-account tables. */
function distributedCtes(root: PlanNode, perAccount: ReadonlySet<string>): Set<string> {
  const ctes = new Set<string>();
  // A CTE may read another CTE: iterate to a fixed point.
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of walk(root)) {
      const name = node['Subplan Name']?.match(/^CTE (\w+)$/)?.[1];
      if (!name || ctes.has(name) || aggregatesAcrossAccounts({ 'Node Type': 'CTE', Plans: [node] })) continue;
      if ([...walk(node)].some((inner) => (inner['Relation Name'] && perAccount.has(inner['Relation Name'])) || (inner['CTE Name'] && ctes.has(inner['CTE Name'])))) {
        ctes.add(name);
        changed = true;
      }
    }
  }
  return ctes;
}

/** Whether a subtree's top (below sorts, hashes, subquery scans) is an aggregate or DISTINCT whose groups do not include account_id. */
function aggregatesAcrossAccounts(node: PlanNode): boolean {
  for (let current: PlanNode | undefined = children(node)[0]; current; current = children(current)[0]) {
    if (current['Node Type'] === 'Aggregate' || current['Node Type'] === 'Unique') {
      const keys = (current[current['Node Type'] === 'Aggregate' ? 'Group Key' : 'Output'] as readonly string[] | undefined) ?? [];
      return !keys.some((key) => /\baccount_id\b/.test(key));
    }
    if (!['Sort', 'Result', 'Materialize', 'Hash', 'Unique', 'Limit', 'Subquery Scan', 'WindowAgg'].includes(current['Node Type'])) return false;
  }
  return false;
}

/** Aliases in a subtree that stand for per-account rows: scans of the tables, and subquery/CTE scans built from them. */
function distributedAliases(node: PlanNode, perAccount: ReadonlySet<string>, ctes: ReadonlySet<string>): Set<string> {
  const aliases = new Set<string>();
  const visit = (current: PlanNode): boolean => {
    let below = false;
    for (const child of children(current)) {
      if (child['Parent Relationship'] === 'InitPlan' || child['Parent Relationship'] === 'SubPlan') continue;
      below = visit(child) || below;
    }
    const own = (current['Relation Name'] !== undefined && perAccount.has(current['Relation Name'])) || (current['CTE Name'] !== undefined && ctes.has(current['CTE Name']));
    // A subquery that aggregates rows of many accounts into a few (grouped by segment, or not at all) is an
    // intermediate result under Citus (recursive planning: computed across shards, then sent to every
    // node), not distributed rows: joining it on anything is fine.
    const distributed = own || (current['Node Type'] === 'Subquery Scan' && below && !aggregatesAcrossAccounts(current));
    if (distributed && current.Alias) aliases.add(current.Alias);
    return distributed || below;
  };
  visit(node);
  return aliases;
}

const EQUALITY = /\(?(\w+)\.account_id\)?\s*=\s*\(?(\w+)\.account_id\)?/g;

function equatesAcross(texts: readonly string[], left: ReadonlySet<string>, right: ReadonlySet<string>): boolean {
  for (const text of texts) {
    for (const match of text.matchAll(EQUALITY)) {
      const [a, b] = [match[1]!, match[2]!];
      if ((left.has(a) && right.has(b)) || (left.has(b) && right.has(a))) return true;
    }
  }
  return false;
}

export interface Violation {
  readonly node: string;
  readonly reason: string;
}

/** The colocation violations in one statement's plan (an EXPLAIN (FORMAT JSON) root's "Plan"). */
export function planViolations(root: PlanNode, perAccount: ReadonlySet<string>): Violation[] {
  const ctes = distributedCtes(root, perAccount);
  const violations: Violation[] = [];
  for (const node of walk(root)) {
    const sides = children(node).filter((child) => child['Parent Relationship'] === 'Outer' || child['Parent Relationship'] === 'Inner');
    if (JOINS.has(node['Node Type']) && sides.length === 2) {
      const [outer, inner] = sides as [PlanNode, PlanNode];
      const left = aggregatesAcrossAccounts({ 'Node Type': 'side', Plans: [outer] }) ? new Set<string>() : distributedAliases(outer, perAccount, ctes);
      const right = aggregatesAcrossAccounts({ 'Node Type': 'side', Plans: [inner] }) ? new Set<string>() : distributedAliases(inner, perAccount, ctes);
      if (left.size === 0 || right.size === 0) continue;
      const texts = node['Node Type'] === 'Nested Loop' ? [...conditions(node), ...[...walk(inner)].flatMap(conditions)] : conditions(node);
      if (!equatesAcross(texts, left, right)) {
        violations.push({ node: `${node['Node Type']} of {${[...left].join(', ')}} and {${[...right].join(', ')}}`, reason: `no account_id equality between the sides (conditions: ${texts.join(' AND ') || 'none'})` });
      }
    }
    if (node['Parent Relationship'] === 'SubPlan') {
      const inside = distributedAliases(node, perAccount, ctes);
      const texts = [...walk(node)].flatMap(conditions);
      // Correlated: a condition names a relation defined outside the subplan.
      const correlated = texts.some((text) => [...text.matchAll(/\b([a-z_]\w*)\.\w+/g)].some((m) => !isAliasIn(node, m[1]!)));
      if (inside.size > 0 && correlated && !texts.some((text) => [...text.matchAll(EQUALITY)].some((m) => isAliasIn(node, m[1]!) !== isAliasIn(node, m[2]!)))) {
        violations.push({ node: `SubPlan over {${[...inside].join(', ')}}`, reason: `a correlated subquery not tied to the outer row by account_id (conditions: ${texts.join(' AND ')})` });
      }
    }
  }
  return violations;
}

function isAliasIn(node: PlanNode, alias: string): boolean {
  for (const inner of walk(node)) if (inner.Alias === alias) return true;
  return false;
}

/** Per-account tables a statement's text names (word match; quoted and schema-qualified names included). */
export function namedTables(text: string, tables: Iterable<string>): string[] {
  return [...tables].filter((table) => new RegExp(`(^|[\\s,(."])${table}($|[\\s,)."])`, 'i').test(text));
}

/** The fallback for statements that cannot be explained: each per-account table named needs `account_id` in the text. */
export function textViolations(text: string, perAccount: ReadonlySet<string>): Violation[] {
  const named = namedTables(text, perAccount);
  return named.length > 0 && !/\baccount_id\b/i.test(text) ? [{ node: `text naming ${named.join(', ')}`, reason: 'no account_id anywhere in the statement' }] : [];
}
