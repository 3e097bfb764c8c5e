// The demo's enriched output, made the way the demo makes it but with the Node host of the core
// instead of the plugin jar: memcached and misp-sim (demo/misp-data) on free loopback ports, one
// real agent sync (dist/agent), the demo's event stream with its known answers, and every batch
// of 125 through createNodeEnricher with the real memcached and MISP context ports.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadDemoDataset } from '../../../demo/demo-dataset.js';
import { generateStream, type DemoEvent } from '../../../demo/demo-stream.js';
import { createNodeEnricher } from '../../../testbed/node-host/batch-enricher.js';
import { loadCore } from '../../../testbed/node-host/core-loader.js';
import { memcachedKv } from '../../../testbed/node-host/memcached-kv.js';
import { mispContext } from '../../../testbed/node-host/misp-context.js';
import { startService } from '../../../tools/child-service.js';
import { startMemcached } from '../../support/memcached.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const BATCH = 125;

export interface EnrichedDemo {
  /** The stream, each event with its intended hits (the demo's known answers). */
  stream: DemoEvent[];
  /** The same events after the filter, in order. */
  events: Record<string, unknown>[];
  mispUrl: string;
}

export async function enrichedDemo(count: number): Promise<EnrichedDemo> {
  const apiKey = randomBytes(20).toString('hex');
  const memcached = await startMemcached();
  const sim = await startService(process.execPath, [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', join(ROOT, 'demo/misp-data'), '--port', '0', '--api-key', apiKey], {
    ready: /listening on (http:\/\/\S+)/,
  });
  const mispUrl = sim.ready[1]!;
  try {
    await promisify(execFile)(process.execPath, [join(ROOT, 'dist/agent/misp-enrich-agent.js'), '--once', '--misp-url', mispUrl, '--memcached', memcached.address], {
      env: { PATH: process.env.PATH ?? '', MISP_API_KEY: apiKey },
    });
    const stream = generateStream(loadDemoDataset(join(ROOT, 'demo/misp-data')), { count });
    const enricher = createNodeEnricher({
      core: loadCore(),
      options: { misp_url: mispUrl, fetch_context: true },
      kv: memcachedKv({ servers: [memcached.address] }),
      context: mispContext({ url: mispUrl, apiKey }),
    });
    const events = stream.map((s) => structuredClone(s.event));
    try {
      for (let i = 0; i < events.length; i += BATCH) {
        const outcome = await enricher.enrich(events.slice(i, i + BATCH));
        if (outcome.error) throw new Error(`the core failed on a batch: ${outcome.error}`);
      }
    } finally {
      await enricher.close();
    }
    return { stream, events, mispUrl };
  } finally {
    await sim.stop();
    await memcached.stop();
  }
}
