// The agent keeps memcached right through failures: MISP down for many cycles, MISP answering
// badly (wrong key, 500, timeout, malformed JSON), memcached restarted, and a restart of the
// agent itself while MISP is down. Every failure is a log line with a stable code and a metric,
// never a crash and never an emptied memcached. The API key never appears in any output.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { META_KEY } from '../../plugin/core/ioc/index.js';
import type { AgentProc } from './support/agent-process.js';
import { API_KEY, keysOf, readFixture } from './support/harness.js';
import type { Reader } from './support/reader.js';
import { useAgentWorld, type AgentWorld } from './support/world.js';

type Attr = { uuid: string; type: string; value: string; to_ids: boolean };

const stored = (readFixture('event-every-type.json').Event.Attribute as Attr[]).filter((a) => a.to_ids).flatMap(keysOf);

async function missingKeys(reader: Reader): Promise<string[]> {
  const missing: string[] = [];
  for (const k of [...stored, META_KEY]) if ((await reader.get(k)) === null) missing.push(k);
  return missing;
}

// Keys live 4 s: without the agent's refresh an outage of several cycles would expire them.
const resilient = (w: AgentWorld) => ['--key-ttl', '4', '--timeout', '1', '--snapshot', join(w.workDir, 'snapshot.jsonl')];

describe('misp-enrich-agent resilience (real agent, misp-sim, memcached)', () => {
  const world = useAgentWorld({ data: ['event-every-type.json'], agent: { args: resilient } });
  let agent: AgentProc;
  const outputs: string[] = [];

  beforeAll(async () => {
    agent = world.agent;
    expect(await missingKeys(world.reader)).toEqual([]);
  });

  it('loses no key while MISP is down for many cycles, and recovers when it is back', async () => {
    await world.sim.fault('error500');
    const errorsBefore = await agent.cycles('incremental', 'error');
    // Eight failed cycles at a 1 s interval outlast the 4 s key TTL twice over.
    await agent.waitFor('incremental', 'error', errorsBefore + 8);
    expect(await missingKeys(world.reader)).toEqual([]);
    expect((await agent.health()).status).toBe(503);
    await world.sim.fault('none');
    const okBefore = await agent.cycles('incremental', 'ok');
    await agent.waitFor('incremental', 'ok', okBefore + 1);
    expect((await agent.health()).status).toBe(200);
    expect(await missingKeys(world.reader)).toEqual([]);
  });

  const failures = [
    { mode: 'error500', code: 'MISP_ENRICH_AGENT_MISP_HTTP', text: /HTTP 500/ },
    { mode: 'slow', extra: { delay_ms: 3000 }, code: 'MISP_ENRICH_AGENT_MISP_TIMEOUT', text: /timed out/ },
    { mode: 'malformed', code: 'MISP_ENRICH_AGENT_MISP_MALFORMED', text: /malformed JSON/ },
    { mode: 'truncated', code: null, text: /MISP POST/ },
    { mode: 'auth', code: 'MISP_ENRICH_AGENT_MISP_AUTH', text: /refused \(HTTP 403\)/ },
  ] as const;

  for (const f of failures) {
    it(`a MISP answering "${f.mode}" gives a clear log line and a metric, no crash, no lost key`, async () => {
      const logsBefore = agent.err.length;
      const errorsBefore = await agent.cycles('incremental', 'error');
      await world.sim.fault(f.mode, 'extra' in f ? f.extra : {});
      await agent.waitFor('incremental', 'error', errorsBefore + 1);
      await world.sim.fault('none');
      // Back to a clean cycle, so a request still delayed by this fault cannot fail the next case.
      const okBefore = await agent.cycles('incremental', 'ok');
      await agent.waitFor('incremental', 'ok', okBefore + 1);
      const failed = agent.logs().slice(logsBefore).filter((l) => l.level === 'error' && / sync failed: /.test(String(l.msg)));
      const line = failed.find((l) => f.text.test(String(l.msg))) ?? failed[0];
      expect(line, 'an error log line for the failed cycle').toBeDefined();
      expect(String(line!.msg)).toMatch(f.text);
      expect(String(line!.code)).toMatch(/^MISP_ENRICH_AGENT_MISP_/);
      if (f.code) {
        expect(line!.code).toBe(f.code);
        expect(await agent.metric('misp_errors_total', { code: f.code })).toBeGreaterThan(0);
      }
      expect(agent.exitCode).toBeNull();
      expect(await missingKeys(world.reader)).toEqual([]);
    });
  }

  it('repairs a restarted (empty) memcached within the next cycle', async () => {
    const reloads = await agent.metric('memcached_reloads_total', { server: world.mc.address, source: 'memory' });
    await world.mc.restart();
    expect(await world.reader.get(META_KEY)).toBeNull();
    await agent.waitCycles(2);
    expect(await agent.metric('memcached_reloads_total', { server: world.mc.address, source: 'memory' })).toBeGreaterThan(reloads);
    expect(await missingKeys(world.reader)).toEqual([]);
  });

  it('refills memcached from the snapshot when it restarts while MISP is down', async () => {
    await agent.kill('SIGTERM');
    expect(agent.exitCode).toBe(0);
    await world.sim.fault('error500');
    await world.mc.restart();
    agent = await world.startAgent({ args: resilient(world) });
    await agent.waitFor('full', 'error', 1);
    expect(await agent.metric('memcached_reloads_total', { server: world.mc.address, source: 'snapshot' })).toBe(1);
    expect(await missingKeys(world.reader)).toEqual([]);
    const health = await agent.health();
    expect(health.status).toBe(503);
    expect(health.body.last_error).toMatchObject({ code: 'MISP_ENRICH_AGENT_MISP_HTTP' });
    await world.sim.fault('none');
    await agent.waitFor('full', 'ok', 1);
    expect(await missingKeys(world.reader)).toEqual([]);
  });

  it('a wrong API key is a clear error and a metric, and leaves memcached as it was', async () => {
    const wrongKey = 'wrong-key-0a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
    const bad = await world.startAgent({ args: [...resilient(world), '--snapshot', join(world.workDir, 'other-snapshot.jsonl')], apiKey: wrongKey });
    await bad.waitFor('full', 'error', 2);
    const line = bad.logs().find((l) => l.code === 'MISP_ENRICH_AGENT_MISP_AUTH');
    expect(String(line?.msg)).toMatch(/refused \(HTTP 403\): check the API key/);
    expect(await bad.metric('misp_errors_total', { code: 'MISP_ENRICH_AGENT_MISP_AUTH' })).toBeGreaterThan(0);
    expect(bad.exitCode).toBeNull();
    expect(await missingKeys(world.reader)).toEqual([]);
    outputs.push(await bad.metricsText(), (await bad.health()).text);
    await bad.kill();
    for (const out of [...bad.out, ...bad.err, ...outputs]) expect(out).not.toContain(wrongKey);
  });

  it('never prints the API key: logs, stdout, metrics, health', async () => {
    outputs.push(await agent.metricsText(), (await agent.health()).text);
    const all = [...world.agents.flatMap((a) => [...a.out, ...a.err]), ...outputs, ...world.sim.out, ...world.sim.err].join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(API_KEY);
  });
});
