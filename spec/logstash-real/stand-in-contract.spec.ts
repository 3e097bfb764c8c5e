// The stand-in kept honest: one varied stream — every datatype, misses, and the odd events real
// log sources send — through the stand-in for Logstash (testbed/harness, runFilter) AND
// through Logstash's own classes (testbed/logstash-real), with the same options and Logstash's
// common options (add_field, add_tag, remove_field, remove_tag). The output must be the same per
// event, apart from the values Logstash fills with the current time (matched.occurred, and
// @timestamp where the event brought none it could parse).
import { beforeAll, expect, it } from 'vitest';
import { useSeededMemcached } from '../support/seeded-memcached.js';
import { attribute } from '../support/summaries.js';
import { runFilter, type RunResult } from '../plugin-java/harness.js';
import { CASES } from '../support/datatype-cases.js';
import { assertRealBuilt, describeOnLogstash, runReal } from './support/real-logstash.js';

const TS = '2026-01-02T03:04:05.678Z';

const HITS = CASES;
const IP_HIT = HITS[0]!.event;

/** Each event of the stream, and whether Logstash stamps it with the current time. */
const STREAM: { event: Record<string, unknown>; stampedNow?: boolean }[] = [
  // Every datatype, with the common options' inputs: a tag to remove, a field to remove, a field to add to.
  ...HITS.map((h) => ({ event: { '@timestamp': TS, ...h.event, tags: ['drop', 'keep'], remove_me: 1, seen: 'before' } })),
  // Misses, with every JSON type, nested arrays, nulls and a field named with dots.
  { event: { message: 'no timestamp at all' }, stampedNow: true },
  { event: { '@timestamp': TS, nested: [[1, 2], [3, [4, { a: null }]]], n: null, ratio: 0.5, big: 1e300, ok: false, 'a.b': 'dots', remove_me: 2, tags: ['drop'] } },
  { event: { '@timestamp': TS, destination: 'a string where a map is expected', source: { ip: 12345 }, '@version': 7, type: 'odd' } },
  { event: {}, stampedNow: true },
  // [threat] already taken: a list, a string, a map with a string or a list of enrichments.
  { event: { '@timestamp': TS, ...IP_HIT, threat: ['a', 'b'] } },
  { event: { '@timestamp': TS, ...IP_HIT, threat: 'phishing' } },
  { event: { '@timestamp': TS, ...IP_HIT, threat: { enrichments: 'a string' } } },
  { event: { '@timestamp': TS, ...IP_HIT, threat: { enrichments: [{ earlier: true }] } } },
  // @timestamp as a date only (Logstash reads it as midnight), and one it cannot read.
  { event: { '@timestamp': '2026-11-01', ...IP_HIT } },
  { event: { '@timestamp': 'yesterday', ...IP_HIT }, stampedNow: true },
  // tags that are not strings: Logstash moves them to _tags and tags the event _tagsparsefailure.
  { event: { '@timestamp': TS, ...IP_HIT, tags: 7 } },
  { event: { '@timestamp': TS, tags: { a: 1 } } },
  { event: { '@timestamp': TS, ...IP_HIT, tags: ['x', 1] } },
  { event: { '@timestamp': TS, ...IP_HIT, tags: 'drop' } },
  // An integer past 64 bits (JSON.stringify writes it as 12345678901234567000), a lone surrogate.
  { event: { '@timestamp': TS, ...IP_HIT, big: 12345678901234567890 } },
  { event: { '@timestamp': TS, message: 'x\ud800y', ...IP_HIT } },
  // Logstash cuts a text of up to 1,024 characters at an unpaired surrogate, and puts '?' in place
  // of each one in a longer text.
  { event: { '@timestamp': TS, at1024: `x\ud800${'i'.repeat(1022)}`, at1025: `x\ud800${'i'.repeat(1023)}`, pair: '\ud83d\ude00\udc00z', long: `\udc00\ud800${'j'.repeat(2000)}\ud800` } },
  // @metadata (never written out, readable by add_field), a hit inside an array.
  { event: { '@timestamp': TS, '@metadata': { origin: 'meta' }, destination: { ip: ['192.0.2.1', '203.0.113.77'] } } },
];

// add_field with a date format of the event's @timestamp, field references, @metadata and tags;
// add_tag with a reference; remove_tag and remove_field.
const COMMON = {
  add_field: { year: '%{+yyyy}', day: '%{+YYYY.MM.dd}', seen: 'ip %{[destination][ip]}', origin: '%{[@metadata][origin]}', tag_list: '%{tags}', missing: '%{[no][such]}' },
  add_tag: ['misp_hit', 'type_%{type}'],
  remove_tag: ['drop'],
  remove_field: ['remove_me'],
};

/** What may differ: the current time where Logstash filled it in. */
function comparable(r: RunResult): unknown[] {
  return r.events.map((e, i) => {
    const copy = JSON.parse(JSON.stringify(e, (k, v) => (k === 'occurred' ? '<now>' : v)));
    if (STREAM[i]?.stampedNow) {
      copy['@timestamp'] = '<now>';
      if (copy.year) copy.year = '<now>';
      if (copy.day) copy.day = '<now>';
    }
    return copy;
  });
}

describeOnLogstash('the stand-in and Logstash give the same output per event', () => {
  const mc = useSeededMemcached(assertRealBuilt, () => HITS.map((h) => attribute(h.type, h.value, { event_id: '42' })));
  let standIn: RunResult;
  let logstash: RunResult;

  beforeAll(async () => {
    const settings = { memcached_hosts: [mc.address], fetch_context: false, id: 'misp_contract', ...COMMON };
    const events = STREAM.map((s, seq) => ({ ...s.event, seq }));
    [standIn, logstash] = await Promise.all([runFilter({ settings, events }), runReal({ settings, events })]);
  });

  it('runs the stream to the end on both', () => {
    expect(standIn.code, standIn.stderr).toBe(0);
    expect(logstash.code, logstash.stderr).toBe(0);
    expect(standIn.events).toHaveLength(STREAM.length);
    expect(logstash.events).toHaveLength(STREAM.length);
  });

  it.each(STREAM.map((s, i) => ({ i, label: String(i), event: JSON.stringify(s.event).slice(0, 120) })))('event $label: $event', ({ i }) => {
    expect(logstash.events[i], 'Logstash wrote no such event').toBeDefined();
    expect(comparable(standIn)[i]).toEqual(comparable(logstash)[i]);
  });
});
