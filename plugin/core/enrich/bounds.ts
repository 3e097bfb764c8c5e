// How much of what MISP and the agent's store hold is copied into an event. Those strings come
// from outside (a MISP event's info can be megabytes, an event can carry thousands of tags) and a
// hit copies them into every event it enriches, so each is cut to a bound here, once, before any
// output format sees it. Cuts never split a surrogate pair.
import type { AttributeSummary } from '../ioc/index.js';
import type { EventContext } from './misp-context.js';

/** Event info (description) and other free text, in UTF-16 code units. */
export const MAX_TEXT = 2048;
/** An attribute's value as MISP stores it (a URL can be long; a value longer than this is cut). */
export const MAX_VALUE = 8192;
/** Tags per attribute and per event. */
export const MAX_TAGS = 100;
/** One tag, one organisation name, one category or type. */
export const MAX_NAME = 256;

export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

function cutAll(list: readonly string[], count: number, max: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length && i < count; i++) out.push(cut(list[i]!, max));
  return out;
}

export function boundedAttribute(a: AttributeSummary): AttributeSummary {
  const out: AttributeSummary = {
    ...a,
    uuid: cut(a.uuid, MAX_NAME),
    type: cut(a.type, MAX_NAME),
    category: cut(a.category, MAX_NAME),
    value: cut(a.value, MAX_VALUE),
    event_id: cut(a.event_id, MAX_NAME),
    event_uuid: cut(a.event_uuid, MAX_NAME),
    event_info: cut(a.event_info, MAX_TEXT),
    tags: cutAll(a.tags, MAX_TAGS, MAX_NAME),
  };
  if (a.first_seen !== undefined) out.first_seen = cut(a.first_seen, MAX_NAME);
  if (a.last_seen !== undefined) out.last_seen = cut(a.last_seen, MAX_NAME);
  if (a.org !== undefined) out.org = cut(a.org, MAX_NAME);
  if (a.decay !== undefined) out.decay = { ...a.decay, model: cut(a.decay.model, MAX_NAME) };
  return out;
}

export function boundedContext(c: EventContext): EventContext {
  const out: EventContext = { ...c, tags: cutAll(c.tags, MAX_TAGS, MAX_NAME) };
  for (const k of ['org', 'uuid', 'date', 'threatLevel'] as const) {
    const v = c[k];
    if (v !== undefined) out[k] = cut(v, MAX_NAME);
  }
  if (c.info !== undefined) out.info = cut(c.info, MAX_TEXT);
  return out;
}
