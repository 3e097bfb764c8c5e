// docker/ cannot run here (no Docker engine), so everything that can be checked offline is:
// the compose file parses (with its YAML merge keys), each profile is a consistent stack on its
// own (what `docker compose --profile X` starts: every dependency present, one builder per
// image, no host port twice), the misp profile really wires the agent and Logstash to misp-core
// over verified TLS, every image is built here or published and pinned, and every path the
// compose file and the Dockerfiles name exists.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCKER = join(ROOT, 'docker');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  entrypoint?: string[];
  command?: string[];
}
const compose = parse(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const dotenv = Object.fromEntries(
  readFileSync(join(DOCKER, '.env'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

const PUBLISHED = [
  /^docker\.elastic\.co\/(elasticsearch|kibana|logstash)\/\1:\$\{ELASTIC_VERSION:-9\.\d+\.\d+\}$/,
  /^memcached:1\.6-alpine$/,
  /^curlimages\/curl:\d+\.\d+\.\d+$/,
  /^mariadb:10\.11$/,
  /^valkey\/valkey:7\.2$/,
  /^ghcr\.io\/misp\/misp-docker\/misp-(core|modules):v\d+\.\d+\.\d+$/,
];
const BUILT_HERE = new Set(['misp-enrich-node', 'misp-enrich-logstash']);

/** The services `docker compose --profile <profile> up` starts. */
function stack(profile: string): Record<string, Service> {
  return Object.fromEntries(Object.entries(services).filter(([, s]) => !s.profiles || s.profiles.includes(profile)));
}
const dependencies = (s: Service) => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));
const condition = (s: Service, on: string) => (Array.isArray(s.depends_on) ? 'service_started' : (s.depends_on?.[on]?.condition ?? 'service_started'));
const hostPort = (p: string) => p.split(':').slice(0, -1).join(':');

describe('docker/compose.yaml', () => {
  it('names only images the project builds or published, pinned images', () => {
    for (const [name, svc] of Object.entries(services)) {
      expect(svc.image, name).toBeDefined();
      const ok = BUILT_HERE.has(svc.image!) || PUBLISHED.some((re) => re.test(svc.image!));
      expect(ok, `${name}: ${svc.image}`).toBe(true);
      expect(svc.image, name).not.toMatch(/:latest$/);
    }
  });

  it('starts the misp-sim stack by default: docker/.env sets the profile `sim`', () => {
    expect(dotenv.COMPOSE_PROFILES).toBe('sim');
  });

  for (const profile of ['sim', 'misp']) {
    describe(`with the profile ${profile}`, () => {
      const active = stack(profile);
      it('has every dependency in the same stack', () => {
        for (const [name, svc] of Object.entries(active)) for (const dep of dependencies(svc)) expect(active[dep], `${name} -> ${dep}`).toBeDefined();
      });

      it('builds each project image in exactly one service, and publishes no host port twice', () => {
        for (const image of BUILT_HERE) {
          const builders = Object.entries(active).filter(([, s]) => s.image === image && s.build);
          expect(builders.map(([n]) => n), image).toHaveLength(1);
        }
        const ports = Object.values(active).flatMap((s) => (s.ports ?? []).map(hostPort));
        expect(new Set(ports).size).toBe(ports.length);
      });

      it('starts Logstash only once the index templates are installed', () => {
        const logstash = Object.entries(active).filter(([, s]) => s.image === 'misp-enrich-logstash');
        expect(logstash).toHaveLength(1);
        expect(condition(logstash[0]![1], 'setup-elasticsearch')).toBe('service_completed_successfully');
        expect(active['setup-elasticsearch']!.entrypoint).toEqual(['/bin/sh', '/setup/setup.sh', 'elasticsearch']);
      });

      it('gives the agent and Logstash the same MISP and key, and an agent snapshot in a volume', () => {
        const agent = Object.values(active).find((s) => s.image === 'misp-enrich-node' && s.environment?.MISP_ENRICH_MISP_URL)!;
        const logstash = Object.values(active).find((s) => s.image === 'misp-enrich-logstash')!;
        expect(agent.environment!.MISP_ENRICH_MISP_URL).toBe(logstash.environment!.MISP_URL);
        expect(agent.environment!.MISP_API_KEY).toBe(logstash.environment!.MISP_API_KEY);
        const snapshotDir = agent.environment!.MISP_ENRICH_SNAPSHOT!.replace(/\/[^/]+$/, '');
        expect(agent.volumes!.some((v) => v.split(':')[1] === snapshotDir), snapshotDir).toBe(true);
      });
    });
  }

  it('points the sim stack at misp-sim', () => {
    const active = stack('sim');
    expect(active['misp-sim']).toBeDefined();
    expect(active['misp-core']).toBeUndefined();
    expect(active.agent!.environment!.MISP_ENRICH_MISP_URL).toBe('http://misp-sim:8443');
  });

  it('points the misp stack at misp-core over HTTPS, trusting the certificate misp-certs makes for that name', () => {
    const active = stack('misp');
    expect(active['misp-sim']).toBeUndefined();
    expect(JSON.stringify(active)).not.toContain('misp-sim');
    const agent = active['agent-misp']!;
    expect(agent.environment!.MISP_ENRICH_MISP_URL).toBe('https://misp-core');
    expect(condition(agent, 'misp-core')).toBe('service_healthy');
    expect(agent.environment).not.toHaveProperty('MISP_ENRICH_INSECURE');
    // The certificate volume: written by misp-certs, served by misp-core's nginx, trusted by both clients.
    const mountOf = (s: Service, volume: string) => s.volumes!.find((v) => v.startsWith(`${volume}:`))!.split(':')[1]!;
    expect(mountOf(active['misp-certs']!, 'misp-certs')).toBe('/certs');
    expect(mountOf(active['misp-core']!, 'misp-certs')).toBe('/etc/nginx/certs');
    expect(condition(active['misp-core']!, 'misp-certs')).toBe('service_completed_successfully');
    expect(agent.environment!.MISP_ENRICH_CA_FILE).toBe(`${mountOf(agent, 'misp-certs')}/cert.pem`);
    const certScript = readFileSync(join(DOCKER, 'setup/misp-certs.sh'), 'utf8');
    expect(certScript).toMatch(/subjectAltName = DNS:misp-core/);
    expect(certScript).toContain('"$dir/cert.pem"');
    const logstash = active['logstash-misp']!;
    const pipelineDir = logstash.volumes!.find((v) => v.endsWith(':/usr/share/logstash/pipeline:ro'))!.split(':')[0]!;
    const pipeline = readFileSync(join(DOCKER, pipelineDir, 'misp-enrich.conf'), 'utf8');
    expect(pipeline).toContain(`ssl_certificate_authorities => ["${mountOf(logstash, 'misp-certs')}/cert.pem"]`);
    expect(logstash.environment!.MISP_URL).toBe('https://misp-core');
    // The admin's key at misp-core's first start is the key the clients send.
    expect(active['misp-core']!.environment!.ADMIN_KEY).toBe(agent.environment!.MISP_API_KEY);
  });

  it('defaults MISP_API_KEY to one key of MISP\'s form (40 letters and digits), the same everywhere', () => {
    const defaults = new Set([...readFileSync(join(DOCKER, 'compose.yaml'), 'utf8').matchAll(/\$\{MISP_API_KEY:-([^}]*)\}/g)].map((m) => m[1]));
    expect(defaults.size).toBe(1);
    expect([...defaults][0]).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  it('builds from Dockerfiles that exist, whose COPY sources exist', () => {
    const built = Object.values(services).filter((s) => s.build);
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

  it('mounts only project paths that exist, and only volumes it declares', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const v of svc.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('.')) expect(existsSync(resolve(DOCKER, src)), `${name}: ${v}`).toBe(true);
        else expect(compose.volumes, `${name}: ${v}`).toHaveProperty(src);
      }
    }
  });

  it('installs the templates and the Kibana objects the docs ship, under the names the index template composes', () => {
    const setup = readFileSync(join(DOCKER, 'setup/setup.sh'), 'utf8');
    const indexTemplate = JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/index-template.json'), 'utf8'));
    const component = /_component_template\/([\w@-]+)"[^\n]*\n[^\n]*@\/setup\/elasticsearch\/component-template\.json/.exec(setup)?.[1];
    expect(component).toBeDefined();
    expect(indexTemplate.composed_of).toEqual([component]);
    expect(setup).toMatch(/_index_template\/misp-enrich"[^\n]*\n[^\n]*@\/setup\/elasticsearch\/index-template\.json/);
    expect(setup).toContain('@/setup/kibana/misp-enrich-dashboard.ndjson');
    expect(existsSync(join(ROOT, 'docs/kibana/misp-enrich-dashboard.ndjson'))).toBe(true);
  });
});
