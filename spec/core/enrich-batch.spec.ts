// The enrichment rules of the core, through the esbuild bundle, one batch at a time.
import { describe, expect, it } from 'vitest';
import { loadCore } from '../../testbed/node-host/core-loader.js';
import { createNodeEnricher } from '../../testbed/node-host/batch-enricher.js';
import { encodeSummary, indicatorKey, mispIndicators } from '../../plugin/core/ioc/index.js';
import { decodeKeysRequest } from '../../plugin/core/wire.js';
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
  it.each(cases)('%s', async (_name, event, indicator) => {
    const run = await runPure(core, opts, [structuredClone(event)], store, CTX);
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
    expect(run.outcome.matched).toEqual([0]);
  });

  it('writes matched.atomic as the event had it and matched.field the ECS way', async () => {
    const run = await runPure(core, opts, [{ dns: { question: { name: 'a7.eu.Loader-CDN.net.' } } }], store, CTX);
    expect(enrichments(run.events[0]!)[0]!.matched).toMatchObject({ atomic: 'a7.eu.Loader-CDN.net.', field: 'dns.question.name' });
  });
});

describe('matching rules', () => {
  it('matches CIDR indicators by containment, probing only the prefix lengths in use', async () => {
    const store = entriesFor([attribute('ip-src', '198.51.100.0/24'), attribute('ip-dst', '2001:db8:abcd::/48')]);
    const meta = store.get('me1:meta')!;
    const run = await runPure(core, opts, [{ source: { ip: '198.51.100.77' } }, { source: { ip: '2001:db8:abcd:1::5' } }, { source: { ip: '198.51.101.1' } }], store, CTX, meta);
    expect(enrichments(run.events[0]!)[0]!.indicator.ip).toBe('198.51.100.77');
    expect(enrichments(run.events[0]!)[0]!.misp.attribute.value).toBe('198.51.100.0/24');
    expect(enrichments(run.events[1]!)).toHaveLength(1);
    expect(run.events[2]).toEqual({ source: { ip: '198.51.101.1' } });
    // exact address + one /24 probe + one /48 probe + meta: no other prefix is probed.
    expect(run.keys.filter((k) => k.startsWith('me1:net:'))).toEqual(['me1:net:198.51.100.0/24', 'me1:net:2001:db8:abcd::/48', 'me1:net:198.51.101.0/24']);
  });

  it('still finds CIDR hits before it has seen the meta key (every length probed)', async () => {
    const store = entriesFor([attribute('ip-src', '198.51.100.0/24')]);
    const run = await runPure(core, opts, [{ source: { ip: '198.51.100.77' } }], store, CTX, null);
    expect(enrichments(run.events[0]!)).toHaveLength(1);
    expect(run.meta).toBe(store.get('me1:meta'));
  });

  it('an address inside two networks gives two entries; a value of two attributes gives two', async () => {
    const store = entriesFor([
      attribute('ip-src', '198.51.100.0/24'),
      attribute('ip-dst', '198.51.0.0/16'),
      attribute('domain', 'evil.example', { uuid: 'aaaaaaaa-0000-4000-8000-000000000001' }),
      attribute('domain|ip', 'evil.example|192.0.2.1', { uuid: 'aaaaaaaa-0000-4000-8000-000000000002' }),
    ]);
    const run = await runPure(core, opts, [{ source: { ip: '198.51.100.77' } }, { url: { domain: 'www.evil.example' } }], store, CTX, store.get('me1:meta')!);
    expect(enrichments(run.events[0]!).map((e) => e.misp.attribute.value).sort()).toEqual(['198.51.0.0/16', '198.51.100.0/24']);
    expect(enrichments(run.events[1]!).map((e) => e.matched.id).sort()).toEqual(['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002']);
  });

  it('matches domains on label boundaries only', async () => {
    const store = entriesFor([attribute('domain', 'evil.example')]);
    const run = await runPure(core, opts, [{ url: { domain: 'notevil.example' } }, { url: { domain: 'evil.example' } }], store, CTX);
    expect(run.events[0]).toEqual({ url: { domain: 'notevil.example' } });
    expect(enrichments(run.events[1]!)).toHaveLength(1);
  });

  it('hostname fields match hostname indicators exactly, not domain parents', async () => {
    const store = entriesFor([attribute('domain', 'evil.example'), attribute('hostname', 'www.evil.example')]);
    const fields = { '[host][name]': 'hostname' };
    const run = await runPure(core, { ...opts, fields }, [{ host: { name: 'a.evil.example' } }, { host: { name: 'WWW.evil.example' } }], store, CTX);
    expect(run.events[0]).toEqual({ host: { name: 'a.evil.example' } });
    expect(enrichments(run.events[1]!)[0]!.misp.attribute.type).toBe('hostname');
  });

  it('reads every value of an array field', async () => {
    const store = entriesFor([attribute('email-dst', 'victim@corp.example')]);
    const run = await runPure(core, opts, [{ email: { to: { address: ['a@corp.example', 'Victim@corp.example'] } } }], store, CTX);
    expect(enrichments(run.events[0]!).map((e) => e.matched.atomic)).toEqual(['Victim@corp.example']);
  });

  it('appends to existing threat.enrichments without touching them', async () => {
    const store = entriesFor([attribute('ip-dst', '203.0.113.9')]);
    const prior = { indicator: { type: 'ipv4-addr' }, matched: { atomic: 'x' } };
    const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.9' }, threat: { enrichments: [prior] } }], store, CTX);
    expect(enrichments(run.events[0]!)).toHaveLength(2);
    expect(enrichments(run.events[0]!)[0]).toEqual(prior);
  });

  it('looks each distinct key up once per batch, whatever the number of events, in three core calls', async () => {
    const store = entriesFor([attribute('ip-dst', '203.0.113.9')]);
    const events = Array.from({ length: 125 }, () => ({ destination: { ip: '203.0.113.9' } }));
    const run = await runPure(core, opts, events, store, CTX, store.get('me1:meta')!);
    expect(run.keys).toEqual(['me1:ip:203.0.113.9', 'me1:meta']);
    expect(run.coreCalls).toBe(3);
    expect(run.stats).toMatchObject({ events: 125, matched_events: 125, hits: 125 });
  });

  it('uses only the configured fields when `fields` is given', async () => {
    const store = entriesFor([attribute('ip-dst', '203.0.113.9')]);
    const run = await runPure(core, { ...opts, fields: { '[observer][ip]': 'ip' } }, [{ destination: { ip: '203.0.113.9' } }, { observer: { ip: '203.0.113.9' } }], store, CTX);
    expect(run.events[0]).toEqual({ destination: { ip: '203.0.113.9' } });
    expect(enrichments(run.events[1]!)[0]!.matched.field).toBe('observer.ip');
  });
});

describe('misses, bad input and failures', () => {
  const store = entriesFor([attribute('ip-dst', '203.0.113.9')]);

  it('leaves events without a hit exactly as they came in', async () => {
    const events = [{ message: 'hello', source: { ip: '192.0.2.200' }, dns: { question: { name: 'benign.example' } } }, {}];
    const before = structuredClone(events);
    const run = await runPure(core, opts, events, store, CTX);
    expect(run.events).toEqual(before);
    expect(run.outcome.matched).toEqual([]);
    expect(run.coreCalls).toBe(1);
  });

  it('skips and counts values that do not parse, and values that are not strings', async () => {
    const events = [{ source: { ip: 'not-an-ip' }, destination: { ip: 3232235777 }, url: { full: { nested: true } } }];
    const before = structuredClone(events);
    const run = await runPure(core, opts, events, store, CTX);
    expect(run.events).toEqual(before);
    expect(run.stats.invalid_values).toBe(3);
  });

  it('a log value carrying a memcached command never becomes one', async () => {
    const run = await runPure(core, opts, [{ url: { full: 'http://x.example/\r\nflush_all\r\n', domain: 'a\r\nflush_all' } }], store, CTX);
    for (const k of run.keys) expect(k).toMatch(/^[\x21-\x7e]{1,250}$/);
  });

  it('tags events that needed a lookup when the key-value store is down, and only those', async () => {
    const events = [{ destination: { ip: '203.0.113.9' } }, { message: 'no candidate fields' }];
    const run = await runPure(core, opts, events, 'down', CTX);
    expect(run.events[0]).toEqual({ destination: { ip: '203.0.113.9' }, tags: ['_misp_enrich_lookup_failure'] });
    expect(run.events[1]).toEqual({ message: 'no candidate fields' });
    expect(run.stats.lookup_failures).toBe(1);
    expect(run.outcome.matched).toEqual([]);
  });

  it('writes the hit from the stored summary and tags the event when MISP context cannot be fetched', async () => {
    const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], store, {});
    const [entry] = enrichments(run.events[0]!);
    expect(entry!.indicator.description).toBe('OSINT - Example campaign');
    expect(entry!.indicator.provider).toBeUndefined();
    expect(run.events[0]!.tags).toEqual(['_misp_enrich_fetch_failure']);
  });

  it('names a feed\'s or another MISP instance\'s attribute after its source, links no event and asks the filter\'s MISP nothing about it', async () => {
    const fed = attribute('domain', 'feed-only.example', { source: 'circl-osint', feed: true, event_id: 'f1000000-0000-4000-8000-000000000001', org: 'CIRCL' });
    // Written as the agent's source set writes it (the agent's index does not carry sources).
    const key = mispIndicators('domain', 'feed-only.example')!.indicators[0]!.key;
    const partner = attribute('domain', 'feed-only.example', { source: 'partner', event_id: '43', org: 'PARTNER-CERT' });
    const mixed = new Map([[key, encodeSummary([fed, partner, attribute('domain', 'feed-only.example')])]]);
    const run = await runPure(core, opts, [{ url: { domain: 'feed-only.example' } }], mixed, CTX);
    const entries = enrichments(run.events[0]!);
    expect(entries.map((e) => e.feed.name).sort()).toEqual(['MISP', 'circl-osint', 'partner']);
    // Another MISP instance's event 43 is not the filter's MISP's event 43: no link, no context.
    expect(entries.find((e) => e.feed.name === 'partner')!.indicator).toMatchObject({ provider: 'PARTNER-CERT' });
    expect(entries.find((e) => e.feed.name === 'partner')!.indicator.reference).toBeUndefined();
    const fromFeed = entries.find((e) => e.feed.name === 'circl-osint')!;
    expect(fromFeed.indicator.reference).toBeUndefined();
    expect(fromFeed.indicator.provider).toBe('CIRCL');
    expect(entries.find((e) => e.feed.name === 'MISP')!.indicator.reference).toBe('https://misp.example/events/view/42');
    // Only the filter's MISP's event is asked for; the feed's is in no MISP, the partner's in another.
    expect(run.eventIds).toEqual(['42']);
    expect(run.events[0]!.tags).toBeUndefined();
  });

  it('asks a further MISP instance of misp_sources for its own events, by "<instance>:<id>", and links them there', async () => {
    const key = mispIndicators('domain', 'feed-only.example')!.indicators[0]!.key;
    const partner = attribute('domain', 'feed-only.example', { source: 'partner', event_id: '42', org: 'PARTNER-CERT' });
    const other = attribute('domain', 'feed-only.example', { source: 'unlisted', event_id: '42' });
    const fed = attribute('domain', 'feed-only.example', { source: 'partner', feed: true, event_id: 'f1000000-0000-4000-8000-000000000001' });
    const mixed = new Map([[key, encodeSummary([attribute('domain', 'feed-only.example'), partner, other, fed])]]);
    const sources = JSON.stringify([{ name: 'partner', mispUrl: 'https://partner.example/misp/', apiKeyFile: '/etc/keys/partner', zmq: 'tcp://partner.example:50000' }]);
    const partnerCtx = { 'partner:42': { Event: { id: '42', info: 'the partner\'s event 42', Orgc: { name: 'PARTNER-CERT' }, threat_level_id: '1', Tag: [{ name: 'tlp:amber' }] } } };
    const run = await runPure(core, { ...opts, misp_sources: sources }, [{ url: { domain: 'feed-only.example' } }], mixed, { ...CTX, ...partnerCtx });
    // The main MISP's event 42 and the partner's are two events: both asked, each of its own instance.
    expect(run.eventIds).toEqual(['42', 'partner:42']);
    const entries = enrichments(run.events[0]!);
    const fromPartner = entries.find((e) => e.misp.attribute.uuid === partner.uuid)!;
    expect(fromPartner.indicator).toMatchObject({ description: 'the partner\'s event 42', reference: 'https://partner.example/misp/events/view/42', marking: { tlp: 'AMBER' } });
    expect(entries.find((e) => e.feed.name === 'MISP')!.indicator.reference).toBe('https://misp.example/events/view/42');
    // An instance the filter was not given, and a feed, are asked nothing and link nowhere.
    expect(entries.find((e) => e.feed.name === 'unlisted')!.indicator.reference).toBeUndefined();
    expect(entries.filter((e) => e.feed.name === 'partner')).toHaveLength(2);
    expect(run.events[0]!.tags).toBeUndefined();
  });

  it('tags a hit whose further instance could not give its context, as for the main MISP', async () => {
    const key = mispIndicators('domain', 'feed-only.example')!.indicators[0]!.key;
    const store = new Map([[key, encodeSummary([attribute('domain', 'feed-only.example', { source: 'partner', event_id: '7' })])]]);
    const sources = JSON.stringify([{ name: 'partner', mispUrl: 'https://partner.example', apiKeyFile: '/k' }]);
    const run = await runPure(core, { fetch_context: true, misp_sources: sources }, [{ url: { domain: 'feed-only.example' } }], store, {});
    expect(run.eventIds).toEqual(['partner:7']);
    expect(run.events[0]!.tags).toEqual(['_misp_enrich_fetch_failure']);
    // Without misp_url the main MISP is not asked (there is none to ask).
    const main = new Map([[key, encodeSummary([attribute('domain', 'feed-only.example')])]]);
    const none = await runPure(core, { fetch_context: true, misp_sources: sources }, [{ url: { domain: 'feed-only.example' } }], main, {});
    expect(none.eventIds).toEqual([]);
    expect(none.events[0]!.tags).toBeUndefined();
  });

  it('describes the instances of misp_sources and refuses a sources file it cannot read, naming the option', () => {
    const sources = [{ name: 'partner', mispUrl: 'https://partner.example/', apiKeyFile: '/etc/keys/partner', caFile: '/etc/ca.pem', insecure: false, types: ['domain'] },
      { name: 'cert', mispUrl: 'http://cert.example:8080', apiKeyFile: '/etc/keys/cert', proxy: 'http://proxy:3128' }];
    expect(JSON.parse(core.createEnricher(JSON.stringify({ misp_sources: JSON.stringify(sources) })).describe()).misp_instances).toEqual([
      { name: 'partner', url: 'https://partner.example', api_key_file: '/etc/keys/partner', ca_file: '/etc/ca.pem', insecure: false, proxy: null },
      { name: 'cert', url: 'http://cert.example:8080', api_key_file: '/etc/keys/cert', ca_file: null, insecure: null, proxy: 'http://proxy:3128' },
    ]);
    const refused: [unknown, RegExp][] = [
      ['not json', /not valid JSON/],
      [{ name: 'x' }, /expected a JSON array/],
      [[], /lists no MISP instance/],
      [Array.from({ length: 33 }, (_, i) => ({ name: `i${i}`, mispUrl: 'https://x.example', apiKeyFile: '/k' })), /33 MISP instances, more than 32/],
      [[{ name: 'x', mispUrl: 'https://x.example', apiKeyFile: '/k', apiKey: 'secret-in-file' }], /never taken from the sources file/],
      [[{ name: 'MISP', mispUrl: 'https://x.example', apiKeyFile: '/k' }], /taken/],
      [[{ name: 'a:b', mispUrl: 'https://x.example', apiKeyFile: '/k' }], /"name"/],
      [[{ name: 'x', mispUrl: 'https://user:pw@x.example', apiKeyFile: '/k' }], /no user info/],
      [[{ name: 'x', mispUrl: 'https://x.example' }], /apiKeyFile/],
      [[{ name: 'x', mispUrl: 'https://x.example', apiKeyFile: '/k', insecure: 'yes' }], /"insecure" must be true or false/],
    ];
    for (const [file, message] of refused) {
      const text = typeof file === 'string' ? file : JSON.stringify(file);
      let err: Error | undefined;
      try {
        core.createEnricher(JSON.stringify({ misp_sources: text }));
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message, text).toMatch(/^MISP_ENRICH_CONFIG: option 'misp_sources': the file/);
      expect(err?.message).toMatch(message);
      expect(err?.message).not.toContain('secret-in-file');
    }
  });

  it('asks for no context when fetch_context is off', async () => {
    const run = await runPure(core, { fetch_context: false }, [{ destination: { ip: '203.0.113.9' } }], store, CTX);
    expect(run.eventIds).toEqual([]);
    expect(run.coreCalls).toBe(2);
    expect(run.events[0]!.tags).toBeUndefined();
    expect(enrichments(run.events[0]!)[0]!.indicator.reference).toBeUndefined();
  });

  it('tags an event whose value found a stored value that is not a summary, as a failed lookup, and counts it', async () => {
    const broken = new Map(store);
    broken.set('me1:ip:203.0.113.9', '{"garbage');
    broken.set('me1:ip:203.0.113.10', store.get('me1:ip:203.0.113.9')!);
    const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }, { destination: { ip: '203.0.113.9' }, source: { ip: '203.0.113.10' } }, { destination: { ip: '192.0.2.1' } }], broken, CTX);
    expect(run.events[0]).toEqual({ destination: { ip: '203.0.113.9' }, tags: ['_misp_enrich_lookup_failure'] });
    // A corrupt value next to a good one: the hit is written and the event tagged.
    expect(enrichments(run.events[1]!)).toHaveLength(1);
    expect(run.events[1]!.tags).toEqual(['_misp_enrich_lookup_failure']);
    expect(run.events[2]).toEqual({ destination: { ip: '192.0.2.1' } });
    expect(run.outcome.matched).toEqual([1]);
    expect(run.stats.bad_values).toBe(1);
  });

  it('copies at most bounded text from MISP into an event: info, tags, values, the decaying model\'s name', async () => {
    const huge = 'x'.repeat(100_000);
    const many = Array.from({ length: 5000 }, (_, i) => `tag-${i}-${'t'.repeat(400)}`);
    const decay = { model: huge, base_score: 80, threshold: 30, score: 75, scored_at: Date.parse('2026-11-22T09:00:00Z') / 1000 };
    const s = entriesFor([attribute('ip-dst', '203.0.113.9', { event_info: huge, tags: many, decay })]);
    const ctx = { '42': { id: '42', info: huge, Orgc: { name: huge }, Tag: many.map((name) => ({ name })) } };
    const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], s, ctx);
    const [entry] = enrichments(run.events[0]!);
    expect(entry!.indicator.description).toHaveLength(2048);
    expect(entry!.indicator.provider).toHaveLength(256);
    expect(entry!.misp.event.info).toHaveLength(2048);
    expect(entry!.misp.tags.length).toBeLessThanOrEqual(200);
    for (const t of entry!.misp.tags) expect(t.length).toBeLessThanOrEqual(256);
    expect(entry!.misp.decay!.model).toHaveLength(256);
    expect(JSON.stringify(run.events[0]).length).toBeLessThan(80_000);
  });
});

describe('ecs_compatibility => disabled (the original recipe\'s fields)', () => {
  const store = entriesFor([attribute('domain', 'evil.example', { tags: ['Feed-abuse.ch', 'tlp:white'] })]);
  it('writes [misp][hit], [misp][tag] and [misp][eventinfo] on a hit, and "none" on a miss', async () => {
    const run = await runPure(core, { ...opts, ecs_compatibility: 'disabled' }, [{ destination: { domain: 'a.evil.example' } }, { destination: { domain: 'fine.example' } }], store, CTX);
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
    [{ ecs_compatibility: 'v2' }, /option 'ecs_compatibility'/],
    [{ fetch_context: 'yes' }, /option 'fetch_context'/],
    [{ misp_url: 'misp.example' }, /option 'misp_url'/],
    [{ memcached_hosts: [] }, /option 'memcached_hosts': is not an option of the core/],
  ])('%j', (options, message) => {
    expect(() => core.createEnricher(JSON.stringify(options))).toThrow(message);
  });
});

describe('values remembered across batches', () => {
  it('gives an address the network keys of the CIDR prefix lengths in use, and names the plan', () => {
    const enricher = core.createEnricher(JSON.stringify({ fetch_context: false, fields: { '[source][ip]': 'ip' } }));
    const keysFor = (meta: string | null) =>
      JSON.parse(enricher.keys(JSON.stringify({ meta, values: { ip: ['198.51.100.77', ' ', 'x'] } }))) as { plan: string; keys: { ip: (string[] | null)[] } };
    const with24 = entriesFor([attribute('ip-src', '198.51.100.0/24')]).get('me1:meta')!;
    expect(keysFor('')).toEqual({ plan: 'me1:|', keys: { ip: [['me1:ip:198.51.100.77'], [], null] } });
    expect(keysFor(with24)).toEqual({ plan: 'me1:24|', keys: { ip: [['me1:ip:198.51.100.77', 'me1:net:198.51.100.0/24'], [], null] } });
    expect(keysFor(null).plan).toBe('me1:*');
    expect(keysFor(null).keys.ip[0]).toHaveLength(33);
  });

  it('reads the prefix lengths of a meta value in ascending order, each once, whatever order a writer used', () => {
    const enricher = core.createEnricher(JSON.stringify({ fetch_context: false, fields: { '[source][ip]': 'ip' } }));
    const meta = JSON.stringify({ v: 1, prefixes: { v4: [28, 16, 24, 16, 33, -1], v6: [64, 48] }, indicators: 3 });
    const r = JSON.parse(enricher.keys(JSON.stringify({ meta, values: { ip: ['198.51.100.77'] } })));
    expect(r.plan).toBe('me1:16,24,28|48,64');
    expect(r.keys.ip[0]).toEqual(['me1:ip:198.51.100.77', 'me1:net:198.51.0.0/16', 'me1:net:198.51.100.0/24', 'me1:net:198.51.100.64/28']);
  });

  it('asks the core only for values it has not seen, and gives them the same answers', async () => {
    const store = entriesFor([attribute('domain', 'evil.example')]);
    const calls: string[] = [];
    const counted = loadCore();
    const wrapped = {
      ...counted,
      createEnricher(json: string) {
        const e = counted.createEnricher(json);
        return {
          ...e,
          keysWire: (w: string) => (calls.push(`keys ${JSON.stringify(decodeKeysRequest(w).values)}`), e.keysWire(w)),
          matchWire: (w: string) => (calls.push('match'), e.matchWire(w)),
          finishWire: (w: string) => (calls.push('finish'), e.finishWire(w)),
        };
      },
    };
    const host = createNodeEnricher({
      core: wrapped,
      options: { fetch_context: false, fields: { '[d]': 'domain' } },
      kv: { getMulti: async (keys) => keys.map((k) => store.get(k) ?? null), close: async () => {} },
    });
    for (let round = 0; round < 3; round++) {
      const out = await host.enrich([{ d: 'A.Evil.example' }, { d: 'fine.example' }, { d: 'new' + round + '.example' }]);
      expect(out.matched).toEqual([0]);
    }
    expect(calls).toEqual([
      'keys {"domain":["A.Evil.example","fine.example","new0.example"]}', 'match',
      // The meta value was read by the first lookup: the keys are asked again once for it.
      'keys {"domain":["A.Evil.example","fine.example","new1.example"]}', 'match',
      'keys {"domain":["new2.example"]}', 'match',
    ]);
  });

  it('forgets what it remembered when the CIDR prefix lengths in use change', async () => {
    const before = entriesFor([attribute('ip-dst', '198.51.100.77')]);
    const after = entriesFor([attribute('ip-dst', '198.51.100.77'), attribute('ip-src', '198.51.100.0/24')]);
    let store = before;
    const host = createNodeEnricher({
      core,
      options: { fetch_context: false, fields: { '[ip]': 'ip' } },
      kv: { getMulti: async (keys) => keys.map((k) => store.get(k) ?? null), close: async () => {} },
    });
    const keysOf = async () => (await host.enrich([{ ip: '198.51.100.77' }])).keys;
    await keysOf();
    expect(await keysOf()).toEqual(['me1:ip:198.51.100.77', 'me1:meta']);
    store = after;
    await keysOf(); // reads the new meta value
    expect(await keysOf()).toEqual(['me1:ip:198.51.100.77', 'me1:net:198.51.100.0/24', 'me1:meta']);
  });
});

describe('the protocol', () => {
  it('describes the fields, the meta key and the edits of unmatched and failed events', () => {
    const info = JSON.parse(core.createEnricher(JSON.stringify({ ecs_compatibility: 'disabled', fields: { '[a]': 'ip', '[b][c]': 'url' } })).describe());
    expect(info).toEqual({
      fields: [{ ref: '[a]', datatype: 'ip' }, { ref: '[b][c]', datatype: 'url' }],
      meta_key: 'me1:meta',
      retro_keys: null,
      unmatched: { append: [], set: [['[misp][hit]', 'none']], tags: [], matched: false },
      lookup_failed: { append: [], set: [], tags: ['_misp_enrich_lookup_failure'], matched: false },
      misp_instances: [],
    });
    expect(JSON.parse(core.createEnricher('{}').describe()).unmatched).toBeNull();
    expect(JSON.parse(core.createEnricher('{"retro_keys":true}').describe()).retro_keys).toEqual({ field: '[misp_enrich][keys]', marker: 'me1:retro' });
  });

  it('refuses finish without a match waiting for contexts, and malformed requests', () => {
    const e = core.createEnricher('{}');
    expect(() => e.finish('{"contexts":{}}')).toThrow(/MISP_ENRICH_PROTOCOL: finish called without a match/);
    expect(() => e.keys('{"meta":null,"values":{"ipv4":["1.2.3.4"]}}')).toThrow(/MISP_ENRICH_PROTOCOL/);
    expect(() => e.match('{"meta":null,"events":[{"index":0,"values":[[99,"x"]]}],"found":{},"now":"x"}')).toThrow(/MISP_ENRICH_PROTOCOL/);
    expect(() => e.keys('not json')).toThrow(/MISP_ENRICH_PROTOCOL: the keys request is not valid JSON/);
  });
});

describe('hardening', () => {
  it('keeps the meta value it has when a lookup fails or no lookup runs', async () => {
    const known = '{"v":1,"prefixes":{"v4":[24],"v6":[]}}';
    const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], 'down', CTX, known);
    expect(run.meta).toBe(known);
    const none = await runPure(core, opts, [{ message: 'no values' }], new Map(), CTX, '');
    expect(none.meta).toBe('');
  });

  it('leaves out dates and references it cannot write instead of failing the batch', async () => {
    const odd = attribute('ip-dst', '203.0.113.9', { timestamp: 1e13, event_id: 'x\ud800' });
    // The agent keeps timestamps in 32 bits, so this one can only come from another writer: by hand.
    const store = new Map([...entriesFor([odd]), [indicatorKey('ip', odd.value), encodeSummary([odd])]]);
    const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], store, {});
    const [entry] = enrichments(run.events[0]!);
    expect(entry!.indicator.modified_at).toBeUndefined();
    expect(entry!.indicator.reference).toBeUndefined();
  });
});
