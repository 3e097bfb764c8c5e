// What the retro-hunt specs share: past events from the demo's five log sources, put through the
// real plugin jar as a pipeline with misp_enrich writes them, and indexed with the shipped
// templates into daily indices; MISP events as the spec adds them; and the alerts read back.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { loadDemoDataset, DEMO_DATA_DIR } from '../../../demo/demo-dataset.js';
import { generateStream } from '../../../demo/demo-stream.js';
import { runFilter } from '../../plugin-java/harness.js';
import { osRequest } from '../../../tools/opensearch.js';

const ROOT = resolve(import.meta.dirname, '../../..');
export const COMPONENT = JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/component-template.json'), 'utf8'));
export const INDEX_TEMPLATE = JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/index-template.json'), 'utf8'));
export const RETRO_TEMPLATE = JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/retro-index-template.json'), 'utf8'));
const DAY = 86_400_000;

type Json = Record<string, any>;

/** The templates an admin installs (README, "Elasticsearch and Kibana"). */
export async function installTemplates(url: string): Promise<void> {
  await osRequest(url, 'PUT', '/_component_template/misp-enrich', COMPONENT);
  await osRequest(url, 'PUT', '/_index_template/misp-enrich', INDEX_TEMPLATE);
}

/**
 * `count` events of the demo stream (DNS, proxy, firewall, EDR, mail), each with a `seq`, spread
 * evenly over the `days` days before now, from an hour after the start of that window (so the
 * oldest is still in a hunt's window of `days` days for an hour) to an hour ago, plus the spec's
 * own extra events.
 */
export function pastEvents(count: number, days: number, extra: Record<string, unknown>[] = [], seed = 20261204): Json[] {
  const stream = generateStream(loadDemoDataset(), { count, seed }).map((s) => s.event);
  const all = [...stream, ...extra];
  const HOUR = 3_600_000;
  const start = Date.now() - days * DAY + HOUR;
  const step = (days * DAY - 2 * HOUR) / all.length;
  return all.map((e, i) => ({ ...e, '@timestamp': new Date(start + i * step).toISOString(), seq: i }));
}

/** The daily index the README's pipeline writes an event to. */
export const dailyIndex = (e: Json) => `misp-enrich-${String(e['@timestamp']).slice(0, 10).replaceAll('-', '.')}`;

/** Events through the plugin jar (one worker per 50k, batches of 125) with these settings. */
export async function throughFilter(events: Json[], settings: Record<string, unknown>): Promise<Json[]> {
  const r = await runFilter({ settings, events, workers: 2 });
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  expect(r.events).toHaveLength(events.length);
  return r.events;
}

/** Bulk-indexes events (`_id` = their seq) into `index(e)`, refreshed. */
export async function indexEvents(url: string, events: Json[], index: (e: Json) => string = dailyIndex): Promise<void> {
  for (let from = 0; from < events.length; from += 5_000) {
    let body = '';
    for (const e of events.slice(from, from + 5_000)) body += `${JSON.stringify({ index: { _index: index(e), _id: String(e.seq) } })}\n${JSON.stringify(e)}\n`;
    const r = await osRequest<Json>(url, 'POST', '/_bulk', body, true);
    expect(r.errors, JSON.stringify((r.items as Json[]).find((it) => Object.values(it)[0].error))).toBe(false);
  }
  await osRequest(url, 'POST', '/_refresh');
}

/** The (event seq, attribute uuid) pairs of the filter's enrichments, with each pair's entries. */
export function enrichedPairs(events: Json[]): Map<string, Json[]> {
  const out = new Map<string, Json[]>();
  for (const e of events) {
    for (const entry of (e.threat?.enrichments ?? []) as Json[]) {
      const key = `${e.seq} ${entry.matched.id}`;
      out.set(key, [...(out.get(key) ?? []), entry]);
    }
  }
  return out;
}

/** Every alert of the alerts index, by "<source id> <attribute uuid>" (duplicates kept apart). */
export async function alertsByPair(url: string, index = 'misp-enrich-retro'): Promise<{ byPair: Map<string, Json[]>; total: number }> {
  await osRequest(url, 'POST', `/${index}/_refresh`).catch(() => undefined);
  const byPair = new Map<string, Json[]>();
  let total = 0;
  let after: unknown[] | undefined;
  for (;;) {
    const r = await osRequest<Json>(url, 'POST', `/${index}/_search`, {
      size: 5_000,
      sort: [{ 'misp_enrich.retro.source.index': 'asc' }, { 'misp_enrich.retro.source.id': 'asc' }, { 'misp_enrich.retro.attribute.uuid': 'asc' }],
      ...(after ? { search_after: after } : {}),
      // No alerts index yet, or one just created whose primary shard is not active yet (a 503
      // "all shards failed" that names no failed shard): no alert to be read yet either way.
    }).catch((err: Error) => (/index_not_found|HTTP 503 .*"all shards failed".*"failed_shards":\[\]/.test(err.message) ? { hits: { hits: [] } } : Promise.reject(err)));
    const hits = r.hits.hits as Json[];
    if (hits.length === 0) break;
    for (const h of hits) {
      const s = h._source;
      const key = `${s.misp_enrich.retro.source.id} ${s.misp_enrich.retro.attribute.uuid}`;
      byPair.set(key, [...(byPair.get(key) ?? []), s]);
      total++;
    }
    after = hits[hits.length - 1]!.sort;
  }
  return { byPair, total };
}

/** A demo MISP event file's content, as MISP would show it when created now. */
export function demoEventNow(file: string, now = Math.floor(Date.now() / 1000)): Json {
  const ev = JSON.parse(readFileSync(join(DEMO_DATA_DIR.pathname, file), 'utf8'));
  return restamp(ev, now);
}

/** An event and its attributes with timestamps set to `now` (MISP sets them when they change). */
export function restamp(ev: Json, now = Math.floor(Date.now() / 1000)): Json {
  const e = structuredClone(ev);
  e.Event.timestamp = String(now);
  e.Event.publish_timestamp = String(now);
  for (const a of [...(e.Event.Attribute ?? []), ...(e.Event.Object ?? []).flatMap((o: Json) => o.Attribute ?? [])]) a.timestamp = String(now);
  return e;
}

export const DEMO_EVENT_FILES = readdirSync(DEMO_DATA_DIR.pathname).filter((f) => f.endsWith('.json')).sort();

/** An enrichment entry without what depends on the moment or the MISP instance's address. */
export function comparable(entry: Json): Json {
  const e = structuredClone(entry);
  delete e.matched?.occurred;
  delete e.indicator?.modified_at;
  delete e.indicator?.reference;
  return e;
}
