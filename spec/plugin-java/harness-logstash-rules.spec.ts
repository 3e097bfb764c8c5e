// The stand-in for Logstash (testbed/harness) follows Logstash's own rules for what a log
// source can send and for the common options, as observed on Logstash's classes (the contract in
// spec/logstash-real/stand-in-contract.spec.ts checks the two agree; this spec keeps the rules
// checked where ../shared, and so Logstash's classes, is absent).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { assertJarsBuilt, runFilter, seed, type RunResult } from './harness.js';

const TS = '2026-01-02T03:04:05.678Z';
const HIT = { destination: { ip: '203.0.113.7' } };

let mc: MemcachedProcess;
let r: RunResult;

/** Each event, and what Logstash makes of it. */
const EVENTS: Record<string, unknown>[] = [
  /* 0 */ { '@timestamp': '2026-11-01', message: 'a date alone is midnight, in the machine\'s zone' },
  /* 1 */ { '@timestamp': 'yesterday' },
  /* 2 */ { '@timestamp': TS, tags: 7 },
  /* 3 */ { '@timestamp': TS, tags: ['x', 1] },
  /* 4 */ { '@timestamp': TS, big: 12345678901234567890 },
  /* 5 */ { '@timestamp': TS, short: 'x\ud800y', at1024: `x\ud800${'i'.repeat(1022)}`, at1025: `x\ud800${'i'.repeat(1023)}` },
  /* 6 */ { '@timestamp': TS, ...HIT, tags: 'drop', seen: 'before' },
  /* 7 */ { '@timestamp': TS, ...HIT, tags: ['drop', 'keep'], remove_me: 1 },
  /* 8 */ { '@timestamp': TS, ...HIT, threat: ['a', 'b'] },
];

beforeAll(async () => {
  assertJarsBuilt();
  mc = await startMemcached();
  await seed(mc.address, entriesFor([attribute('ip-dst', '203.0.113.7')]));
  r = await runFilter({
    settings: {
      memcached_hosts: [mc.address], fetch_context: false, id: 'rules',
      add_field: { year: '%{+yyyy}', day: '%{+YYYY.MM.dd}', seen: 'ip %{[destination][ip]}', tag_list: '%{tags}', missing: '%{[no][such]}' },
      add_tag: ['misp_hit'],
      remove_tag: ['drop'],
      remove_field: ['remove_me'],
    },
    events: EVENTS,
  });
});

afterAll(async () => mc?.stop());

describe('the stand-in keeps Logstash\'s rules', () => {
  it('runs every event through', () => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(EVENTS.length);
  });

  it('reads an ISO 8601 date alone as @timestamp, and tags what it cannot read', () => {
    expect(Date.parse(r.events[0]!['@timestamp'])).toBe(new Date(2026, 10, 1).getTime());
    expect(r.events[0]!.tags).toBeUndefined();
    expect(r.events[1]!.tags).toEqual(['_timestampparsefailure']);
    expect(r.events[1]!['_@timestamp']).toBe('yesterday');
  });

  it('moves tags that are not text to _tags, tagged _tagsparsefailure', () => {
    expect(r.events[2]).toMatchObject({ tags: ['_tagsparsefailure'], _tags: [7] });
    expect(r.events[3]).toMatchObject({ tags: ['_tagsparsefailure'], _tags: [['x', 1]] });
  });

  it('keeps an integer past 64 bits', () => {
    expect(r.events[4]!.big).toBe(12345678901234567890);
  });

  it('cuts a text of up to 1,024 characters at an unpaired surrogate, and puts ? for one in a longer text', () => {
    expect(r.events[5]!.short).toBe('x');
    expect(r.events[5]!.at1024).toBe('x');
    expect(r.events[5]!.at1025).toBe(`x?${'i'.repeat(1023)}`);
  });

  it('applies add_field, add_tag, remove_field and remove_tag to a match as Logstash does', () => {
    const [scalar, list] = [r.events[6]!, r.events[7]!];
    expect(scalar.threat.enrichments).toHaveLength(1);
    // A scalar tags is made a list by add_tag, so remove_tag applies to it.
    expect(scalar.tags).toEqual(['misp_hit']);
    expect(scalar.seen).toEqual(['before', 'ip 203.0.113.7']);
    expect(scalar.year).toBe('2026');
    expect(scalar.day).toBe('2026.01.02');
    expect(scalar.missing).toBe('%{[no][such]}');
    expect(list.tags).toEqual(['keep', 'misp_hit']);
    expect(list.remove_me).toBeUndefined();
  });

  it('drops a write under a list without a word (the plugin sees its enrichment missing)', () => {
    expect(r.events[8]!.threat).toEqual(['a', 'b']);
    expect(r.events[8]!.tags).toEqual(['_misp_enrich_apply_failure']);
  });

  it('keeps the plugin\'s metrics under [plugins][filters][ID], with Logstash\'s own name and events beside them', () => {
    const m = r.report!.metrics;
    expect(m['plugins.filters.rules.name']).toBe('misp_enrich');
    expect(m['plugins.filters.rules.events.in']).toBe(EVENTS.length);
    expect(m['plugins.filters.rules.events.out']).toBe(EVENTS.length);
    expect(m['plugins.filters.rules.matched']).toBeGreaterThanOrEqual(2);
  });
});
