// The per-batch requests and the keys answer in a flat text instead of JSON: what the Java shell
// (and the Node host) send on the filter's path. Same messages as protocol.ts, same handlers:
// only the encoding differs.
//
// Why: bench/filter/profile.ts showed the JSON boundary as a quarter of a warm, compiled worker —
// GraalJS's JSON.parse/stringify builtins run as host code on generic string paths that the JIT
// does not specialize, and the Java side parsed every answer into maps again. A request here is
// split once (one builtin call) and indexed; the keys answer is lines of keys joined by spaces,
// which the Java side cuts apart without a parser. Match and finish still answer in general JSON:
// edits are nested values, and only events that hit have them.
//
// Request: items separated by SEP. The first item is the header: "w1p", or "w1e" when some item
// holds SEP or ESC, escaped as ESC '0' and ESC '1' (a host checks each item; log text may hold
// anything). A string that may be null is "-" (null) or "=" followed by the string.
//
//   keys:   header, meta?, then per datatype: datatype, count, that many values
//   match:  header, meta?, now, event count, per event: index, value count, per value: field
//           index, value; then the found pairs to the end: key, stored value
//   finish: header, then to the end: MISP event id, context? (MISP's JSON text)
//
// Keys answer: lines separated by "\n": the plan, then per value of the request, in its order, its
// keys separated by " " (an empty line: nothing to look up; KEYS_NULL alone: the value does not
// parse); with retro_keys, as many lines again with the hunt keys. Keys and plans are printable
// ASCII without spaces by construction (ioc/keys.ts), so neither separator nor KEYS_NULL can occur
// in one and nothing is escaped. It was one JSON array written by JSON.stringify until
// bench/filter/profile.ts showed that builtin at 16 % of a warm compiled worker: it reads every
// character through GraalJS's uncached string nodes to decide on escapes that keys never need.
import { CoreError } from './errors.js';
import { isDatatype, type Datatype } from './ioc/index.js';
import type { FinishRequest, KeysRequest, KeysResponse, MatchEvent, MatchRequest } from './protocol.js';

export const SEP = '\u0000';
/** In the keys answer: before each value's line, between a line's keys, a value that does not parse. */
export const KEYS_LINE = '\n';
export const KEYS_SEP = ' ';
export const KEYS_NULL = '\u0000';
export const ESC = '\u0001';
const PLAIN = 'w1p';
const ESCAPED = 'w1e';

function wireError(what: string): CoreError {
  return new CoreError('MISP_ENRICH_PROTOCOL', `the ${what} is not a wire message`);
}

function unescape(item: string): string {
  return item.indexOf(ESC) < 0 ? item : item.replace(/\u0001([01])/g, (_, c: string) => (c === '0' ? SEP : ESC));
}

/** The items of a request, unescaped; checks the header. */
export function readItems(text: string, what: string): string[] {
  if (typeof text !== 'string') throw wireError(what);
  const items = text.split(SEP);
  const header = items[0];
  if (header === ESCAPED) for (let i = 1; i < items.length; i++) items[i] = unescape(items[i]!);
  else if (header !== PLAIN) throw wireError(what);
  return items;
}

function optional(item: string | undefined, what: string): string | null {
  if (item === '-') return null;
  if (item === undefined || item[0] !== '=') throw wireError(what);
  return item.slice(1);
}

function count(item: string | undefined, what: string): number {
  const n = item === undefined || item === '' ? NaN : +item;
  if (!Number.isInteger(n) || n < 0) throw wireError(what);
  return n;
}

/**
 * record[key] = value as JSON.parse sets it, so that both encodings read the same: a key
 * "__proto__" becomes an own property instead of replacing the object's prototype.
 */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

export function decodeKeysRequest(text: string): KeysRequest {
  const items = readItems(text, 'keys request');
  const values: Partial<Record<Datatype, string[]>> = {};
  let at = 2;
  while (at < items.length) {
    const datatype = items[at]!;
    const n = count(items[at + 1], 'keys request');
    if (!isDatatype(datatype) || at + 2 + n > items.length) throw wireError('keys request');
    values[datatype] = items.slice(at + 2, at + 2 + n);
    at += 2 + n;
  }
  return { meta: optional(items[1], 'keys request'), values };
}

export function decodeMatchRequest(text: string): MatchRequest {
  const items = readItems(text, 'match request');
  const meta = optional(items[1], 'match request');
  const now = items[2];
  const events: MatchEvent[] = new Array(count(items[3], 'match request'));
  let at = 4;
  for (let e = 0; e < events.length; e++) {
    const index = count(items[at], 'match request');
    const values: [number, string][] = new Array(count(items[at + 1], 'match request'));
    at += 2;
    for (let v = 0; v < values.length; v++, at += 2) {
      if (at + 1 >= items.length) throw wireError('match request');
      values[v] = [count(items[at], 'match request'), items[at + 1]!];
    }
    events[e] = { index, values };
  }
  if ((items.length - at) % 2 !== 0 || now === undefined) throw wireError('match request');
  const found: Record<string, string> = {};
  for (; at < items.length; at += 2) setOwn(found, items[at]!, items[at + 1]!);
  return { meta, now, events, found };
}

/** Contexts as MISP's text (the core parses and remembers them, see enrich/text-memo.ts), or null. */
export function decodeFinishRequest(text: string): FinishRequest {
  const items = readItems(text, 'finish request');
  if (items.length % 2 !== 1) throw wireError('finish request');
  const contexts: Record<string, string | null> = {};
  for (let at = 1; at < items.length; at += 2) setOwn(contexts, items[at]!, optional(items[at + 1], 'finish request'));
  return { contexts };
}

/**
 * The keys answer (above) of a KeysResponse: the plan's line, then a line per value in the
 * request's order; with retro_keys, each value's hunt keys after them. Without retro_keys the
 * filter's path writes it straight from the values instead (enrich/value-keys.ts,
 * valueKeysAnswer: no array per value); wire.spec.ts holds the two to the same text.
 */
export function encodeKeysResponse(request: KeysRequest, response: KeysResponse): string {
  const lines: string[] = [response.plan];
  const sections = response.hunt ? [response.keys, response.hunt] : [response.keys];
  for (const section of sections) {
    for (const datatype of Object.keys(request.values) as Datatype[]) {
      for (const keys of section[datatype]!) lines.push(keys === null ? KEYS_NULL : keys.join(KEYS_SEP));
    }
  }
  return lines.join(KEYS_LINE);
}

// The host's half, for the Node host and specs (the Java shell has its own: wire/WireRequest.java writes requests, wire/KeysAnswer.java reads the keys answer).

/** Items into a request: escaped only when one of them needs it. */
export function writeItems(items: readonly string[]): string {
  let escaped = false;
  for (const item of items) if (item.indexOf(SEP) >= 0 || item.indexOf(ESC) >= 0) escaped = true;
  if (items.length === 0) return PLAIN;
  if (!escaped) return PLAIN + SEP + items.join(SEP);
  return ESCAPED + SEP + items.map((i) => i.replace(/[\u0000\u0001]/g, (c) => ESC + (c === SEP ? '0' : '1'))).join(SEP);
}

const opt = (s: string | null) => (s === null ? '-' : `=${s}`);

export function encodeKeysRequest(request: KeysRequest): string {
  const items = [opt(request.meta)];
  for (const [datatype, values] of Object.entries(request.values)) {
    items.push(datatype, String(values!.length));
    for (const value of values!) items.push(value);
  }
  return writeItems(items);
}

export function encodeMatchRequest(request: MatchRequest): string {
  const items = [opt(request.meta), request.now, String(request.events.length)];
  for (const e of request.events) {
    items.push(String(e.index), String(e.values.length));
    for (const [field, raw] of e.values) items.push(String(field), raw);
  }
  for (const [key, value] of Object.entries(request.found)) items.push(key, value);
  return writeItems(items);
}

export function encodeFinishRequest(contexts: Record<string, string | null>): string {
  const items: string[] = [];
  for (const [id, text] of Object.entries(contexts)) items.push(id, opt(text));
  return writeItems(items);
}

/** Reads a keys answer back into KeysResponse's shape, for the request it answers. */
export function decodeKeysResponse(request: KeysRequest, text: string, retro: boolean): KeysResponse {
  const all = text.split(KEYS_LINE);
  let at = 1;
  const section = (): KeysResponse['keys'] => {
    const out: KeysResponse['keys'] = {};
    for (const [datatype, values] of Object.entries(request.values) as [Datatype, string[]][]) {
      out[datatype] = values.map(() => {
        if (at >= all.length) throw wireError('keys answer');
        const line = all[at++]!;
        return line === KEYS_NULL ? null : line === '' ? [] : line.split(KEYS_SEP);
      });
    }
    return out;
  };
  const keys = section();
  const response: KeysResponse = { plan: all[0] as string, keys };
  if (retro) response.hunt = section();
  if (at !== all.length) throw wireError('keys answer');
  return response;
}
