// The first call of a batch: the lookup keys of each value the host has not seen before. What a
// value's keys are depends on the value, its datatype, the key scheme and the CIDR prefix lengths
// in use (from the meta value); `plan` names the last two, so the host knows when the keys it
// remembers are stale.
import { CoreError } from '../errors.js';
import { candidateKeys, decodeMeta, huntKeys, isDatatype, isDottedQuad, KEY_PREFIX, v4Keys, type PrefixPlan } from '../ioc/index.js';
import type { KeysRequest, KeysResponse } from '../protocol.js';

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

/** The keys of each new value; with `retro`, also the hunt keys each value is found by later. */
export function valueKeys(request: KeysRequest, retro = false): KeysResponse {
  const plan = prefixPlanOf(request.meta ?? null);
  const values = request.values;
  if (!values || typeof values !== 'object') throw new CoreError('MISP_ENRICH_PROTOCOL', 'the keys request has no values');
  const out: KeysResponse['keys'] = {};
  const hunt: NonNullable<KeysResponse['hunt']> = {};
  for (const datatype of Object.keys(values)) {
    const list = (values as Record<string, unknown>)[datatype];
    if (!isDatatype(datatype) || !Array.isArray(list)) {
      throw new CoreError('MISP_ENRICH_PROTOCOL', `the keys request has no list of '${datatype}' values`);
    }
    const keys = new Array<readonly string[] | null>(list.length);
    const ip = datatype === 'ip';
    for (let i = 0; i < list.length; i++) {
      const raw: unknown = list[i];
      if (typeof raw !== 'string') keys[i] = null;
      // Most values of an IP field: a dotted quad (never blank), whose keys need no other test.
      // candidateKeys would decide the same, two interpreted calls later.
      else if (ip && isDottedQuad(raw)) keys[i] = v4Keys(raw, plan);
      else if (raw.trim() === '') keys[i] = NOTHING;
      else {
        keys[i] = candidateKeys(datatype, raw, plan);
      }
    }
    out[datatype] = keys as (string[] | null)[];
    if (retro) hunt[datatype] = list.map((raw: unknown, i) => (keys[i] === null || keys[i] === NOTHING ? (keys[i] as string[] | null) : huntKeys(datatype, raw as string)));
  }
  return retro ? { plan: planName(plan), keys: out, hunt } : { plan: planName(plan), keys: out };
}
