// How MISP's PHP and MySQL read the values of a request. MISP decodes the JSON body into PHP
// arrays and hands the values to CakePHP 2, which binds them into SQL; the filters' answers
// depend on PHP's loose rules (empty(), is_numeric(), (int)) and on the columns' MySQL types and
// collations (INSTALL/MYSQL.sql), so the simulator reproduces exactly those rules here.

/** A decoded JSON value, as PHP sees it: JSON objects and lists are both PHP arrays. */
export type Php = null | boolean | number | string | Php[] | { [k: string]: Php };

export function isPhpArray(v: unknown): v is Php[] | { [k: string]: Php } {
  return typeof v === 'object' && v !== null;
}

/** The values of a PHP array in order (a JSON object's values in key order). */
export function phpValues(v: Php[] | { [k: string]: Php }): Php[] {
  return Array.isArray(v) ? v : Object.values(v);
}

/** PHP's empty(): null, false, 0, 0.0, "", "0" and empty arrays. */
export function phpEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '' || v === '0') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

// PHP 8's numeric strings: optional surrounding whitespace, sign, digits with an optional
// fraction (or a fraction alone) and an optional exponent.
const NUMERIC = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;

/** PHP's is_numeric(). */
export function isNumeric(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  return typeof v === 'string' && NUMERIC.test(v);
}

/** PHP's strval() for the scalars a JSON body holds. */
export function strval(v: unknown): string {
  if (v === true) return '1';
  if (v === false || v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v).replace('e+', 'E+');
  if (typeof v === 'string') return v;
  return 'Array';
}

/** PHP's (int) cast: the leading number of a string ("1.5" → 1, "1e3" → 1000), 0 otherwise. */
export function intval(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return 0;
  const m = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(v);
  return m ? Math.trunc(Number(m[0])) : 0;
}

/** PHP's arithmetic value of a numeric string or number (is_numeric() must hold). */
export function numval(v: unknown): number {
  return typeof v === 'number' ? v : Number(String(v).trim());
}

/**
 * How CakePHP 2 binds a value for a tinyint(1) column (DboSource::value() → boolean(), which is
 * `!empty($data) ? '1' : '0'`): "yes", "false" and true are 1; 0, "0", "" and false are 0.
 */
export function bindBool(v: unknown): 0 | 1 {
  return phpEmpty(v) ? 0 : 1;
}

/**
 * MySQL compares an integer column with a string by reading the string's leading number
 * ("12abc" = 12, "abc" = 0).
 */
export function mysqlNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const m = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(strval(v));
  return m ? Number(m[0]) : 0;
}

/**
 * The comparison key of utf8mb3_unicode_ci (MISP's attributes.value1, value2, type, comment):
 * case and accents are ignored, and "=" ignores trailing spaces (PAD SPACE). An approximation of
 * MySQL's UCA 4.0.0 weights: canonical decomposition without combining marks, lower case, ß = ss.
 */
export function foldCi(s: string): string {
  let out = s;
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(out)) out = out.normalize('NFD').replace(/\p{M}/gu, '').replace(/ß/g, 'ss');
  return out.toLowerCase();
}

export function padSpace(s: string): string {
  return s.replace(/ +$/, '');
}

/**
 * A MySQL LIKE pattern as a RegExp over the folded text: % is any run, _ one character, and a
 * backslash escapes the next character (MySQL's default ESCAPE).
 */
export function likeRegExp(pattern: string, ci: boolean): RegExp {
  const p = ci ? foldCi(pattern) : pattern;
  let re = '';
  for (let k = 0; k < p.length; k++) {
    const c = p[k]!;
    if (c === '\\' && k + 1 < p.length) {
      re += escapeRe(p[++k]!);
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 'u');
}

function escapeRe(c: string): string {
  // Only syntax characters may be escaped in a /u expression.
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * IPv6 text as PHP's inet_ntop(inet_pton()) prints it with glibc: lower case, no leading zeros,
 * the longest run of two or more zero groups as "::", IPv4-mapped and -compatible tails dotted.
 * MISP compresses IPv6 filter values this way (Event::set_filter_value → compressIpv6).
 */
export function compressIpv6(text: string): string | null {
  const groups = ipv6Groups(text);
  if (!groups) return null;
  let bestBase = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let n = k;
    while (n < 8 && groups[n] === 0) n++;
    if (n - k > bestLen) {
      bestBase = k;
      bestLen = n - k;
    }
    k = n;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (bestBase >= 0 && k >= bestBase && k < bestBase + bestLen) {
      if (k === bestBase) out += ':';
      continue;
    }
    if (k > 0) out += ':';
    if (k === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff))) {
      out += `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
      break;
    }
    out += groups[k]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

export function ipv6Groups(text: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return null;
  let s = text;
  const tail: number[] = [];
  const v4 = /(?:^|:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const b = v4.slice(1, 5).map(Number);
    if (b.some((x) => x > 255)) return null;
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    s = s.slice(0, s.length - v4[0].length + (v4[0].startsWith(':') ? 1 : 0));
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const parts = s.split('::');
  if (parts.length > 2) return null;
  const parse = (p: string): number[] | null => {
    if (p === '') return [];
    const out: number[] = [];
    for (const g of p.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parse(parts[0]!);
  const rest = parts.length === 2 ? parse(parts[1]!) : [];
  if (!head || !rest) return null;
  const known = head.length + rest.length + tail.length;
  if (parts.length === 1 && known !== 8) return null;
  if (parts.length === 2 && known > 7) return null;
  return [...head, ...Array(8 - known).fill(0), ...rest, ...tail];
}

/** CakePHP's Validation::uuid(). */
export function isUuid(v: unknown): boolean {
  return typeof v === 'string' && /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[0-5][a-fA-F0-9]{3}-[089aAbB][a-fA-F0-9]{3}-[a-fA-F0-9]{12}$/.test(v);
}

/** An exception MISP does not map to an HTTP status: CakePHP answers it with a 500. */
export class InternalError extends Error {}
