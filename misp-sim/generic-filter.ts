// MISP's value filters, as AppModel::convert_filters normalizes them and
// AppModel::generic_add_filter turns them into SQL, evaluated here on the simulator's rows.
// Column kinds carry what MySQL does with the comparison: the collation of text columns, the
// boolean binding of tinyint(1) columns, and the number conversion of integer columns. SQL's
// NULL logic is kept (a NULL column is neither IN nor NOT IN a list).
import { bindBool, foldCi, isPhpArray, likeRegExp, mysqlNumber, padSpace, phpEmpty, phpValues, strval, type Php } from './php.js';

/** utf8mb3_unicode_ci text, utf8mb3_bin text, int(11), tinyint(1). */
export type ColumnKind = 'ci' | 'bin' | 'int' | 'bool';

export interface Column<R> {
  kind: ColumnKind;
  get: (row: R) => string | number | boolean | null;
}

/** The normalized filter: {"OR": [...], "NOT": [...], "AND": [...]}. */
export interface PhpFilter {
  OR?: Php;
  NOT?: Php;
  AND?: Php;
}

/** AppModel::convert_filters. */
export function convertFilters(filter: Php): PhpFilter {
  const out: { OR?: Php[]; NOT?: Php[] } = {};
  if (!isPhpArray(filter)) {
    for (const f of strval(filter).split('&&')) {
      if (f === '') continue;
      if (f[0] === '!') (out.NOT ??= []).push(f.slice(1));
      else (out.OR ??= []).push(f);
    }
    return out;
  }
  if (!Array.isArray(filter) && ('OR' in filter || 'NOT' in filter || 'AND' in filter)) {
    return { OR: filter.OR, NOT: filter.NOT, AND: filter.AND };
  }
  for (const param of phpValues(filter)) {
    const s = strval(param);
    // Strings (not integers) starting with "!" are negations; empty strings and integers are
    // kept as they are, null entries are dropped.
    if (!phpEmpty(s) && !(typeof param === 'number' && Number.isInteger(param))) {
      if (s[0] === '!') (out.NOT ??= []).push(s.slice(1));
      else (out.OR ??= []).push(s);
    } else if (param !== null) (out.OR ??= []).push(param);
  }
  return out;
}

/** MispAttribute::dissectArgs: [accepted, rejected, all required] for tag filters. */
export function dissectArgs(args: Php): [Php[], Php[], Php[]] {
  const result: [Php[], Php[], Php[]] = [[], [], []];
  if (phpEmpty(args)) return result;
  const list: Php = isPhpArray(args) ? args : strval(args).split('&&');
  if (!Array.isArray(list) && ('OR' in list || 'NOT' in list || 'AND' in list)) {
    const asList = (v: Php | undefined): Php[] => (v === undefined || phpEmpty(v) ? [] : isPhpArray(v) ? phpValues(v) : [v]);
    return [asList(list.OR), asList(list.NOT), asList(list.AND)];
  }
  for (const arg of phpValues(list as Php[])) {
    if (typeof arg === 'string' && arg[0] === '!') result[1].push(arg.slice(1));
    else result[0].push(arg);
  }
  return result;
}

/** Three-valued SQL truth: true, false, or null (unknown, from a NULL column). */
type Tri = boolean | null;

function or3(a: Tri, b: Tri): Tri {
  if (a === true || b === true) return true;
  return a === null || b === null ? null : false;
}

function and3(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}

/** One comparison value, bound for a column of the given kind. */
interface Bound {
  eq: (v: string | number | boolean) => boolean;
  like: ((v: string | number | boolean) => boolean) | null;
}

function bind(kind: ColumnKind, f: Php, like: boolean): Bound {
  switch (kind) {
    case 'bool': {
      // Every value, patterns included, becomes '0' or '1' (DboSource::boolean).
      const b = bindBool(f);
      const eq = (v: string | number | boolean): boolean => (v === true || v === 1 || v === '1' ? 1 : 0) === b;
      return { eq, like: like ? eq : null };
    }
    case 'int': {
      const n = mysqlNumber(f);
      const eq = (v: string | number | boolean): boolean => mysqlNumber(v) === n;
      const re = like ? likeRegExp(strval(f), false) : null;
      return { eq, like: re ? (v) => re.test(strval(v)) : null };
    }
    case 'ci': {
      const key = padSpace(foldCi(strval(f)));
      const re = like ? likeRegExp(strval(f), true) : null;
      return { eq: (v) => padSpace(foldCi(strval(v))) === key, like: re ? (v) => re.test(foldCi(strval(v))) : null };
    }
    case 'bin': {
      const key = padSpace(strval(f));
      const re = like ? likeRegExp(strval(f), false) : null;
      return { eq: (v) => padSpace(strval(v)) === key, like: re ? (v) => re.test(strval(v)) : null };
    }
  }
}

/** generic_add_filter sends a value to LIKE when it starts or ends with "%", to IN otherwise. */
function isPattern(f: Php): boolean {
  return typeof f === 'string' && f.length > 0 && (f[f.length - 1] === '%' || f[0] === '%');
}

export type RowPredicate<R> = (row: R) => boolean;

/**
 * AppModel::generic_add_filter for a filter already through convert_filters, over one or more
 * columns. Every operator group is ANDed to the query:
 * - OR: some column is IN the plain values, or LIKE / equal to a pattern;
 * - NOT: every column is NOT IN the plain values and NOT LIKE each pattern;
 * - AND: some column is IN the plain values, and every column is both LIKE and equal to each
 *   pattern (MISP composes the pattern conditions with AND, so a pattern here rarely matches).
 * `conditional` is MISP's $conditional_for_filter: a row satisfying it passes every group.
 */
export function compileGeneric<R>(filter: PhpFilter, columns: readonly Column<R>[], conditional?: (row: R) => boolean): RowPredicate<R> | null {
  if (columns.length === 1 && columns[0]!.kind === 'bool') {
    // A tinyint(1) column holds 0 or 1: decide both once, then each row is a lookup.
    const probe = compileGroups<boolean>(filter, [{ kind: 'bool', get: (x) => x }]);
    if (!probe) return null;
    const [r0, r1] = [probe(false), probe(true)];
    const get = columns[0]!.get;
    return (row) => {
      if (conditional && conditional(row)) return true;
      const x = get(row);
      return x === null ? false : x ? r1 : r0;
    };
  }
  return compileGroups(filter, columns, conditional);
}

function compileGroups<R>(filter: PhpFilter, columns: readonly Column<R>[], conditional?: (row: R) => boolean): RowPredicate<R> | null {
  const groups: ((row: R) => Tri)[] = [];
  for (const op of ['OR', 'NOT', 'AND'] as const) {
    const raw = filter[op];
    if (raw === undefined) continue;
    const values = isPhpArray(raw) ? phpValues(raw) : [raw];
    const plain = values.filter((f) => !isPattern(f));
    const patterns = values.filter(isPattern);
    // Per column: the plain values (a Set of keys where the collation allows) and the patterns.
    const perColumn = columns.map((c) => ({
      c,
      plain: plain.map((f) => bind(c.kind, f, false)),
      patterns: patterns.map((f) => bind(c.kind, f, true)),
      keySet: c.kind === 'ci' || c.kind === 'bin' ? new Set(plain.map((f) => (c.kind === 'ci' ? padSpace(foldCi(strval(f))) : padSpace(strval(f))))) : null,
    }));
    // Folding costs more than a lookup, and columns such as type repeat a few values: remember.
    const memo = new Map<string, boolean>();
    const inPlain = (pc: (typeof perColumn)[number], v: string | number | boolean): boolean => {
      if (!pc.keySet) return pc.plain.some((b) => b.eq(v));
      const raw = strval(v);
      let hit = memo.get(raw);
      if (hit === undefined) {
        hit = pc.keySet.has(pc.c.kind === 'ci' ? padSpace(foldCi(raw)) : padSpace(raw));
        if (memo.size > 4096) memo.clear();
        memo.set(raw, hit);
      }
      return hit;
    };
    // OR and NOT read the columns alike: the first column that holds a plain value or matches a
    // pattern (as `matches` reads it) makes the group `decides` (OR true, NOT false); with no
    // match, a NULL column with values leaves it unknown (false OR NULL and true AND NULL are
    // both NULL), else it is the opposite.
    const firstMatch =
      (decides: boolean, matches: (p: Bound, v: string | number | boolean) => boolean) =>
      (row: R): Tri => {
        let t: Tri = !decides;
        for (const pc of perColumn) {
          const v = pc.c.get(row);
          if (v === null) {
            if (pc.plain.length + pc.patterns.length > 0) t = null;
            continue;
          }
          if (pc.plain.length > 0 && inPlain(pc, v)) return decides;
          for (const p of pc.patterns) if (matches(p, v)) return decides;
        }
        return t;
      };
    let group: (row: R) => Tri;
    if (op === 'OR') {
      group = firstMatch(true, (p, v) => p.like!(v) || p.eq(v));
    } else if (op === 'NOT') {
      group = firstMatch(false, (p, v) => p.like!(v));
    } else {
      group = (row) => {
        let anyPlain: Tri = plain.length > 0 ? false : true;
        let allPatterns: Tri = true;
        for (const pc of perColumn) {
          const v = pc.c.get(row);
          if (plain.length > 0) anyPlain = or3(anyPlain, v === null ? null : inPlain(pc, v));
          for (const p of pc.patterns) allPatterns = and3(allPatterns, v === null ? null : p.like!(v) && p.eq(v));
        }
        return and3(anyPlain, allPatterns);
      };
    }
    // An empty list adds an empty group, which CakePHP drops: no condition.
    if (values.length === 0) continue;
    groups.push(conditional ? (row) => (conditional(row) ? true : group(row)) : group);
  }
  if (groups.length === 0) return null;
  return (row) => {
    let t: Tri = true;
    for (const g of groups) {
      t = and3(t, g(row));
      if (t === false) return false;
    }
    return t === true;
  };
}

/** Whether a filter is nothing but plain OR values (lets a search jump to them by index). */
export function plainOrValues(filter: PhpFilter): Php[] | null {
  if (filter.AND !== undefined || filter.NOT !== undefined || filter.OR === undefined) return null;
  const values = isPhpArray(filter.OR) ? phpValues(filter.OR) : [filter.OR];
  if (values.length === 0 || values.some(isPattern)) return null;
  return values;
}
