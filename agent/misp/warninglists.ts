// MISP warninglists applied by the agent. MISP can apply them itself (enforceWarninglist), but it
// does so after the SQL page is cut, so pages come back short or empty before the end and paging
// stops early (MISP issue 9175). The agent fetches the enabled lists and checks each value here.
import { normalizeDnsName, parentDomains, parseIp, formatIp, networkOf, parseUrl, splitMispValue } from '../../plugin/core/ioc/index.js';
import type { Logger } from '../ops/logger.js';
import { bool } from './attribute.js';

export interface WarninglistData {
  id: string;
  name: string;
  type: string;
  validAttributes: string[];
  entries: string[];
}

interface CompiledList {
  name: string;
  types: Set<string>;
  test: (type: string, value: string) => boolean;
}

export class WarninglistMatcher {
  private readonly lists: CompiledList[];

  constructor(lists: WarninglistData[], log: Logger) {
    this.lists = [];
    for (const l of lists) {
      const test = compile(l, log);
      if (test) this.lists.push({ name: l.name, types: new Set(l.validAttributes), test });
    }
  }

  get size(): number {
    return this.lists.length;
  }

  /** The name of the first list that holds this value, or null. */
  match(type: string, value: string): string | null {
    for (const l of this.lists) if (l.types.has(type) && l.test(type, value)) return l.name;
    return null;
  }
}

function parts(type: string, value: string) {
  return splitMispValue(type, value) ?? [];
}

function compile(l: WarninglistData, log: Logger): CompiledList['test'] | null {
  const entries = l.entries.map((e) => e.trim()).filter((e) => e !== '');
  switch (l.type) {
    case 'cidr': {
      // Networks grouped by family and prefix length (code = len * 10 + family).
      const byLen = new Map<number, Set<string>>();
      for (const e of entries) {
        const ip = parseIp(e);
        if (!ip) continue;
        let set = byLen.get(ip.prefix * 10 + ip.family);
        if (!set) byLen.set(ip.prefix * 10 + ip.family, (set = new Set()));
        set.add(formatIp(ip));
      }
      return (type, value) =>
        parts(type, value).some((p) => {
          if (p.datatype !== 'ip') return false;
          const ip = parseIp(p.raw);
          if (!ip) return false;
          for (const [code, set] of byLen) {
            const family = code % 10;
            const len = (code - family) / 10;
            if (family !== ip.family || len > ip.prefix) continue;
            if (set.has(formatIp(networkOf(ip, len)))) return true;
          }
          return false;
        });
    }
    case 'hostname': {
      const set = new Set(entries.map((e) => normalizeDnsName(e.replace(/^\*?\./, '')) ?? e.toLowerCase()));
      return (type, value) =>
        parts(type, value).some((p) => {
          const host = p.datatype === 'url' ? parseUrl(p.raw)?.host : p.datatype === 'domain' || p.datatype === 'hostname' ? p.raw : undefined;
          const name = host ? normalizeDnsName(host) : null;
          return name !== null && parentDomains(name).some((d) => set.has(d));
        });
    }
    case 'string': {
      const set = new Set(entries.map((e) => e.toLowerCase()));
      return (type, value) => set.has(value.toLowerCase()) || parts(type, value).some((p) => set.has(p.raw.toLowerCase()));
    }
    case 'substring': {
      const subs = entries.map((e) => e.toLowerCase());
      return (_type, value) => {
        const v = value.toLowerCase();
        return subs.some((s) => v.includes(s));
      };
    }
    case 'regex': {
      const res: RegExp[] = [];
      for (const e of entries) {
        const re = phpRegex(e);
        if (re) res.push(re);
        else log.warn('warninglist regex not usable in JavaScript; entry skipped', { list: l.name });
      }
      return (type, value) => res.some((re) => re.test(value) || parts(type, value).some((p) => re.test(p.raw)));
    }
    default:
      log.warn('warninglist of unknown type skipped', { list: l.name, type: l.type });
      return null;
  }
}

/** "/pattern/flags" as MISP stores regex entries, to a RegExp (only flags JS shares). */
function phpRegex(entry: string): RegExp | null {
  const m = /^(.)(.*)\1([a-z]*)$/s.exec(entry);
  try {
    if (!m) return new RegExp(entry);
    const flags = [...m[3]!].filter((f) => 'imsu'.includes(f)).join('');
    return new RegExp(m[2]!, flags);
  } catch {
    return null;
  }
}

/** Reads GET /warninglists and GET /warninglists/view/{id} responses. */
export function readWarninglistIndex(body: unknown): { id: string; enabled: boolean }[] {
  const list = (body as { Warninglists?: unknown } | null)?.Warninglists;
  if (!Array.isArray(list)) return [];
  const out: { id: string; enabled: boolean }[] = [];
  for (const item of list) {
    const w = (item && typeof item === 'object' && 'Warninglist' in item ? (item as { Warninglist: unknown }).Warninglist : item) as Record<string, unknown>;
    if (!w || (typeof w.id !== 'string' && typeof w.id !== 'number')) continue;
    out.push({ id: String(w.id), enabled: bool(w.enabled) });
  }
  return out;
}

export function readWarninglist(body: unknown): WarninglistData | null {
  const w = (body as { Warninglist?: Record<string, unknown> } | null)?.Warninglist;
  if (!w || typeof w !== 'object') return null;
  const entries = Array.isArray(w.WarninglistEntry)
    ? w.WarninglistEntry.map((e: unknown) => (e && typeof e === 'object' ? String((e as Record<string, unknown>).value ?? '') : String(e)))
    : Array.isArray(w.list)
      ? (w.list as unknown[]).map(String)
      : [];
  const valid = typeof w.valid_attributes === 'string' ? w.valid_attributes.split(',') : Array.isArray(w.matching_attributes) ? (w.matching_attributes as unknown[]).map(String) : [];
  return {
    id: String(w.id ?? ''),
    name: String(w.name ?? ''),
    type: String(w.type ?? ''),
    validAttributes: valid.map((s) => s.trim()).filter(Boolean),
    entries,
  };
}
