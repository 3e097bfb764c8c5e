// A memcached too small for the set: the agent reports evictions (log line and metric) and warns
// that limit_maxbytes is below what the set needs, instead of silently losing indicators.
import { describe, expect, it } from 'vitest';
import { until } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

describe('misp-enrich-agent with an undersized memcached', () => {
  // 2 MB of memcached for ~30,000 indicators of a few hundred bytes each.
  const world = useAgentWorld({ sim: { synthetic: 30_000 }, memcached: { memoryMb: 2 }, agent: { args: ['--no-to-ids-only', '--no-published-only'] } });

  it('warns about memory, reports evictions, and keeps running', async () => {
    const { agent, mc } = world;
    await agent.waitCycles(2);
    const memory = await until('a memory warning', () => agent.logs().find((l) => l.code === 'MISP_ENRICH_AGENT_MEMCACHED_MEMORY'));
    expect(memory).toMatchObject({ level: 'warn', server: mc.address });
    expect(Number(memory.needed_bytes)).toBeGreaterThan(Number(memory.limit_bytes) * 0.8);
    expect(String(memory.msg)).toMatch(/raise its -m/);
    const evicted = agent.logs().find((l) => l.code === 'MISP_ENRICH_AGENT_MEMCACHED_EVICTIONS');
    expect(evicted).toMatchObject({ level: 'warn', server: mc.address });
    expect(await agent.metric('memcached_evictions', { server: mc.address })).toBeGreaterThan(0);
    expect(await agent.metric('memcached_limit_bytes', { server: mc.address })).toBe(2 * 1024 * 1024);
    expect(agent.exitCode).toBeNull();
  });
});
