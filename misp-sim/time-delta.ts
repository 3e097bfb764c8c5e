// MISP's time filters: AppModel::resolveTimeDelta turns a filter value into a unix time, and
// MispAttribute::setTimestampConditions turns a value or a [from, to] pair into bounds. Text
// that is neither a number nor "<n><d|h|m|s>" goes to PHP's strtotime(); this module reads the
// formats clients send (ISO 8601, RFC 2822, Go's time layouts such as UnixDate, "@<unix>",
// relative phrases such as "-7 days" or "yesterday") the way strtotime does in UTC, which is
// PHP's default time zone. Anything else is unreadable, and MISP then filters on "now + 1 s".
import { InternalError, isNumeric, isPhpArray, numval, phpValues, strval, type Php } from './php.js';

export interface Bounds {
  /** Inclusive lower bound, or null when MISP adds none (a single 0, or a pair starting at 0). */
  from: number | null;
  /** Inclusive upper bound, or null. */
  to: number | null;
}

/** AppModel::resolveTimeDelta. */
export function resolveTimeDelta(delta: unknown, nowSec: number): number {
  if (isNumeric(delta)) return Math.trunc(numval(delta));
  const text = strval(delta);
  const multipliers: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
  const last = text.slice(-1).toLowerCase();
  if (!isNumeric(last) && multipliers[last] !== undefined) {
    const amount = text.slice(0, -1);
    // "1.5d" is accepted: the product is a float, compared as such.
    if (!isNumeric(amount)) return nowSec + 1;
    return nowSec - numval(amount) * multipliers[last]!;
  }
  const t = strtotime(text, nowSec);
  return t ?? nowSec + 1;
}

/**
 * MispAttribute::setTimestampConditions: a pair is resolved, swapped when reversed, and bounds
 * both ends (no lower bound when it starts at 0); a single value is a lower bound unless it is 0.
 * A list that is not a pair is an InvalidArgumentException, which MISP answers with a 500.
 */
export function timestampBounds(v: Php, nowSec: number): Bounds {
  if (isPhpArray(v)) {
    const items = phpValues(v);
    if (items.length !== 2) throw new InternalError('Invalid date specification, must be string or array with two elements');
    const pick = (k: number): Php => (Array.isArray(v) ? v[k]! : ((v as Record<string, Php>)[String(k)] ?? null));
    let a = resolveTimeDelta(pick(0), nowSec);
    let b = resolveTimeDelta(pick(1), nowSec);
    if (a > b) [a, b] = [b, a];
    return { from: a !== 0 ? a : null, to: b };
  }
  const t = resolveTimeDelta(v, nowSec);
  return { from: t !== 0 ? t : null, to: null };
}

export function within(b: Bounds, t: number): boolean {
  return (b.from === null || t >= b.from) && (b.to === null || t <= b.to);
}

// ---------------------------------------------------------------------------------------------
// strtotime(), for the formats above. Returns null where PHP returns false.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
// Abbreviations PHP knows (timelib's table), the common ones: offset in minutes east of UTC.
const ZONES: Record<string, number> = {
  utc: 0, gmt: 0, ut: 0, z: 0, wet: 0, west: 60, bst: 60, cet: 60, cest: 120, met: 60, mest: 120, eet: 120, eest: 180,
  msk: 180, ist: 330, jst: 540, kst: 540, hkt: 480, aest: 600, aedt: 660, nzst: 720, nzdt: 780,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420, akst: -540, akdt: -480, hst: -600,
};
// Military single-letter zones (strtotime("a") is "now" in zone Alpha, UTC+1).
for (const [k, c] of [...'abcdefghiklm'].entries()) ZONES[c] = (k + 1) * 60;
for (const [k, c] of [...'nopqrstuvwxy'].entries()) ZONES[c] = -(k + 1) * 60;

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase());
}

function zoneOffset(z: string | undefined): number | null {
  if (z === undefined || z === '') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(z);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
  const named = ZONES[z.toLowerCase()];
  return named === undefined ? null : named;
}

function fullYear(y: string): number {
  const n = Number(y);
  // PHP reads two-digit years 00–69 as 20xx and 70–99 as 19xx.
  if (y.length <= 2) return n < 70 ? 2000 + n : 1900 + n;
  return n;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, offsetMin: number): number | null {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  return Math.floor(Date.UTC(y, mo, d, h, mi, s) / 1000) - offsetMin * 60;
}

/** A day name moves the date forward to that weekday when it is another day (as strtotime does). */
function onWeekday(name: string | undefined, t: number | null): number | null {
  if (t === null || name === undefined) return t;
  const target = DAYS.indexOf(name.slice(0, 3).toLowerCase());
  if (target < 0) return null;
  const day = new Date(t * 1000).getUTCDay();
  return t + ((target - day + 7) % 7) * 86400;
}

const TIME = '(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,]\\d+)?)?';
const ZONE = '(Z|[+-]\\d{2}:?\\d{2}|[A-Za-z]{1,5})';

type Reader = (m: RegExpExecArray) => number | null;
const ABSOLUTE: [RegExp, Reader][] = [
  // ISO 8601 / RFC 3339 / MySQL: 2006-01-02, 2006-01-02T15:04:05.999Z, 2006-01-02 15:04:05 -0700 MST
  [
    new RegExp(`^(\\d{4})-(\\d{1,2})-(\\d{1,2})(?:[T ]${TIME})?\\s*(?:${ZONE})?(?:\\s+([A-Za-z]{1,5}))?$`, 'i'),
    (m) => {
      const off = zoneOffset(m[7]);
      if (off === null) return null;
      return utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), off);
    },
  ],
  // 2006/01/02
  [/^(\d{4})\/(\d{1,2})\/(\d{1,2})$/, (m) => utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 0, 0, 0, 0)],
  // American 01/02/2006
  [/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, (m) => utc(Number(m[3]), Number(m[1]) - 1, Number(m[2]), 0, 0, 0, 0)],
  // Go's UnixDate "Mon Jan _2 15:04:05 MST 2006", ANSIC (no zone) and RubyDate ("-0700")
  [
    new RegExp(`^(?:([A-Za-z]{3,9}),?\\s+)?([A-Za-z]{3,9})\\s+(\\d{1,2})\\s+${TIME}(?:\\s+${ZONE})?\\s+(\\d{4})$`),
    (m) => {
      const mo = monthIndex(m[2]!);
      const off = zoneOffset(m[7]);
      if (mo < 0 || off === null) return null;
      return onWeekday(m[1], utc(Number(m[8]), mo, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), off));
    },
  ],
  // RFC 2822 / RFC 1123 / RFC 850: "Mon, 02 Jan 2006 15:04:05 MST", "02 Jan 06 15:04 -0700",
  // "Monday, 02-Jan-06 15:04:05 MST"
  [
    new RegExp(`^(?:([A-Za-z]{3,9}),?\\s+)?(\\d{1,2})[\\s-]+([A-Za-z]{3,9})[\\s-]+(\\d{2,4})(?:\\s+${TIME})?(?:\\s+${ZONE})?$`),
    (m) => {
      const mo = monthIndex(m[3]!);
      const off = zoneOffset(m[8]);
      if (mo < 0 || off === null) return null;
      return onWeekday(m[1], utc(fullYear(m[4]!), mo, Number(m[2]), Number(m[5] ?? 0), Number(m[6] ?? 0), Number(m[7] ?? 0), off));
    },
  ],
  // "@1700000000"
  [/^@(-?\d+)$/, (m) => Number(m[1])],
];

const UNITS: Record<string, number> = { sec: 1, second: 1, min: 60, minute: 60, hour: 3600, day: 86400, week: 604800, fortnight: 1209600 };

function startOfDay(t: number): number {
  return t - (((t % 86400) + 86400) % 86400);
}

/** The relative formats of strtotime ("now", "today", "-7 days", "2 weeks ago", "last monday"…). */
function relative(text: string, nowSec: number): number | null {
  let s = ` ${text.toLowerCase().replace(/\s+/g, ' ').trim()} `;
  let t = nowSec;
  let matched = false;
  const take = (re: RegExp, apply: (m: RegExpExecArray) => void): void => {
    for (let m = re.exec(s); m; m = re.exec(s)) {
      apply(m);
      matched = true;
      s = s.slice(0, m.index) + ' ' + s.slice(m.index + m[0].length);
    }
  };
  take(/ (yesterday|today|midnight|tomorrow|noon|now) /, (m) => {
    if (m[1] === 'yesterday') t = startOfDay(t) - 86400;
    else if (m[1] === 'tomorrow') t = startOfDay(t) + 86400;
    else if (m[1] === 'today' || m[1] === 'midnight') t = startOfDay(t);
    else if (m[1] === 'noon') t = startOfDay(t) + 43200;
  });
  take(/ (last|next|this) (sun|mon|tue|wed|thu|fri|sat)[a-z]* /, (m) => {
    const target = DAYS.indexOf(m[2]!);
    const day = new Date(t * 1000).getUTCDay();
    let diff = target - day;
    if (m[1] === 'last') diff = diff >= 0 ? diff - 7 : diff;
    else if (m[1] === 'next') diff = diff <= 0 ? diff + 7 : diff;
    else diff = diff < 0 ? diff + 7 : diff;
    t = startOfDay(t) + diff * 86400;
  });
  take(/ ([+-]?\d+|last|next) ?(sec|second|min|minute|hour|day|week|fortnight|month|year)s?( ago)? /, (m) => {
    let n = m[1] === 'last' ? -1 : m[1] === 'next' ? 1 : Number(m[1]);
    if (m[3]) n = -n;
    const unit = m[2]!;
    if (unit === 'month' || unit === 'year') {
      const d = new Date(t * 1000);
      if (unit === 'month') d.setUTCMonth(d.getUTCMonth() + n);
      else d.setUTCFullYear(d.getUTCFullYear() + n);
      t = Math.floor(d.getTime() / 1000);
    } else t += n * UNITS[unit]!;
  });
  // What is left may only be time zones: the wall-clock time read in that zone.
  for (const token of s.trim().split(' ')) {
    if (token === '') continue;
    const off = ZONES[token];
    if (off === undefined) return null;
    t -= off * 60;
    matched = true;
  }
  return matched ? t : null;
}

export function strtotime(text: string, nowSec: number): number | null {
  const s = text.trim();
  if (s === '') return null;
  for (const [re, read] of ABSOLUTE) {
    const m = re.exec(s);
    if (m) return read(m);
  }
  return relative(s, nowSec);
}
