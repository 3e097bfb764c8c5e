// What the core takes from a MISP event fetched by the host (events/restSearch, metadata
// only). MISP sends ids and levels as strings in current versions and as numbers in some older
// ones and hand-written feeds, so both are read.

export interface EventContext {
  org?: string;
  info?: string;
  uuid?: string;
  date?: string;
  threatLevel?: string;
  tags: string[];
}

function text(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' && Number.isFinite(x)) return String(x);
  return undefined;
}

function tagNames(x: unknown): string[] {
  if (!Array.isArray(x)) return [];
  const names: string[] = [];
  for (const t of x) {
    const name = t && typeof t === 'object' ? text((t as Record<string, unknown>).name) : undefined;
    if (name) names.push(name);
  }
  return names;
}

/** Reads `{...}` or `{"Event": {...}}`; null for anything that is not an event object. */
export function readEventContext(raw: unknown): EventContext | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  let ev = raw as Record<string, unknown>;
  if (ev.Event && typeof ev.Event === 'object') ev = ev.Event as Record<string, unknown>;
  const orgc = ev.Orgc && typeof ev.Orgc === 'object' ? (ev.Orgc as Record<string, unknown>) : {};
  const ctx: EventContext = { tags: tagNames(ev.Tag) };
  const org = text(orgc.name);
  if (org) ctx.org = org;
  const info = text(ev.info);
  if (info !== undefined) ctx.info = info;
  const uuid = text(ev.uuid);
  if (uuid) ctx.uuid = uuid;
  const date = text(ev.date);
  if (date) ctx.date = date;
  const level = text(ev.threat_level_id);
  if (level) ctx.threatLevel = level;
  return ctx;
}
