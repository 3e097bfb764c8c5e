/// <reference path="./runtime-env.d.ts" />
// The bundle's entry: what a host can call. esbuild makes this module the global
// `MispEnrichCore`. Only strings cross the boundary (see protocol.ts), so hosts need no
// knowledge of JS objects beyond calling these functions.
import { parseOptions, RETRO_KEYS_FIELD, type EnricherConfig, type EnricherOptions } from './config/options.js';
import { BatchMatch, newMatchMemo } from './enrich/batch-match.js';
import { LEGACY_MISS } from './enrich/legacy-output.js';
import { valueKeys, valueKeysAnswer } from './enrich/value-keys.js';
import { CoreError } from './errors.js';
import { candidateProbes, HUNT_MARKER, isDatatype, META_KEY } from './ioc/index.js';
import type { EnricherInfo, FinishRequest, KeysRequest, MatchRequest, MatchResponse } from './protocol.js';
import { decodeFinishRequest, decodeKeysRequest, decodeMatchRequest, encodeKeysResponse } from './wire.js';

/** One enricher per host thread (GraalJS Context): at most one batch between match and finish. */
export interface EnricherHandle {
  /** JSON EnricherInfo. */
  describe(): string;
  /** JSON KeysRequest in, JSON KeysResponse out. */
  keys(requestJson: string): string;
  /** JSON MatchRequest in, JSON MatchResponse out. */
  match(requestJson: string): string;
  /** JSON FinishRequest in, JSON FinishResponse out: the batch of the last match() call. */
  finish(requestJson: string): string;
  /** keys() with the request and the answer in wire.ts's flat text: the hosts' per-batch path. */
  keysWire(request: string): string;
  /** match() with the request in wire.ts's flat text; answers JSON as match() does. */
  matchWire(request: string): string;
  /** finish() with the request in wire.ts's flat text (contexts as MISP's text); answers JSON. */
  finishWire(request: string): string;
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

function describe(config: EnricherConfig): EnricherInfo {
  return {
    fields: config.fields.map((f) => ({ ref: f.ref, datatype: f.datatype })),
    meta_key: META_KEY,
    unmatched:
      config.ecsCompatibility === 'disabled'
        ? { append: [], set: [[`${config.target}[hit]`, LEGACY_MISS]], tags: [], matched: false }
        : null,
    lookup_failed: { append: [], set: [], tags: [...config.tagOnFailure], matched: false },
    retro_keys: config.retroKeys ? { field: RETRO_KEYS_FIELD, marker: HUNT_MARKER } : null,
    misp_instances: config.instances.map((i) => ({
      name: i.name, url: i.mispUrl, api_key_file: i.apiKeyFile, ca_file: i.caFile ?? null, insecure: i.insecure ?? null, proxy: i.proxy ?? null,
    })),
  };
}

export function createEnricher(optionsJson: string): EnricherHandle {
  const options = parseJson<EnricherOptions>(optionsJson, 'the options');
  if (!options || typeof options !== 'object' || Array.isArray(options)) {
    throw new CoreError('MISP_ENRICH_CONFIG', 'the options must be a JSON object');
  }
  const config: EnricherConfig = parseOptions(options);
  const info = JSON.stringify(describe(config));
  // Between match and finish: the one batch waiting for its contexts. Across batches: what the
  // enricher read from summaries and contexts it is handed again (text-memo.ts).
  let pending: BatchMatch | null = null;
  const memo = newMatchMemo();
  const keys = (request: KeysRequest) => valueKeys(request, config.retroKeys);
  const match = (request: MatchRequest): string => {
    pending = null;
    const batch = new BatchMatch(config, request, memo);
    const ids = batch.contextIds();
    const response: MatchResponse = { event_ids: ids };
    if (ids.length === 0) response.result = batch.finish(undefined);
    else pending = batch;
    return JSON.stringify(response);
  };
  const finish = (request: FinishRequest): string => {
    const batch = pending;
    if (!batch) throw new CoreError('MISP_ENRICH_PROTOCOL', 'finish called without a match waiting for contexts');
    pending = null;
    return JSON.stringify(batch.finish(request.contexts));
  };
  return {
    describe: () => info,
    keys: (json) => JSON.stringify(keys(parseJson<KeysRequest>(json, 'the keys request'))),
    match: (json) => match(parseJson<MatchRequest>(json, 'the match request')),
    finish: (json) => finish(parseJson<FinishRequest>(json, 'the finish request')),
    keysWire(text) {
      const request = decodeKeysRequest(text);
      return config.retroKeys ? encodeKeysResponse(request, keys(request)) : valueKeysAnswer(request);
    },
    matchWire: (text) => match(decodeMatchRequest(text)),
    finishWire: (text) => finish(decodeFinishRequest(text)),
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
  return JSON.stringify({ datatype: c.datatype, canonical: c.canonical, keys: c.keys });
}
