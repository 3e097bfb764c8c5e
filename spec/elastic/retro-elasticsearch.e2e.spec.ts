// The retro-hunt against a real Elasticsearch (the image docker/compose.yaml uses), where a Docker
// engine exists: Elasticsearch pages with a point in time and search_after on _shard_doc, not with
// OpenSearch's scroll, so its own path is run here — past events in several daily indices
// (several shards), written by the plugin jar with retro_keys, and indicators of every kind
// hunted by `--once --retro-backfill`: the alerts are exactly the plugin jar's pairs. Without a
// Docker engine (as on this project's development machines) the suite is skipped, and says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemcached } from '../support/memcached.js';
import { useAgentWorld } from '../agent/support/world.js';
import { osRequest } from '../../tools/opensearch.js';
import { alertsByPair, DEMO_EVENT_FILES, demoEventNow, enrichedPairs, indexEvents, installTemplates, pastEvents, throughFilter } from './support/retro.js';
import { writeEvent } from '../agent/support/harness.js';
import { dockerUnavailable } from '../support/docker.js';

const ELASTIC_VERSION = process.env.ELASTIC_VERSION ?? '9.1.0';

const unavailable = await dockerUnavailable();
if (unavailable) console.warn(`spec/elastic/retro-elasticsearch.e2e.spec.ts skipped: no Docker engine here (${unavailable})`);

describe.skipIf(unavailable !== null)(`the retro-hunt on Elasticsearch ${ELASTIC_VERSION} (testcontainers)`, () => {
  const world = useAgentWorld({ data: (dir) => { for (const f of DEMO_EVENT_FILES) writeEvent(dir, f, demoEventNow(f)); } });
  let container: import('testcontainers').StartedTestContainer;
  let url = '';
  let truth: Map<string, unknown>;

  beforeAll(async () => {
    const { GenericContainer, Wait } = await import('testcontainers');
    container = await new GenericContainer(`docker.elastic.co/elasticsearch/elasticsearch:${ELASTIC_VERSION}`)
      .withEnvironment({ 'discovery.type': 'single-node', 'xpack.security.enabled': 'false', ES_JAVA_OPTS: '-Xms512m -Xmx512m' })
      .withExposedPorts(9200)
      .withWaitStrategy(Wait.forHttp('/_cluster/health?wait_for_status=yellow', 9200))
      .withStartupTimeout(300_000)
      .start();
    url = `http://${container.getHost()}:${container.getMappedPort(9200)}`;
    await installTemplates(url);
    const events = pastEvents(5_000, 30);
    const loaded = await world.once();
    expect(loaded.code, loaded.stderr).toBe(0);
    truth = enrichedPairs(await throughFilter(events, { memcached_hosts: [world.mc.address], fetch_context: false }));
    const empty = await startMemcached();
    const written = await throughFilter(events, { memcached_hosts: [empty.address], fetch_context: false, retro_keys: true });
    await empty.stop();
    // Daily indices of two shards each: search_after must hold across shards and indices.
    await osRequest(url, 'PUT', '/_index_template/misp-enrich-two-shards', { index_patterns: ['misp-enrich-2*'], priority: 250, composed_of: ['misp-enrich'], template: { settings: { number_of_shards: 2 } } });
    await indexEvents(url, written);
  }, 900_000);

  afterAll(async () => {
    await container?.stop();
  }, 120_000);

  it('hunts every stored indicator with a point in time, and writes exactly the filter\'s pairs', async () => {
    const r = await world.once(['--retro-url', url, '--retro-backfill', '--retro-rate', '200']);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(JSON.parse(r.stdout).retro).toMatchObject({ queued: 0, capped: 0 });
    const { byPair, total } = await alertsByPair(url);
    expect(total).toBe(byPair.size);
    expect(new Set(byPair.keys())).toEqual(new Set(truth.keys()));
  });
});
