// The bundle's entry: what a host can call. esbuild makes this module the global
// `MispEnrichCore`. Only strings cross the boundary (see protocol.ts), so hosts need no
// knowledge of JS objects beyond calling these functions.
import { parseOptions, type EnricherConfig, type EnricherOptions } from './config/options.js';
import { Batch } from './enrich/batch.js';
import { CandidateCache } from './enrich/candidate-cache.js';
import { CoreError } from './errors.js';
import { candidateProbes, isDatatype } from './ioc/index.js';
import type { BeginRequest, FinishRequest, LookupRequest } from './protocol.js';

export interface BatchPlanHandle {
  /** JSON BeginResponse. */
  keys(): string;
  /** JSON LookupRequest in, JSON LookupResponse out. */
  lookup(requestJson: string): string;
  /** JSON FinishRequest in, JSON FinishResponse out. */
  finish(requestJson: string): string;
}

export interface EnricherHandle {
  /** JSON array of the field references the host must read from each event, in order. */
  fieldRefs(): string;
  begin(requestJson: string): BatchPlanHandle;
}

function parseJson<T>(json: string, what: string): T {
  try {
    return JSON.parse(json) as T;
  } catch {
    throw new CoreError('MISP_ENRICH_PROTOCOL', `${what} is not valid JSON`);
  }
}

export function version(): string {
  return __MISP_ENRICH_VERSION__;
}

export function createEnricher(optionsJson: string): EnricherHandle {
  const options = parseJson<EnricherOptions>(optionsJson, 'the options');
  if (!options || typeof options !== 'object' || Array.isArray(options)) {
    throw new CoreError('MISP_ENRICH_CONFIG', 'the options must be a JSON object');
  }
  const config: EnricherConfig = parseOptions(options);
  const refs = JSON.stringify(config.fields.map((f) => f.ref));
  const candidates = new CandidateCache();
  return {
    fieldRefs: () => refs,
    begin(requestJson: string): BatchPlanHandle {
      const request = parseJson<BeginRequest>(requestJson, 'the begin request');
      if (!request || !Array.isArray(request.events)) {
        throw new CoreError('MISP_ENRICH_PROTOCOL', 'the begin request has no events array');
      }
      const batch = new Batch(config, { events: request.events, meta: request.meta ?? null }, candidates);
      return {
        keys: () => JSON.stringify({ keys: batch.keysToFetch() }),
        lookup: (json) => JSON.stringify(batch.lookup(parseJson<LookupRequest>(json, 'the lookup request'))),
        finish: (json) => JSON.stringify(batch.finish(parseJson<FinishRequest>(json, 'the finish request'))),
      };
    },
  };
}

/**
 * The canonical form and lookup keys of one log value, as JSON (or "null" if it does not parse).
 * Used by the golden-table specs to prove both runtimes produce the same keys; every CIDR prefix
 * length is left out so the answer does not depend on memcached contents.
 */
export function describeValue(datatype: string, raw: string): string {
  if (!isDatatype(datatype)) throw new CoreError('MISP_ENRICH_PROTOCOL', `unknown datatype '${datatype}'`);
  const c = candidateProbes(datatype, raw, { v4: [], v6: [] });
  if (!c) return 'null';
  return JSON.stringify({ datatype: c.datatype, canonical: c.canonical, keys: c.probes.map((p) => p.key) });
}
