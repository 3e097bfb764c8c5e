// docker/ cannot run here (no Docker engine), so everything that can be checked offline is:
// the compose file parses, every path it and the Dockerfiles name exists, every image is built
// by the project or comes from a published registry, and the Elasticsearch templates and Kibana
// objects are valid JSON of the shape their APIs take, and agree with each other.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const DOCKER = join(ROOT, 'docker');
const compose = parse(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8')) as {
  services: Record<string, { image?: string; build?: { context: string; dockerfile: string }; volumes?: string[] }>;
};
const component = JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/component-template.json'), 'utf8'));
const indexTemplate = JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/index-template.json'), 'utf8'));
const kibana = readFileSync(join(ROOT, 'docs/kibana/misp-enrich-dashboard.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

const PUBLISHED = [/^docker\.elastic\.co\/(elasticsearch|kibana|logstash)\/\1:\$\{ELASTIC_VERSION:-9\.\d+\.\d+\}$/, /^memcached:1\.6-alpine$/, /^curlimages\/curl:\d+\.\d+\.\d+$/, /^mariadb:10\.11$/, /^valkey\/valkey:7\.2$/, /^ghcr\.io\/misp\/misp-docker\/misp-(core|modules):latest$/];
const BUILT_HERE = new Set(['misp-enrich-node', 'misp-enrich-logstash']);

describe('docker/compose.yaml', () => {
  it('names only images the project builds or published images', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.image, name).toBeDefined();
      const ok = BUILT_HERE.has(svc.image!) || PUBLISHED.some((re) => re.test(svc.image!));
      expect(ok, `${name}: ${svc.image}`).toBe(true);
    }
  });

  it('builds from Dockerfiles that exist, whose COPY sources exist', () => {
    const built = Object.values(compose.services).filter((s) => s.build);
    expect(built.length).toBeGreaterThan(0);
    for (const svc of built) {
      const context = resolve(DOCKER, svc.build!.context);
      const dockerfile = join(context, svc.build!.dockerfile);
      expect(existsSync(dockerfile), dockerfile).toBe(true);
      for (const line of readFileSync(dockerfile, 'utf8').split('\n')) {
        const m = /^COPY\s+(?!--from)(?:--\S+\s+)*(.+)\s+\S+$/.exec(line.trim());
        if (!m) continue;
        for (const src of m[1]!.split(/\s+/)) {
          // dist/ is built by `npm run build` before the image (see the Dockerfile's header).
          if (src.startsWith('dist/')) continue;
          expect(existsSync(join(context, src)), `${dockerfile}: ${src}`).toBe(true);
        }
      }
    }
  });

  it('mounts only paths that exist in the project', () => {
    for (const svc of Object.values(compose.services)) {
      for (const v of svc.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (!src.startsWith('.')) continue;
        expect(existsSync(resolve(DOCKER, src)), v).toBe(true);
      }
    }
  });

  it('loads the templates and dashboard the setup script names', () => {
    const setup = readFileSync(join(DOCKER, 'setup/setup.sh'), 'utf8');
    expect(setup).toContain('_component_template/misp-enrich-threat-enrichments');
    expect(indexTemplate.composed_of).toEqual(['misp-enrich-threat-enrichments']);
    for (const f of ['component-template.json', 'index-template.json', 'misp-enrich-dashboard.ndjson']) expect(setup).toContain(f);
  });
});

describe('Elasticsearch templates', () => {
  const props = component.template.mappings.properties;
  it('maps threat.enrichments as nested, as ECS defines it', () => {
    expect(props.threat.properties.enrichments.type).toBe('nested');
  });

  it('copies into misp_enrich.* fields that exist (Kibana cannot aggregate nested fields)', () => {
    const targets = new Set<string>();
    const walk = (node: Record<string, any>) => {
      for (const v of Object.values(node)) {
        if (v && typeof v === 'object') {
          if (typeof v.copy_to === 'string') targets.add(v.copy_to);
          walk(v);
        }
      }
    };
    walk(props.threat);
    expect(targets.size).toBeGreaterThan(5);
    for (const t of targets) {
      expect(t.startsWith('misp_enrich.'), t).toBe(true);
      expect(props.misp_enrich.properties[t.slice('misp_enrich.'.length)], t).toBeDefined();
    }
  });

  it('has an index template the demo stack index matches', () => {
    expect(indexTemplate.index_patterns).toContain('misp-enrich-*');
    expect(readFileSync(join(DOCKER, 'logstash/pipeline/misp-enrich.conf'), 'utf8')).toMatch(/index => "misp-enrich-%\{\+YYYY\.MM\.dd\}"/);
  });
});

describe('Kibana saved objects', () => {
  const byId = new Map(kibana.map((o) => [o.id, o]));
  it('is importable: every object has id, type and attributes, and every reference resolves', () => {
    for (const o of kibana) {
      expect(o).toMatchObject({ id: expect.any(String), type: expect.stringMatching(/^(index-pattern|visualization|dashboard)$/), attributes: expect.any(Object) });
      for (const r of o.references) expect(byId.get(r.id)?.type, `${o.id} -> ${r.id}`).toBe(r.type);
    }
  });

  it('has a dashboard whose panels are the visualizations', () => {
    const dash = kibana.find((o) => o.type === 'dashboard');
    const panels = JSON.parse(dash.attributes.panelsJSON) as { panelRefName: string }[];
    expect(panels.length).toBe(4);
    for (const p of panels) expect(dash.references.some((r: { name: string }) => r.name === p.panelRefName)).toBe(true);
  });

  it('aggregates only fields the template maps', () => {
    const mapped = new Set(Object.keys(component.template.mappings.properties.misp_enrich.properties).map((k) => `misp_enrich.${k}`));
    mapped.add('@timestamp');
    for (const o of kibana.filter((x) => x.type === 'visualization')) {
      const vis = JSON.parse(o.attributes.visState) as { aggs: { params: { field?: string } }[] };
      for (const agg of vis.aggs) if (agg.params.field) expect(mapped.has(agg.params.field), agg.params.field).toBe(true);
    }
  });
});
