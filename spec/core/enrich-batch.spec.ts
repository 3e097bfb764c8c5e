// The enrichment rules of the core, through the esbuild bundle, one batch at a time.
import { describe, expect, it } from 'vitest';
import { loadCore } from '../../plugin/node-host/core-loader.js';
import { runPure } from '../support/pure-host.js';
import { attribute, entriesFor } from '../support/summaries.js';

const core = loadCore();
const CTX = { '42': { id: '42', info: 'OSINT - Example campaign (context)', Orgc: { name: 'CIRCL' }, Tag: [{ name: 'tlp:green' }, { name: 'Feed-example' }] } };
const opts = { misp_url: 'https://misp.example', fetch_context: true };

type Json = Record<string, any>;
const enrichments = (e: Json) => (e.threat?.enrichments ?? []) as Json[];

describe('enrichment of every datatype (default ECS fields)', () => {
  const store = entriesFor([
    attribute('ip-dst', '203.0.113.9'),
    attribute('ip-dst|port', '2001:db8::bad|443'),
    attribute('domain', 'loader-cdn.net'),
    attribute('hostname', 'c2.exfil.example'),
    attribute('url', 'http://stage.example/drop/payload.bin'),
    attribute('md5', 'a0dc5723d3e20e93b48a960b31c984c0', { category: 'Payload delivery' }),
    attribute('sha1', '08d7b5b8c9375e6d8ed7201dcb40d741d4d7866c'),
    attribute('filename|sha256', 'IEChecker.exe|7a200c4df99887991c638fe625d07a4a3fc2bdc887112437752b3df5c8da79b6'),
    attribute('sha512', 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e'),
    attribute('email-src', 'phish@mail.example'),
  ]);
  const cases: [string, Json, Json][] = [
    ['ipv4', { destination: { ip: '203.0.113.9' } }, { type: 'ipv4-addr', ip: '203.0.113.9' }],
    ['ipv6 from ip-dst|port', { source: { ip: '2001:DB8:0::BAD' } }, { type: 'ipv6-addr', ip: '2001:db8::bad' }],
    ['domain suffix', { dns: { question: { name: 'a7.eu.Loader-CDN.net.' } } }, { type: 'domain-name', url: { domain: 'loader-cdn.net' } }],
    ['hostname exact', { url: { domain: 'C2.exfil.example' } }, { type: 'domain-name', url: { domain: 'c2.exfil.example' } }],
    ['url', { url: { full: 'https://stage.example:443/drop/payload.bin#x' } }, { type: 'url', url: { full: 'http://stage.example/drop/payload.bin' } }],
    ['md5', { file: { hash: { md5: 'A0DC5723D3E20E93B48A960B31C984C0' } } }, { type: 'file', file: { hash: { md5: 'a0dc5723d3e20e93b48a960b31c984c0' } } }],
    ['sha1', { file: { hash: { sha1: '08d7b5b8c9375e6d8ed7201dcb40d741d4d7866c' } } }, { type: 'file' }],
    ['sha256 from filename|sha256', { file: { hash: { sha256: '7a200c4df99887991c638fe625d07a4a3fc2bdc887112437752b3df5c8da79b6' } } }, { type: 'file' }],
    ['sha512', { file: { hash: { sha512: 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e' } } }, { type: 'file' }],
    ['email', { email: { from: { address: 'Phish@Mail.Example' } } }, { type: 'email-addr', email: { address: 'phish@mail.example' } }],
  ];
  it.each(cases)('%s', (_name, event, indicator) => {
    const run = runPure(core, opts, [structuredClone(event)], store, CTX);
    const [entry] = enrichments(run.events[0]!);
    expect(entry).toBeDefined();
    expect(entry!.indicator).toMatchObject({
      ...indicator,
      provider: 'CIRCL',
      description: 'OSINT - Example campaign (context)',
      reference: 'https://misp.example/events/view/42',
      marking: { tlp: 'AMBER' },
    });
    expect(entry!.matched).toMatchObject({ type: 'indicator_match_rule', occurred: '2026-11-22T10:00:00.000Z' });
    expect(entry!.misp.tags).toEqual(['tlp:amber', 'tlp:green', 'Feed-example']);
    expect(run.result.changes[0]!.matched).toBe(true);
  });

  it('writes matched.atomic as the event had it and matched.field the ECS way', () => {
    const run = runPure(core, opts, [{ dns: { question: { name: 'a7.eu.Loader-CDN.net.' } } }], store, CTX);
    expect(enrichments(run.events[0]!)[0]!.matched).toMatchObject({ atomic: 'a7.eu.Loader-CDN.net.', field: 'dns.question.name' });
  });
});

describe('matching rules', () => {
  it('matches CIDR indicators by containment, probing only the prefix lengths in use', () => {
    const store = entriesFor([attribute('ip-src', '198.51.100.0/24'), attribute('ip-dst', '2001:db8:abcd::/48')]);
    const meta = store.get('me1:meta')!;
    const run = runPure(core, opts, [{ source: { ip: '198.51.100.77' } }, { source: { ip: '2001:db8:abcd:1::5' } }, { source: { ip: '198.51.101.1' } }], store, CTX, meta);
    expect(enrichments(run.events[0]!)[0]!.indicator.ip).toBe('198.51.100.77');
    expect(enrichments(run.events[0]!)[0]!.misp.attribute.value).toBe('198.51.100.0/24');
    expect(enrichments(run.events[1]!)).toHaveLength(1);
    expect(run.events[2]).toEqual({ source: { ip: '198.51.101.1' } });
    // exact address + one /24 probe + one /48 probe + meta: no other prefix is probed.
    expect(run.keys.filter((k) => k.startsWith('me1:net:'))).toEqual(['me1:net:198.51.100.0/24', 'me1:net:2001:db8:abcd::/48', 'me1:net:198.51.101.0/24']);
  });

  it('still finds CIDR hits before it has seen the meta key (every length probed)', () => {
    const store = entriesFor([attribute('ip-src', '198.51.100.0/24')]);
    const run = runPure(core, opts, [{ source: { ip: '198.51.100.77' } }], store, CTX, null);
    expect(enrichments(run.events[0]!)).toHaveLength(1);
    expect(run.lookup.meta).toBe(store.get('me1:meta'));
  });

  it('an address inside two networks gives two entries; a value of two attributes gives two', () => {
    const store = entriesFor([
      attribute('ip-src', '198.51.100.0/24'),
      attribute('ip-dst', '198.51.0.0/16'),
      attribute('domain', 'evil.example', { uuid: 'aaaaaaaa-0000-4000-8000-000000000001' }),
      attribute('domain|ip', 'evil.example|192.0.2.1', { uuid: 'aaaaaaaa-0000-4000-8000-000000000002' }),
    ]);
    const run = runPure(core, opts, [{ source: { ip: '198.51.100.77' } }, { url: { domain: 'www.evil.example' } }], store, CTX, store.get('me1:meta')!);
    expect(enrichments(run.events[0]!).map((e) => e.misp.attribute.value).sort()).toEqual(['198.51.0.0/16', '198.51.100.0/24']);
    expect(enrichments(run.events[1]!).map((e) => e.matched.id).sort()).toEqual(['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002']);
  });

  it('matches domains on label boundaries only', () => {
    const store = entriesFor([attribute('domain', 'evil.example')]);
    const run = runPure(core, opts, [{ url: { domain: 'notevil.example' } }, { url: { domain: 'evil.example' } }], store, CTX);
    expect(run.events[0]).toEqual({ url: { domain: 'notevil.example' } });
    expect(enrichments(run.events[1]!)).toHaveLength(1);
  });

  it('hostname fields match hostname indicators exactly, not domain parents', () => {
    const store = entriesFor([attribute('domain', 'evil.example'), attribute('hostname', 'www.evil.example')]);
    const fields = { '[host][name]': 'hostname' };
    const run = runPure(core, { ...opts, fields }, [{ host: { name: 'a.evil.example' } }, { host: { name: 'WWW.evil.example' } }], store, CTX);
    expect(run.events[0]).toEqual({ host: { name: 'a.evil.example' } });
    expect(enrichments(run.events[1]!)[0]!.misp.attribute.type).toBe('hostname');
  });

  it('reads every value of an array field', () => {
    const store = entriesFor([attribute('email-dst', 'victim@corp.example')]);
    const run = runPure(core, opts, [{ email: { to: { address: ['a@corp.example', 'Victim@corp.example'] } } }], store, CTX);
    expect(enrichments(run.events[0]!).map((e) => e.matched.atomic)).toEqual(['Victim@corp.example']);
  });

  it('appends to existing threat.enrichments without touching them', () => {
    const store = entriesFor([attribute('ip-dst', '203.0.113.9')]);
    const prior = { indicator: { type: 'ipv4-addr' }, matched: { atomic: 'x' } };
    const run = runPure(core, opts, [{ destination: { ip: '203.0.113.9' }, threat: { enrichments: [prior] } }], store, CTX);
    expect(enrichments(run.events[0]!)).toHaveLength(2);
    expect(enrichments(run.events[0]!)[0]).toEqual(prior);
  });

  it('looks each distinct key up once per batch, whatever the number of events, in three core calls', () => {
    const store = entriesFor([attribute('ip-dst', '203.0.113.9')]);
    const events = Array.from({ length: 125 }, () => ({ destination: { ip: '203.0.113.9' } }));
    const run = runPure(core, opts, events, store, CTX, store.get('me1:meta')!);
    expect(run.keys).toEqual(['me1:ip:203.0.113.9', 'me1:meta']);
    expect(run.coreCalls).toBe(3);
    expect(run.result.stats).toMatchObject({ events: 125, matched_events: 125, hits: 125 });
  });

  it('uses only the configured fields when `fields` is given', () => {
    const store = entriesFor([attribute('ip-dst', '203.0.113.9')]);
    const run = runPure(core, { ...opts, fields: { '[observer][ip]': 'ip' } }, [{ destination: { ip: '203.0.113.9' } }, { observer: { ip: '203.0.113.9' } }], store, CTX);
    expect(run.events[0]).toEqual({ destination: { ip: '203.0.113.9' } });
    expect(enrichments(run.events[1]!)[0]!.matched.field).toBe('observer.ip');
  });
});

describe('misses, bad input and failures', () => {
  const store = entriesFor([attribute('ip-dst', '203.0.113.9')]);

  it('leaves events without a hit exactly as they came in', () => {
    const events = [{ message: 'hello', source: { ip: '192.0.2.200' }, dns: { question: { name: 'benign.example' } } }, {}];
    const before = structuredClone(events);
    const run = runPure(core, opts, events, store, CTX);
    expect(run.events).toEqual(before);
    expect(run.result.changes).toEqual([]);
  });

  it('skips and counts values that do not parse, and values that are not strings', () => {
    const events = [{ source: { ip: 'not-an-ip' }, destination: { ip: 3232235777 }, url: { full: { nested: true } } }];
    const before = structuredClone(events);
    const run = runPure(core, opts, events, store, CTX);
    expect(run.events).toEqual(before);
    expect(run.result.stats.invalid_values).toBe(3);
  });

  it('a log value carrying a memcached command never becomes one', () => {
    const run = runPure(core, opts, [{ url: { full: 'http://x.example/\r\nflush_all\r\n', domain: 'a\r\nflush_all' } }], store, CTX);
    for (const k of run.keys) expect(k).toMatch(/^[\x21-\x7e]{1,250}$/);
  });

  it('tags events that needed a lookup when the key-value store is down, and only those', () => {
    const events = [{ destination: { ip: '203.0.113.9' } }, { message: 'no candidate fields' }];
    const run = runPure(core, opts, events, 'down', CTX);
    expect(run.events[0]).toEqual({ destination: { ip: '203.0.113.9' }, tags: ['_misp_enrich_lookup_failure'] });
    expect(run.events[1]).toEqual({ message: 'no candidate fields' });
    expect(run.result.stats.lookup_failures).toBe(1);
    expect(run.result.changes[0]!.matched).toBe(false);
  });

  it('writes the hit from the stored summary and tags the event when MISP context cannot be fetched', () => {
    const run = runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], store, {});
    const [entry] = enrichments(run.events[0]!);
    expect(entry!.indicator.description).toBe('OSINT - Example campaign');
    expect(entry!.indicator.provider).toBeUndefined();
    expect(run.events[0]!.tags).toEqual(['_misp_enrich_fetch_failure']);
  });

  it('asks for no context when fetch_context is off', () => {
    const run = runPure(core, { fetch_context: false }, [{ destination: { ip: '203.0.113.9' } }], store, CTX);
    expect(run.lookup.event_ids).toEqual([]);
    expect(run.events[0]!.tags).toBeUndefined();
    expect(enrichments(run.events[0]!)[0]!.indicator.reference).toBeUndefined();
  });

  it('treats a value that is not a summary as a miss and counts it', () => {
    const broken = new Map(store);
    broken.set('me1:ip:203.0.113.9', '{"garbage');
    const run = runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], broken, CTX);
    expect(run.events[0]).toEqual({ destination: { ip: '203.0.113.9' } });
    expect(run.result.stats.bad_values).toBe(1);
  });
});

describe('ecs_compatibility => disabled (the original recipe\'s fields)', () => {
  const store = entriesFor([attribute('domain', 'evil.example', { tags: ['Feed-abuse.ch', 'tlp:white'] })]);
  it('writes [misp][hit], [misp][tag] and [misp][eventinfo] on a hit, and "none" on a miss', () => {
    const run = runPure(core, { ...opts, ecs_compatibility: 'disabled' }, [{ destination: { domain: 'a.evil.example' } }, { destination: { domain: 'fine.example' } }], store, CTX);
    expect(run.events[0]!.misp).toEqual({
      hit: ['evil.example'],
      tag: ['Feed-abuse.ch', 'tlp:white', 'tlp:green', 'Feed-example'],
      eventinfo: ['OSINT - Example campaign (context)'],
    });
    expect(run.events[0]!.threat).toBeUndefined();
    expect(run.events[1]!.misp).toEqual({ hit: 'none' });
  });
});

describe('configuration errors name the option', () => {
  it.each([
    [{ fields: { '[a][b]': 'ipv4' } }, /MISP_ENRICH_CONFIG: option 'fields': '\[a\]\[b\]' has datatype 'ipv4'/],
    [{ fields: { 'a][b': 'ip' } }, /option 'fields': 'a\]\[b' is not a field reference/],
    [{ fields: {} }, /option 'fields': must name at least one field/],
    [{ ecs_compatibility: 'v1' }, /option 'ecs_compatibility'/],
    [{ fetch_context: 'yes' }, /option 'fetch_context'/],
    [{ misp_url: 'misp.example' }, /option 'misp_url'/],
    [{ memcached_hosts: [] }, /option 'memcached_hosts': is not an option of the core/],
  ])('%j', (options, message) => {
    expect(() => core.createEnricher(JSON.stringify(options))).toThrow(message);
  });
});

describe('values remembered across batches', () => {
  it('re-expands addresses when the CIDR prefix lengths in use change', () => {
    const enricher = core.createEnricher(JSON.stringify({ fetch_context: false, fields: { '[source][ip]': 'ip' } }));
    const keysFor = (meta: string) =>
      (JSON.parse(enricher.begin(JSON.stringify({ events: [['198.51.100.77']], meta })).keys()) as { keys: string[] }).keys;
    expect(keysFor('')).toEqual(['me1:ip:198.51.100.77', 'me1:meta']);
    const with24 = entriesFor([attribute('ip-src', '198.51.100.0/24')]).get('me1:meta')!;
    expect(keysFor(with24)).toEqual(['me1:ip:198.51.100.77', 'me1:net:198.51.100.0/24', 'me1:meta']);
    expect(keysFor('')).toEqual(['me1:ip:198.51.100.77', 'me1:meta']);
  });

  it('gives the same answers for a repeated value as for a new one', () => {
    const store = entriesFor([attribute('domain', 'evil.example')]);
    const enricher = core.createEnricher(JSON.stringify({ fetch_context: false, fields: { '[d]': 'domain' } }));
    for (let round = 0; round < 3; round++) {
      const plan = enricher.begin(JSON.stringify({ events: [['A.Evil.example'], ['fine.example']], meta: '' }));
      const keys = (JSON.parse(plan.keys()) as { keys: string[] }).keys;
      plan.lookup(JSON.stringify({ values: keys.map((k) => store.get(k) ?? null) }));
      const out = JSON.parse(plan.finish(JSON.stringify({ contexts: {}, now: 'x' })));
      expect(out.changes.map((c: { index: number }) => c.index)).toEqual([0]);
    }
  });
});

describe('hardening', () => {
  it('reports no meta when the lookup failed, so the host keeps the newer one it has', () => {
    const run = runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], 'down', CTX, '{"v":1,"prefixes":{"v4":[24],"v6":[]}}');
    expect(run.lookup.meta).toBeUndefined();
    const none = runPure(core, opts, [{ message: 'no values' }], new Map(), CTX, '');
    expect(none.lookup.meta).toBeUndefined();
  });

  it('leaves out dates and references it cannot write instead of failing the batch', () => {
    const store = entriesFor([attribute('ip-dst', '203.0.113.9', { timestamp: 1e13, event_id: 'x\ud800' })]);
    const run = runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], store, {});
    const [entry] = enrichments(run.events[0]!);
    expect(entry!.indicator.modified_at).toBeUndefined();
    expect(entry!.indicator.reference).toBeUndefined();
  });
});
