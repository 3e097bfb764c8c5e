// The whole docker/ stack (profile sim), end to end, where a Docker engine exists:
// Elasticsearch with the templates installed by setup-elasticsearch, memcached, misp-sim seeded
// with the demo dataset, the agent, and Logstash with the gem installed. Events go in over TCP
// and must come out of Elasticsearch enriched and mapped as the templates say. Without a Docker engine (as on the
// development machines of this project) the suite is skipped, and says why.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerUnavailable } from '../support/docker.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

const unavailable = await dockerUnavailable();
if (unavailable) {
  console.warn(`spec/docker/stack.e2e.spec.ts skipped: no Docker engine here (${unavailable})`);
}

describe.skipIf(unavailable !== null)('docker/compose.yaml stack (testcontainers)', () => {
  let env: import('testcontainers').StartedDockerComposeEnvironment;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/gem')) || readdirSync(join(ROOT, 'dist/gem')).length === 0) {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    }
    const { DockerComposeEnvironment, Wait } = await import('testcontainers');
    env = await new DockerComposeEnvironment(join(ROOT, 'docker'), 'compose.yaml')
      .withBuild()
      .withProfiles('sim')
      .withWaitStrategy('elasticsearch-1', Wait.forHealthCheck())
      .withWaitStrategy('logstash-1', Wait.forLogMessage(/Pipelines running/))
      .up(['elasticsearch', 'setup-elasticsearch', 'memcached', 'misp-sim', 'agent', 'logstash']);
  }, 900_000);

  afterAll(async () => {
    await env?.down({ removeVolumes: true });
  }, 300_000);

  it('enriches a DNS event for a demo indicator and indexes it in Elasticsearch', async () => {
    const event = { message: 'e2e', dns: { question: { name: 'x.loader-cdn.example' } } };
    await new Promise<void>((res, rej) => {
      const sock = createConnection({ host: '127.0.0.1', port: 5000 }, () => sock.end(JSON.stringify(event) + '\n', () => res()));
      sock.once('error', rej);
    });
    let hit: any = null;
    for (let i = 0; i < 60 && !hit; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      const res = await fetch('http://127.0.0.1:9200/misp-enrich-*/_search?q=message:e2e').catch(() => null);
      const body: any = res?.ok ? await res.json() : null;
      hit = body?.hits?.hits?.[0]?._source ?? null;
    }
    expect(hit?.threat?.enrichments?.[0]?.indicator?.url?.domain).toBe('loader-cdn.example');
    expect(hit?.threat?.enrichments?.[0]?.feed?.name).toBe('MISP');
    expect(hit?.misp_enrich?.indicator).toContain('loader-cdn.example');
    expect(hit?.tags).toContain('misp_hit');
    // The index got the template's mapping, not a dynamic one.
    const mapping: any = await (await fetch('http://127.0.0.1:9200/misp-enrich-*/_mapping')).json();
    const props = (Object.values(mapping)[0] as any).mappings.properties;
    expect(props.threat.properties.enrichments.type).toBe('nested');
  }, 300_000);
});
