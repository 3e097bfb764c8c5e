// The ECS output of the core (plugin/core/enrich/ecs-output.ts and its helpers), through the
// esbuild bundle as the hosts load it: indicator.confidence from MISP's threat level, the display
// name, the feed provenance, galaxy clusters and ATT&CK ids from real MISP events
// (../shared/misp/events), and every value of a field ECS gives a vocabulary checked against
// ECS's own definitions (@elastic/ecs). The root-level misp_enrich.* summary is checked on the
// module itself and through the bundle.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCore } from '../../testbed/node-host/core-loader.js';
import { confidenceOfThreatLevel, ECS_CONFIDENCE, highestConfidence } from '../../plugin/core/enrich/confidence.js';
import { ecsEventSummary, FEED_NAME, type EcsEnrichment } from '../../plugin/core/enrich/ecs-output.js';
import { galaxiesOf } from '../../plugin/core/enrich/galaxy.js';
import { mostRestrictiveTlp, TLP_ORDER } from '../../plugin/core/enrich/tlp.js';
import { ecsFlat, ecsLoadFailure } from '../elastic/support/ecs.js';
import { runPure } from '../support/pure-host.js';
import { attribute, entriesFor } from '../support/summaries.js';

const core = loadCore();
const opts = { misp_url: 'https://misp.example', fetch_context: true };
type Json = Record<string, any>;
const enrichments = (e: Json) => (e.threat?.enrichments ?? []) as Json[];

const SHARED_EVENTS = resolve(import.meta.dirname, '../../../shared/misp/events');
const sharedMissing = existsSync(SHARED_EVENTS) ? null : `${SHARED_EVENTS} is absent`;
if (sharedMissing) console.warn(`spec/core/ecs-output.spec.ts: real-event cases skipped: ${sharedMissing}`);
const ecsMissing = ecsLoadFailure();
if (ecsMissing) console.warn(`spec/core/ecs-output.spec.ts: ECS vocabulary cases skipped: ${ecsMissing}`);

function context(threatLevel: unknown, tags: string[] = ['tlp:green']): Record<string, unknown> {
  return { '42': { id: '42', info: 'OSINT - Example campaign (context)', threat_level_id: threatLevel, Orgc: { name: 'CIRCL' }, Tag: tags.map((name) => ({ name })) } };
}

describe('indicator.confidence from the MISP event threat level', () => {
  const store = entriesFor([attribute('ip-dst', '203.0.113.9')]);
  it.each([
    ['1', 'High'],
    ['2', 'Medium'],
    ['3', 'Low'],
    ['4', 'Not Specified'],
    [1, 'High'],
  ])('threat_level_id %j is %s', async (level, confidence) => {
    const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], store, context(level));
    expect(enrichments(run.events[0]!)[0]!.indicator.confidence).toBe(confidence);
  });

  it('is left out for a level MISP does not define, and without MISP context', async () => {
    for (const ctx of [context('9'), context(undefined), {}]) {
      const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], store, ctx);
      expect(enrichments(run.events[0]!)[0]!.indicator).not.toHaveProperty('confidence');
    }
  });

  it('orders ECS values so the highest of several wins', () => {
    expect(confidenceOfThreatLevel(' 2 ')).toBe('Medium');
    expect(highestConfidence(['Low', undefined, 'High', 'Medium'])).toBe('High');
    expect(highestConfidence(['Not Specified', 'Low'])).toBe('Low');
    expect(highestConfidence([undefined])).toBeUndefined();
  });
});

describe('each entry: display name and feed provenance', () => {
  const store = entriesFor([
    attribute('ip-dst', '198.51.100.0/24'),
    attribute('domain', 'loader-cdn.net'),
    attribute('url', 'http://stage.example/drop/payload.bin'),
    attribute('sha256', '7a200c4df99887991c638fe625d07a4a3fc2bdc887112437752b3df5c8da79b6'),
    attribute('email-src', 'phish@mail.example'),
  ]);
  it.each([
    ['a network hit names the MISP network; ip is the event address', { source: { ip: '198.51.100.7' } }, { name: '198.51.100.0/24', ip: '198.51.100.7' }],
    ['a subdomain names the MISP domain', { dns: { question: { name: 'a.Loader-CDN.net.' } } }, { name: 'loader-cdn.net' }],
    ['a URL names the MISP URL', { url: { full: 'https://stage.example:443/drop/payload.bin' } }, { name: 'http://stage.example/drop/payload.bin' }],
    ['a hash names the hash', { file: { hash: { sha256: '7A200C4DF99887991C638FE625D07A4A3FC2BDC887112437752B3DF5C8DA79B6' } } }, { name: '7a200c4df99887991c638fe625d07a4a3fc2bdc887112437752b3df5c8da79b6' }],
    ['an address names the address', { email: { from: { address: 'Phish@mail.example' } } }, { name: 'phish@mail.example' }],
  ])('%s', async (_name, event, indicator) => {
    const run = await runPure(core, opts, [event], store, context('1'));
    const [entry] = enrichments(run.events[0]!);
    expect(entry!.indicator).toMatchObject(indicator);
    expect(entry!.feed).toEqual({ name: FEED_NAME });
  });
});

describe('TLP', () => {
  it('keeps ECS values and their order, most restrictive last', () => {
    expect(TLP_ORDER).toEqual(['WHITE', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED']);
    expect(mostRestrictiveTlp(['GREEN', undefined, 'AMBER+STRICT', 'CLEAR'])).toBe('AMBER+STRICT');
    expect(mostRestrictiveTlp([])).toBeUndefined();
  });
});

describe('galaxy clusters and ATT&CK ids', () => {
  it('parses quoted and bare cluster values, and only MITRE galaxies give ids of their own kind', () => {
    expect(
      galaxiesOf([
        'misp-galaxy:threat-actor="Sofacy"',
        'misp-galaxy:mitre-attack-pattern=T1103',
        'misp-galaxy:mitre-enterprise-attack-attack-pattern="Account Manipulation - T1098"',
        'misp-galaxy:mitre-attack-pattern="Phishing: Spearphishing Attachment - T1566.001"',
        'misp-galaxy:mitre-course-of-action="Account Discovery Mitigation - T1087"',
        'misp-galaxy:mitre-intrusion-set="APT16 - G0023"',
        'misp-galaxy:mitre-malware="Elise - S0081"',
        'misp-galaxy:mitre-tool="ifconfig - S0101"',
        'misp-galaxy:mitre-malware="Mislabelled - T1000"',
        'misp-galaxy:threat-actor="Sofacy"',
        'tlp:amber',
        'misp-galaxy:empty=""',
      ]),
    ).toEqual({
      clusters: [
        'threat-actor=Sofacy',
        'mitre-attack-pattern=T1103',
        'mitre-enterprise-attack-attack-pattern=Account Manipulation - T1098',
        'mitre-attack-pattern=Phishing: Spearphishing Attachment - T1566.001',
        'mitre-course-of-action=Account Discovery Mitigation - T1087',
        'mitre-intrusion-set=APT16 - G0023',
        'mitre-malware=Elise - S0081',
        'mitre-tool=ifconfig - S0101',
        'mitre-malware=Mislabelled - T1000',
      ],
      techniques: ['T1103', 'T1098', 'T1566.001'],
      groups: ['G0023'],
      software: ['S0081', 'S0101'],
    });
  });

  const readEvent = (name: string) => {
    const d = JSON.parse(readFileSync(join(SHARED_EVENTS, name), 'utf8')) as Json;
    return (d.Event ?? d) as Json;
  };
  const tagNames = (x: Json) => ((x.Tag ?? []) as { name: string }[]).map((t) => t.name);
  const attributesOf = (ev: Json) => [...((ev.Attribute ?? []) as Json[]), ...((ev.Object ?? []) as Json[]).flatMap((o) => (o.Attribute ?? []) as Json[])];

  it.skipIf(sharedMissing !== null)('writes the clusters and ids of a real event (MISP stix test event) for a hit on its domain', async () => {
    const ev = readEvent('misp-stixtest-indicators-test-event.json');
    const domain = attributesOf(ev).find((a) => a.type === 'domain')!;
    const store = entriesFor([attribute('domain', domain.value, { event_id: String(ev.id), uuid: domain.uuid, tags: tagNames(domain) })]);
    const run = await runPure(core, opts, [{ dns: { question: { name: domain.value } } }], store, { [String(ev.id)]: ev });
    const [entry] = enrichments(run.events[0]!);
    const galaxyTags = tagNames(ev).filter((t) => t.startsWith('misp-galaxy:'));
    expect(galaxyTags.length).toBeGreaterThan(5);
    expect(entry!.misp.galaxies).toHaveLength(galaxyTags.length);
    expect(entry!.misp.attack).toEqual({ technique: { id: ['T1038'] }, group: { id: ['G0023'] }, software: { id: ['S0081', 'S0101'] } });
    expect(entry!.indicator.confidence).toBe(confidenceOfThreatLevel(String(ev.threat_level_id)));
  });

  it.skipIf(sharedMissing !== null)('takes techniques from the attribute\'s own tags too (PyMISP galaxy test event)', async () => {
    const ev = readEvent('pymisp-galaxy_1-pubg-ransomware.json');
    const sha1 = attributesOf(ev).find((a) => a.type === 'sha1')!;
    const store = entriesFor([attribute('sha1', sha1.value, { event_id: '30', uuid: sha1.uuid, tags: tagNames(sha1) })]);
    const run = await runPure(core, opts, [{ file: { hash: { sha1: sha1.value } } }], store, { '30': ev });
    const [entry] = enrichments(run.events[0]!);
    expect(entry!.misp.attack.technique.id).toEqual(['T1098']);
    expect(entry!.misp.attack.group.id).toEqual(['G0006', 'G0005']);
  });

  it('writes no galaxy fields for an attribute without galaxy tags', async () => {
    const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.9' } }], entriesFor([attribute('ip-dst', '203.0.113.9')]), context('2'));
    const [entry] = enrichments(run.events[0]!);
    expect(entry!.misp).not.toHaveProperty('galaxies');
    expect(entry!.misp).not.toHaveProperty('attack');
  });
});

describe.skipIf(ecsMissing !== null)('values of fields with an ECS vocabulary are ECS values', () => {
  it('indicator.type, indicator.confidence and indicator.marking.tlp', async () => {
    const ecs = ecsFlat()!;
    const expected = (f: string) => ecs[`threat.enrichments.indicator.${f}`]!.expected_values!;
    expect(ECS_CONFIDENCE.slice().sort()).toEqual(expected('confidence').slice().sort());
    expect(TLP_ORDER.slice().sort()).toEqual(expected('marking.tlp').slice().sort());
    const store = entriesFor([
      attribute('ip-dst', '203.0.113.9', { tags: ['tlp:amber+strict'] }),
      attribute('ip-src', '2001:db8::1', { tags: ['tlp:clear'] }),
      attribute('hostname', 'c2.exfil.example', { tags: ['tlp:white'] }),
      attribute('url', 'http://stage.example/x', { tags: ['tlp:red'] }),
      attribute('md5', 'a0dc5723d3e20e93b48a960b31c984c0', { tags: ['tlp:green'] }),
      attribute('email-dst', 'a@b.example'),
    ]);
    const events = [
      { destination: { ip: '203.0.113.9' } },
      { source: { ip: '2001:db8::1' } },
      { url: { domain: 'c2.exfil.example' } },
      { url: { full: 'http://stage.example/x' } },
      { file: { hash: { md5: 'a0dc5723d3e20e93b48a960b31c984c0' } } },
      { email: { to: { address: 'a@b.example' } } },
    ];
    for (const level of ['1', '2', '3', '4']) {
      const run = await runPure(core, opts, structuredClone(events), store, context(level, []));
      const entries = run.events.flatMap(enrichments);
      expect(entries).toHaveLength(events.length);
      for (const e of entries) {
        expect(expected('type')).toContain(e.indicator.type);
        expect(expected('confidence')).toContain(e.indicator.confidence);
        if (e.indicator.marking) expect(expected('marking.tlp')).toContain(e.indicator.marking.tlp);
      }
    }
  });
});

describe('the root-level misp_enrich.* summary', () => {
  const entry = (over: { name: string; type?: string; ip?: string; confidence?: EcsEnrichment['indicator']['confidence']; tlp?: string; tags?: string[]; event?: string }): EcsEnrichment => ({
    matched: { atomic: over.name.toUpperCase(), field: 'destination.ip', id: `uuid-${over.name}`, type: 'indicator_match_rule', occurred: '2026-11-22T10:00:00.000Z' },
    indicator: {
      type: over.type ?? 'ipv4-addr',
      name: over.name,
      ...(over.ip ? { ip: over.ip } : {}),
      ...(over.confidence ? { confidence: over.confidence } : {}),
      ...(over.tlp ? { marking: { tlp: over.tlp } } : {}),
      provider: 'CIRCL',
    },
    feed: { name: FEED_NAME },
    misp: { attribute: { uuid: `uuid-${over.name}`, type: 'ip-dst', category: 'Network activity', value: over.name, to_ids: true }, event: { id: over.event ?? '42', uuid: 'e', info: `event ${over.event ?? '42'}` }, tags: over.tags ?? [] },
  });

  it('lists distinct values per field, the highest confidence and the most restrictive TLP', () => {
    const summary = new Map(
      ecsEventSummary([
        entry({ name: '203.0.113.9', ip: '203.0.113.9', confidence: 'Low', tlp: 'GREEN', tags: ['tlp:green', 'misp-galaxy:threat-actor="X"'] }),
        entry({ name: '198.51.100.0/24', ip: '198.51.100.7', confidence: 'High', tlp: 'AMBER', event: '43', tags: ['tlp:amber'] }),
        entry({ name: '203.0.113.9', ip: '203.0.113.9', confidence: 'Medium', tags: ['tlp:green'] }),
      ]),
    );
    expect(summary.get('[misp_enrich][indicator]')).toEqual(['203.0.113.9', '198.51.100.0/24']);
    expect(summary.get('[misp_enrich][ip]')).toEqual(['203.0.113.9', '198.51.100.7']);
    expect(summary.get('[misp_enrich][confidence]')).toEqual(['High']);
    expect(summary.get('[misp_enrich][tlp]')).toEqual(['AMBER']);
    expect(summary.get('[misp_enrich][event_id]')).toEqual(['42', '43']);
    expect(summary.get('[misp_enrich][tags]')).toEqual(['tlp:green', 'misp-galaxy:threat-actor="X"', 'tlp:amber']);
    expect(summary.get('[misp_enrich][provider]')).toEqual(['CIRCL']);
    // Nothing to say, nothing written.
    expect(summary.has('[misp_enrich][technique_id]')).toBe(false);
  });

  it('bounds each list', () => {
    const many = Array.from({ length: 300 }, (_, i) => entry({ name: `198.51.${Math.floor(i / 250)}.${i % 250}` }));
    for (const [, values] of ecsEventSummary(many)) expect(values.length).toBeLessThanOrEqual(100);
  });

  it('is written next to threat.enrichments by the bundle, for Kibana\'s aggregations and severity mapping', async () => {
    const store = entriesFor([attribute('ip-dst', '203.0.113.9'), attribute('domain', 'loader-cdn.net')]);
    const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.9', domain: 'x.loader-cdn.net' } }, { destination: { ip: '192.0.2.1' } }], store, context('3'));
    expect(run.events[0]!.misp_enrich).toMatchObject({
      indicator: ['203.0.113.9', 'loader-cdn.net'],
      indicator_type: ['ipv4-addr', 'domain-name'],
      ip: ['203.0.113.9'],
      confidence: ['Low'],
      event_id: ['42'],
    });
    expect(run.events[1]).toEqual({ destination: { ip: '192.0.2.1' } });
  });
});
