// Warninglists from a folder of MISP warninglist files (misp-warninglists' list.json format),
// served as MISP's /warninglists endpoints serve them and used for enforceWarninglist. Every
// list loaded is enabled; ids follow the sorted file names.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asArray, isRecord, toStr } from './coerce.js';
import { CidrSet } from './ip-match.js';
import type { Json } from './render.js';

type ListType = 'cidr' | 'string' | 'hostname' | 'substring' | 'regex';

export interface Warninglist {
  id: number;
  name: string;
  description: string;
  version: string;
  type: ListType;
  category: string;
  matchingAttributes: string[];
  entries: string[];
  match: (value: string) => string | null;
}

export interface WarninglistHit {
  id: string;
  name: string;
  matched: string;
}

function hostOf(value: string): string {
  const v = value.trim().toLowerCase();
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/.exec(v);
  const authority = url ? url[1]! : v.split('/')[0]!;
  return authority.replace(/^.*@/, '').replace(/:\d+$/, '').replace(/\.$/, '');
}

/** PCRE entries as MISP stores them ("/^...$/i") become JavaScript regular expressions. */
function compileRegex(entry: string): RegExp | null {
  const m = /^(.)(.*)\1([a-z]*)$/s.exec(entry);
  try {
    if (m) return new RegExp(m[2]!, m[3]!.replace(/[^imsu]/g, ''));
    return new RegExp(entry);
  } catch {
    return null;
  }
}

function matcherFor(type: ListType, entries: string[]): (value: string) => string | null {
  switch (type) {
    case 'cidr': {
      const set = new CidrSet();
      for (const e of entries) set.add(e);
      return (v) => set.match(v);
    }
    case 'string': {
      const set = new Map(entries.map((e) => [e.toLowerCase(), e]));
      return (v) => set.get(v.trim().toLowerCase()) ?? null;
    }
    case 'hostname': {
      const set = new Map(entries.map((e) => [e.toLowerCase().replace(/^\.|\.$/g, ''), e]));
      return (v) => {
        // A hostname entry covers the name and every subdomain of it.
        let h = hostOf(v);
        for (;;) {
          const hit = set.get(h);
          if (hit !== undefined) return hit;
          const dot = h.indexOf('.');
          if (dot < 0) return null;
          h = h.slice(dot + 1);
        }
      };
    }
    case 'substring': {
      const lower = entries.map((e) => [e.toLowerCase(), e] as const);
      return (v) => {
        const s = v.toLowerCase();
        return lower.find(([l]) => s.includes(l))?.[1] ?? null;
      };
    }
    case 'regex': {
      const res = entries.map((e) => [compileRegex(e), e] as const).filter(([r]) => r !== null);
      return (v) => res.find(([r]) => r!.test(v))?.[1] ?? null;
    }
  }
}

export class Warninglists {
  private constructor(readonly lists: readonly Warninglist[]) {}

  static empty(): Warninglists {
    return new Warninglists([]);
  }

  static load(dir: string): Warninglists {
    const files = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
    const lists: Warninglist[] = [];
    for (const file of files) {
      const raw: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      if (!isRecord(raw)) continue;
      const type = toStr(raw.type, 'string') as ListType;
      if (!['cidr', 'string', 'hostname', 'substring', 'regex'].includes(type)) continue;
      const entries = asArray(raw.list).map((e) => toStr(e)).filter((e) => e !== '');
      lists.push({
        id: lists.length + 1,
        name: toStr(raw.name, file),
        description: toStr(raw.description),
        version: toStr(raw.version, '1'),
        type,
        category: toStr(raw.category, 'false_positive'),
        matchingAttributes: asArray(raw.matching_attributes).map((e) => toStr(e)),
        entries,
        match: matcherFor(type, entries),
      });
    }
    return new Warninglists(lists);
  }

  byId(id: number): Warninglist | undefined {
    return this.lists.find((l) => l.id === id);
  }

  /** Every list a value hits, as /warninglists/checkValue reports it (all types considered). */
  check(value: string): WarninglistHit[] {
    const hits: WarninglistHit[] = [];
    for (const l of this.lists) {
      const m = l.match(value);
      if (m !== null) hits.push({ id: String(l.id), name: l.name, matched: m });
    }
    return hits;
  }

  /**
   * Whether an attribute would be dropped by enforceWarninglist: a list applies when it names
   * the attribute's type, and a composite value is checked part by part, as MISP does.
   */
  hitsAttribute(type: string, value: string): boolean {
    if (this.lists.length === 0) return false;
    const parts = type.includes('|') || type === 'malware-sample' ? value.split('|') : [value];
    for (const l of this.lists) {
      if (!l.matchingAttributes.includes(type) && !l.matchingAttributes.includes('ALL')) continue;
      if (parts.some((p) => l.match(p) !== null)) return true;
    }
    return false;
  }

  renderIndexEntry(l: Warninglist): Json {
    return {
      Warninglist: {
        id: String(l.id),
        name: l.name,
        type: l.type,
        description: l.description,
        version: l.version,
        enabled: true,
        default: true,
        category: l.category,
        warninglist_entry_count: String(l.entries.length),
        valid_attributes: l.matchingAttributes.join(', '),
      },
    };
  }

  renderView(l: Warninglist): Json {
    const id = String(l.id);
    const base = this.renderIndexEntry(l).Warninglist as Json;
    return {
      Warninglist: {
        ...base,
        WarninglistEntry: l.entries.map((value, n) => ({
          id: String(l.id * 1_000_000 + n + 1),
          value,
          warninglist_id: id,
          comment: null,
        })),
        WarninglistType: l.matchingAttributes.map((type, n) => ({
          id: String(l.id * 1000 + n + 1),
          type,
          warninglist_id: id,
        })),
      },
    };
  }
}
