// The first call of a batch: the lookup keys of each value the host has not seen before. What a
// value's keys are depends on the value, its datatype, the key scheme and the CIDR prefix lengths
// in use (from the meta value); `plan` names the last two, so the host knows when the keys it
// remembers are stale.
import { CoreError } from '../errors.js';
import { appendV4Keys, candidateKeys, decodeMeta, huntKeys, isDatatype, isDottedQuad, KEY_PREFIX, PLAIN_KEY_PREFIXES, v4Keys, type Datatype, type PrefixPlan } from '../ioc/index.js';
import type { KeysRequest, KeysResponse } from '../protocol.js';
import { KEYS_LINE, KEYS_NULL, KEYS_SEP } from '../wire.js';

// The meta value changes once per agent sync while batches come by the thousand: its plan is
// decoded once per value, not once per call (a pure memo of the last one).
let memoMeta: string | null | undefined;
let memoPlan: PrefixPlan | null = null;

/** Prefix lengths to probe for this meta value: null (every length) before the host has looked. */
export function prefixPlanOf(meta: string | null): PrefixPlan | null {
  if (meta !== memoMeta) {
    memoPlan = meta === null ? null : meta === '' ? { v4: [], v6: [] } : (decodeMeta(meta)?.prefixes ?? null);
    memoMeta = meta;
  }
  return memoPlan;
}

export function planName(plan: PrefixPlan | null): string {
  return plan ? `${KEY_PREFIX}${plan.v4.join(',')}|${plan.v6.join(',')}` : `${KEY_PREFIX}*`;
}

const NOTHING: readonly string[] = [];

/** The request's lists of values by datatype, checked: what both writers below read. */
function valueLists(request: KeysRequest): [Datatype, unknown[]][] {
  const values = request.values;
  if (!values || typeof values !== 'object') throw new CoreError('MISP_ENRICH_PROTOCOL', 'the keys request has no values');
  const lists: [Datatype, unknown[]][] = [];
  for (const datatype of Object.keys(values)) {
    const list = (values as Record<string, unknown>)[datatype];
    if (!isDatatype(datatype) || !Array.isArray(list)) {
      throw new CoreError('MISP_ENRICH_PROTOCOL', `the keys request has no list of '${datatype}' values`);
    }
    lists.push([datatype, list]);
  }
  return lists;
}

/** A value's keys: null when it does not parse (or is not text), NOTHING when it is blank. */
function keysOf(datatype: Datatype, raw: unknown, plan: PrefixPlan | null): readonly string[] | null {
  if (typeof raw !== 'string') return null;
  if (raw.trim() === '') return NOTHING;
  return candidateKeys(datatype, raw, plan);
}

/** The keys of each new value; with `retro`, also the hunt keys each value is found by later. */
export function valueKeys(request: KeysRequest, retro = false): KeysResponse {
  const plan = prefixPlanOf(request.meta ?? null);
  const out: KeysResponse['keys'] = {};
  const hunt: NonNullable<KeysResponse['hunt']> = {};
  for (const [datatype, list] of valueLists(request)) {
    const keys = new Array<readonly string[] | null>(list.length);
    const ip = datatype === 'ip';
    for (let i = 0; i < list.length; i++) {
      const raw: unknown = list[i];
      // Most values of an IP field: a dotted quad (never blank), whose keys need no other test.
      keys[i] = ip && typeof raw === 'string' && isDottedQuad(raw) ? v4Keys(raw, plan) : keysOf(datatype, raw, plan);
    }
    out[datatype] = keys as (string[] | null)[];
    if (retro) hunt[datatype] = list.map((raw: unknown, i) => (keys[i] === null || keys[i] === NOTHING ? (keys[i] as string[] | null) : huntKeys(datatype, raw as string)));
  }
  return retro ? { plan: planName(plan), keys: out, hunt } : { plan: planName(plan), keys: out };
}

const LINE_IP_KEY = KEYS_LINE + PLAIN_KEY_PREFIXES.ip;
const SEP_NET_KEY = KEYS_SEP + PLAIN_KEY_PREFIXES.net;
const LINE_NULL = KEYS_LINE + KEYS_NULL;

/**
 * valueKeys(request) (no hunt keys) written straight as wire.ts's keys answer: the filter's path,
 * once per new value. Each key goes into one list with its separator before it and the answer is
 * one join: no array per value, and a dotted quad in an IP field (most new values) goes to its
 * keys with no other test. In GraalJS's interpreter every call costs; compiled, JSON.stringify
 * of arrays read every character to escape none (bench/filter/README.md).
 */
export function valueKeysAnswer(request: KeysRequest): string {
  const plan = prefixPlanOf(request.meta ?? null);
  const out: string[] = [planName(plan)];
  for (const [datatype, list] of valueLists(request)) {
    const ip = datatype === 'ip';
    for (let i = 0; i < list.length; i++) {
      const raw: unknown = list[i];
      if (ip && typeof raw === 'string' && isDottedQuad(raw)) appendV4Keys(out, LINE_IP_KEY, SEP_NET_KEY, raw, plan);
      else {
        const keys = keysOf(datatype, raw, plan);
        out.push(keys === null ? LINE_NULL : KEYS_LINE + keys.join(KEYS_SEP));
      }
    }
  }
  return out.join('');
}
