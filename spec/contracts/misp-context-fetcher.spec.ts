// The Java shell's MispContextFetcher, from the packaged plugin jar in a JVM (the harness's
// --port-probe mode), against the MISP context port contract: the same cases the Node host's
// undici port passes in spec/node-host/misp-context.spec.ts. Then what only this implementation
// reports: its warnings carry MISP_ENRICH_FETCH and say why, never the API key, it counts its
// requests (the fetches metric), and close() leaves no thread or socket behind.
// Needs ../shared: the contract and these cases run misp-sim (startMispSim) over real MISP events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMispSim, type SimProcess } from '../misp-sim/sim-process.js';
import { startHostileMisp, type HostileMisp } from '../support/hostile-misp.js';
import { assertJarsBuilt, startPortProbe } from '../plugin-java/harness.js';
import { mispContextPortContract, unwrapEvent, type ContextPortConfig, type Contexts } from './misp-context-port.contract.js';

function contexts(texts: Record<string, string | null>): Contexts {
  return Object.fromEntries(Object.entries(texts).map(([id, text]) => [id, text === null ? null : unwrapEvent(JSON.parse(text))]));
}

const probeConfig = (config: ContextPortConfig) => ({
  port: 'misp-context',
  url: config.url,
  apiKey: config.apiKey,
  timeoutMs: config.timeoutMs,
  maxResponseBytes: config.maxResponseBytes,
  contextCacheSize: config.cacheSize,
  contextCacheTtlMs: config.cacheTtlMs,
});

beforeAll(() => assertJarsBuilt());

mispContextPortContract({
  name: 'Java MispContextFetcher (packaged jar)',
  async open(config) {
    const probe = await startPortProbe(probeConfig(config));
    return {
      fetch: async (ids) => contexts((await probe.send({ fetch: ids })).events),
      fetchConcurrently: async (lists) => ((await probe.send({ fetchConcurrently: lists })).results as Record<string, string | null>[]).map(contexts),
      close: async () => void (await probe.close()),
    };
  },
});

describe('MispContextFetcher beyond the contract', () => {
  let sim: SimProcess;
  let hostile: HostileMisp;
  const config = (over: Partial<ContextPortConfig> = {}): ContextPortConfig => ({
    url: hostile.url, apiKey: sim.apiKey, timeoutMs: 5000, maxResponseBytes: 16 << 20, cacheSize: 10_000, cacheTtlMs: 300_000, ...over,
  });
  beforeAll(async () => {
    sim = await startMispSim({ events: ['misp-tests-event-regin.json'] });
    hostile = await startHostileMisp(sim.url);
  });
  afterAll(async () => {
    await hostile?.close();
    await sim?.stop();
  });

  it('keeps the event as MISP sent it, counts one request, and leaves no thread or socket once closed', async () => {
    hostile.mode = 'pass';
    const probe = await startPortProbe(probeConfig(config()));
    const answer = await probe.send({ fetch: ['750'] });
    expect(JSON.parse(answer.events['750'])).toMatchObject({ Event: { id: '750', Orgc: { name: 'CIRCL' } } });
    expect(answer).toMatchObject({ warnings: [], requests: 1 });
    expect(await probe.close()).toEqual({ closed: true, leaked_threads: [], leaked_sockets: [] });
  });

  it('says why, with MISP_ENRICH_FETCH and without the API key, for each kind of failure', async () => {
    const cases: [HostileMisp['mode'], Partial<ContextPortConfig>, RegExp][] = [
      ['endless-body', { maxResponseBytes: 1 << 20, timeoutMs: 30_000 }, /^MISP_ENRICH_FETCH: events\/restSearch failed: .*larger than misp_max_response_bytes \(1048576\)/],
      ['headers-then-silence', { timeoutMs: 1000 }, /^MISP_ENRICH_FETCH: events\/restSearch did not complete within misp_timeout; cut off$/],
      ['reflect-key', {}, /^MISP_ENRICH_FETCH: events\/restSearch answered something other than JSON events$/],
      ['pass', { apiKey: 'wrong-key-0000000000000000000000000000000' }, /^MISP_ENRICH_FETCH: events\/restSearch answered HTTP 403$/],
    ];
    for (const [mode, over, warning] of cases) {
      hostile.mode = mode;
      const c = config(over);
      const probe = await startPortProbe(probeConfig(c));
      const answer = await probe.send({ fetch: ['750'] });
      expect(answer.events, mode).toEqual({ 750: null });
      expect(answer.warnings, mode).toHaveLength(1);
      expect(answer.warnings[0], mode).toMatch(warning);
      expect(JSON.stringify(answer) + probe.stderr(), mode).not.toContain(c.apiKey);
      expect(await probe.close(), mode).toEqual({ closed: true, leaked_threads: [], leaked_sockets: [] });
    }
  });
});
