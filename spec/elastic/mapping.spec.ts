// docs/elasticsearch/component-template.json against ECS's own definitions (@elastic/ecs) and
// against what the filter writes: every ECS field has ECS's type, ignore_above and multi-fields
// (wildcard URLs, nested enrichments, ip addresses); every other field is one of the filter's
// documented ones; every field the core writes and every field it reads by default is mapped.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FIELDS } from '../../plugin/core/config/default-fields.js';
import { loadCore } from '../../testbed/node-host/core-loader.js';
import { runPure } from '../support/pure-host.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { ecsFlat, ecsLoadFailure } from './support/ecs.js';
import { documentLeaves, flattenMapping } from './support/mapping.js';

const ROOT = resolve(import.meta.dirname, '../..');
const COMPONENT = JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/component-template.json'), 'utf8'));
const README = readFileSync(join(ROOT, 'docs/elasticsearch/README.md'), 'utf8');
const mapped = flattenMapping(COMPONENT.template.mappings.properties);
const leaves = [...mapped.values()].filter((f) => f.type !== 'object' && f.type !== 'nested');

/** The filter's own fields: not ECS, each documented in docs/elasticsearch/README.md. */
const OWN = [/^misp_enrich\./, /^threat\.enrichments\.misp\./, /^threat\.enrichments\.feed\.name$/];

const noEcs = ecsLoadFailure();
if (noEcs) console.warn(`spec/elastic/mapping.spec.ts: ECS comparisons skipped: ${noEcs}`);

describe.skipIf(noEcs !== null)('the component template against ECS', () => {
  it('gives every ECS field ECS\'s type, ignore_above and multi-fields', () => {
    const ecs = ecsFlat()!;
    let checked = 0;
    for (const field of mapped.values()) {
      const def = ecs[field.path];
      if (!def) continue;
      checked++;
      expect(field.type, field.path).toBe(def.type);
      expect(field.ignore_above, `${field.path} ignore_above`).toBe(def.ignore_above);
      for (const multi of def.multi_fields ?? []) expect(mapped.get(multi.flat_name)?.type, multi.flat_name).toBe(multi.type);
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('maps as ECS what the issue names: nested enrichments, wildcard URLs, ip addresses', () => {
    expect(mapped.get('threat.enrichments')?.type).toBe('nested');
    for (const path of ['threat.enrichments.indicator.url.full', 'url.full', 'url.original']) expect(mapped.get(path)?.type, path).toBe('wildcard');
    for (const side of ['source', 'destination', 'client', 'server']) expect(mapped.get(`${side}.ip`)?.type).toBe('ip');
    expect(mapped.get('threat.enrichments.indicator.ip')?.type).toBe('ip');
  });

  it('adds nothing outside ECS but the filter\'s own fields, each documented', () => {
    const ecs = ecsFlat()!;
    const ecsMultiFields = new Set(Object.values(ecs).flatMap((d) => (d.multi_fields ?? []).map((m) => m.flat_name)));
    for (const field of leaves) {
      if (ecs[field.path] || ecsMultiFields.has(field.path)) continue;
      expect(OWN.some((re) => re.test(field.path)), `${field.path} is neither ECS nor the filter's`).toBe(true);
      // misp_enrich.<name> is listed by name; threat.enrichments.<x>.<y> by its first four segments.
      const documented = field.path.startsWith('misp_enrich.')
        ? README.includes(`\`${field.path.slice('misp_enrich.'.length)}\``)
        : README.includes(`\`${field.path.split('.').slice(0, 4).join('.')}`);
      expect(documented, `${field.path} in docs/elasticsearch/README.md`).toBe(true);
    }
  });
});

describe.skipIf(noEcs !== null)('the retro-hunt alerts index\'s template against ECS', () => {
  const RETRO = JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/retro-index-template.json'), 'utf8'));
  const own = flattenMapping(RETRO.template.mappings.properties);

  it('gives the event fields an alert copies ECS\'s types, and documents its own', () => {
    const ecs = ecsFlat()!;
    for (const field of own.values()) {
      if (field.type === 'object') continue;
      const def = ecs[field.path];
      if (def) {
        expect(field.type, field.path).toBe(def.type);
        expect(field.ignore_above, `${field.path} ignore_above`).toBe(def.ignore_above);
        for (const multi of def.multi_fields ?? []) expect(own.get(multi.flat_name)?.type, multi.flat_name).toBe(multi.type);
      } else if (!ecsMultiField(ecs, field.path)) {
        expect(field.path, `${field.path} is neither ECS nor the alert's own`).toMatch(/^misp_enrich\.retro\./);
        expect(README, `${field.path} in docs/elasticsearch/README.md`).toContain(`\`${field.path}\``);
      }
    }
    // Composed of the component template, above the daily indices' template that also matches it.
    expect(RETRO.composed_of).toEqual(['misp-enrich']);
    expect(RETRO.priority).toBeGreaterThan(JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/index-template.json'), 'utf8')).priority);
  });
});

function ecsMultiField(ecs: NonNullable<ReturnType<typeof ecsFlat>>, path: string): boolean {
  return Object.values(ecs).some((d) => (d.multi_fields ?? []).some((m) => m.flat_name === path));
}

describe('the component template against the filter', () => {
  it('maps every field the filter reads by default', () => {
    for (const ref of Object.keys(DEFAULT_FIELDS)) {
      const path = ref.replace(/^\[|\]$/g, '').split('][').join('.');
      expect(mapped.has(path), path).toBe(true);
    }
  });

  it('copies nothing with copy_to: what Kibana aggregates is in _source, written by the filter', () => {
    for (const field of mapped.values()) expect(field.copy_to, field.path).toBeUndefined();
  });

  it('maps every field the core writes, for every datatype, with MISP context, galaxies and ATT&CK ids', async () => {
    const store = entriesFor([
      attribute('ip-dst', '203.0.113.9', { first_seen: '2026-01-01T00:00:00.000000+00:00', last_seen: '2026-02-01T00:00:00Z', tags: ['tlp:amber', 'misp-galaxy:mitre-attack-pattern="Phishing - T1566"'] }),
      attribute('ip-src', '198.51.100.0/24'),
      attribute('domain', 'loader-cdn.net', { tags: ['misp-galaxy:mitre-intrusion-set="APT1 - G0006"'] }),
      attribute('hostname', 'c2.exfil.example'),
      attribute('url', 'http://stage.example/drop/payload.bin'),
      attribute('md5', 'a0dc5723d3e20e93b48a960b31c984c0', { tags: ['misp-galaxy:mitre-malware="BACKSPACE - S0031"'] }),
      attribute('sha1', '08d7b5b8c9375e6d8ed7201dcb40d741d4d7866c'),
      attribute('sha256', '7a200c4df99887991c638fe625d07a4a3fc2bdc887112437752b3df5c8da79b6'),
      attribute('sha512', 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e'),
      attribute('email-src', 'phish@mail.example'),
    ]);
    const ctx = { '42': { id: '42', info: 'OSINT', threat_level_id: '1', Orgc: { name: 'CIRCL' }, Tag: [{ name: 'tlp:green' }, { name: 'misp-galaxy:threat-actor="Sofacy"' }] } };
    const events = [
      { destination: { ip: '203.0.113.9' }, source: { ip: '198.51.100.7' } },
      { dns: { question: { name: 'a.loader-cdn.net' } }, url: { domain: 'c2.exfil.example', full: 'http://stage.example/drop/payload.bin' } },
      { file: { hash: { md5: 'a0dc5723d3e20e93b48a960b31c984c0', sha1: '08d7b5b8c9375e6d8ed7201dcb40d741d4d7866c', sha256: '7a200c4df99887991c638fe625d07a4a3fc2bdc887112437752b3df5c8da79b6', sha512: 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e' } } },
      { email: { from: { address: 'phish@mail.example' } } },
    ];
    const run = await runPure(loadCore(), { misp_url: 'https://misp.example', fetch_context: true }, events, store, ctx);
    const written = new Set<string>();
    for (const e of run.events) for (const p of documentLeaves({ threat: e.threat, misp_enrich: e.misp_enrich })) written.add(p);
    expect(written.size).toBeGreaterThan(30);
    for (const path of written) expect(mapped.has(path), `${path} is written but not mapped`).toBe(true);
  });
});
