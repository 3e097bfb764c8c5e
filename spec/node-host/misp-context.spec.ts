// testbed/node-host/misp-context.ts (undici) against the MISP context port contract: the same
// cases the Java shell's MispContextFetcher passes in spec/contracts/misp-context-fetcher.spec.ts.
// Needs ../shared: the contract runs misp-sim (startMispSim) over real MISP events.
import { mispContext } from '../../testbed/node-host/misp-context.js';
import { mispContextPortContract, unwrapEvent, type Contexts } from '../contracts/misp-context-port.contract.js';

function contexts(answer: Record<string, unknown>): Contexts {
  return Object.fromEntries(Object.entries(answer).map(([id, v]) => [id, unwrapEvent(v)]));
}

mispContextPortContract({
  name: 'Node mispContext (undici)',
  async open(config) {
    const port = mispContext({
      url: config.url,
      apiKey: config.apiKey,
      timeoutMs: config.timeoutMs,
      maxResponseBytes: config.maxResponseBytes,
      maxEntries: config.cacheSize,
      ttlMs: config.cacheTtlMs,
    });
    return {
      fetch: async (ids) => contexts(await port.fetchEvents(ids)),
      fetchConcurrently: async (lists) => (await Promise.all(lists.map((ids) => port.fetchEvents(ids)))).map(contexts),
      close: () => port.close(),
    };
  },
});
