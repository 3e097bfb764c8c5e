// The original recipe's pull, as the baseline the agent is measured against: one unpaged
// /attributes/restSearch per attribute type (the whole answer in memory at once), then one
// memcached round trip per indicator, awaited one after the other, with a 130 s TTL. Keys and
// values are the agent's own (same vocabulary), so only the fetching and writing differ.
// Prints one JSON line: attributes, keys written, duration and peak RSS.
import memjs from 'memjs';
import { parseScriptArgs, usageFailure } from '../../tools/script-args.js';
import { encodeSummary, mispIndicators, SUPPORTED_MISP_TYPES } from '../../plugin/core/ioc/index.js';

const USAGE = 'usage: baseline-pull --misp-url URL --memcached HOST:PORT (API key in MISP_API_KEY)';
const usageError = usageFailure('baseline-pull', USAGE);
const opts = parseScriptArgs('baseline-pull', USAGE, {
  options: { 'misp-url': { type: 'string' }, memcached: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
}).values;
const mispUrl = opts['misp-url'] || usageError('--misp-url is required');
const memcachedServer = opts.memcached || usageError('--memcached is required');
const client = memjs.Client.create(memcachedServer, { retries: 1, timeout: 5, logger: { log: () => undefined } });
const apiKey = process.env.MISP_API_KEY ?? '';
const started = Date.now();
let attributes = 0;
let keys = 0;
for (const type of SUPPORTED_MISP_TYPES) {
  const res = await fetch(`${mispUrl}/attributes/restSearch`, {
    method: 'POST',
    headers: { authorization: apiKey, accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ returnFormat: 'json', type }),
  });
  if (!res.ok) throw new Error(`restSearch ${type}: HTTP ${res.status}`);
  const body = (await res.json()) as { response: { Attribute: Record<string, unknown>[] } };
  for (const a of body.response.Attribute) {
    attributes++;
    const found = mispIndicators(String(a.type), String(a.value));
    const event = (a.Event ?? {}) as Record<string, unknown>;
    const value = encodeSummary([{
      uuid: String(a.uuid), type: String(a.type), category: String(a.category), value: String(a.value), to_ids: a.to_ids === true,
      event_id: String(a.event_id), event_uuid: String(event.uuid ?? ''), event_info: String(event.info ?? ''), tags: [], timestamp: Number(a.timestamp),
    }]);
    for (const ind of found?.indicators ?? []) {
      await client.set(ind.key, value, { expires: 130 });
      keys++;
    }
  }
}
client.close();
process.stdout.write(JSON.stringify({ attributes, keys, duration_ms: Date.now() - started, peak_rss_kb: process.resourceUsage().maxRSS }) + '\n');
