// The agent against a MISP that misbehaves (spec/support/hostile-misp.ts, in front of a real
// misp-sim) and a memcached that is not there: every input is bounded, a failed cycle never
// removes anything, failures are logged with their codes and shown by /healthz, and no piece of
// the API key leaves the process.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PIECE } from '../../agent/ops/redact.js';
import { startHostileMisp, type HostileMisp } from '../support/hostile-misp.js';
import { freePort } from '../support/memcached.js';
import type { AgentProc } from './support/agent-process.js';
import { API_KEY, peakRssMb } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

const world = useAgentWorld({ data: ['event-every-type.json', 'event-second.json'] });
let hostile: HostileMisp;

beforeAll(async () => {
  hostile = await startHostileMisp(world.sim.url);
});

afterEach(async () => {
  await world.stopAgents();
  hostile.mode = 'pass';
  await world.reader.flush();
});

afterAll(async () => {
  await hostile?.close();
});

/** An agent against the hostile MISP, in small pages. */
function agent(args: string[]): Promise<AgentProc> {
  return world.startAgent({ mispUrl: hostile.url, args: ['--page-size', '5', ...args] });
}

/** No piece of the key of PIECE characters in the text. */
function expectNoKeyPiece(text: string): void {
  for (let i = 0; i + PIECE <= API_KEY.length; i++) expect(text).not.toContain(API_KEY.slice(i, i + PIECE));
}

describe('the agent against a hostile MISP', () => {
  it('stops a listing whose pages repeat (MISP ignoring page), fails the cycle, and keeps repairing memcached', async () => {
    // Full resyncs every cycle: only a listing of more than one page can show it.
    const a = await agent(['--full-resync', '1']);
    await a.waitFor('full', 'ok', 1);
    expect(await world.reader.get('me1:meta')).not.toBeNull();
    hostile.mode = 'same-page';
    await a.waitFor('full', 'error', 1);
    const health = await a.health();
    expect(health.status).toBe(503);
    expect((health.body.last_error as { code: string }).code).toBe('MISP_ENRICH_AGENT_MISP_PAGING');
    expect(a.logs().some((l) => l.code === 'MISP_ENRICH_AGENT_MISP_PAGING' && l.level === 'error')).toBe(true);
    // Paging no longer stalls the cycle: a flushed server is reloaded from memory meanwhile.
    await world.reader.flush();
    await a.waitCycles(2);
    expect(await world.reader.get('me1:meta')).not.toBeNull();
    const requests = hostile.requests.get('/attributes/restSearch') ?? 0;
    await a.waitCycles(2);
    // A bounded number of requests per cycle (a page, its prefetched successor, at most), not a loop.
    expect((hostile.requests.get('/attributes/restSearch') ?? 0) - requests).toBeLessThanOrEqual(2 * 3);
  });

  it('--once exits non-zero at once when MISP ignores paging', async () => {
    hostile.mode = 'same-page';
    const r = await world.once(['--page-size', '5', '--retries', '0'], { mispUrl: hostile.url });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('MISP_ENRICH_AGENT_MISP_PAGING');
  });

  it('aborts an answer that never ends at --max-response-mb, and stays small', async () => {
    const a = await agent(['--max-response-mb', '8']);
    await a.waitFor('full', 'ok', 1);
    hostile.mode = 'endless-body';
    await a.waitFor('incremental', 'error', 2);
    expect(a.logs().some((l) => l.code === 'MISP_ENRICH_AGENT_MISP_TOO_LARGE')).toBe(true);
    expect(peakRssMb(a.child.pid!)).toBeLessThan(1024);
    // What was loaded before stays.
    expect(await world.reader.get('me1:meta')).not.toBeNull();
  });

  it('fails a cycle that runs past --cycle-timeout', async () => {
    hostile.mode = 'slow';
    hostile.delayMs = 400;
    const r = await world.once(['--page-size', '2', '--cycle-timeout', '1', '--retries', '0'], { mispUrl: hostile.url });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('MISP_ENRICH_AGENT_SYNC_TIMEOUT');
  });

  it('never shows a piece of the key that MISP reflects, in /healthz, /metrics or its logs', async () => {
    hostile.mode = 'reflect-key';
    const a = await agent([]);
    await a.waitFor('full', 'error', 1);
    const health = await a.health();
    expect(health.status).toBe(503);
    expect((health.body.last_error as { code: string }).code).toBe('MISP_ENRICH_AGENT_MISP_MALFORMED');
    expectNoKeyPiece(health.text);
    expectNoKeyPiece(await a.metricsText());
    expectNoKeyPiece(a.err.join('\n'));
  });

  it('keeps the set when a full resync gets an empty list with a 200, until the operator allows it', async () => {
    const a = await agent(['--full-resync', '1']);
    await a.waitFor('full', 'ok', 1);
    const stored = (await a.health()).body.attributes as number;
    expect(stored).toBeGreaterThan(10);
    hostile.mode = 'empty-list';
    await a.waitFor('full', 'error', 1);
    const health = await a.health();
    expect((health.body.last_error as { code: string }).code).toBe('MISP_ENRICH_AGENT_MASS_REMOVAL');
    expect(health.body.attributes).toBe(stored);
    expect(await a.metric('mass_removals_refused_total')).toBeGreaterThanOrEqual(1);
    expect(await world.reader.get('me1:ip:192.0.2.10')).not.toBeNull();

    hostile.mode = 'pass';
    const allowed = await agent(['--full-resync', '1', '--max-removal-share', '1']);
    await allowed.waitFor('full', 'ok', 1);
    hostile.mode = 'empty-list';
    await allowed.waitFor('full', 'ok', 2);
    expect((await allowed.health()).body.attributes).toBe(0);
  });
});

describe('the agent without memcached, and its snapshot', () => {
  it('says at start-up that no memcached server answers, and that a sync stored nothing', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const a = await world.startAgent({ memcached: [dead] });
    await a.waitFor('full', 'ok', 1);
    const logs = a.logs();
    expect(logs.some((l) => l.level === 'warn' && l.code === 'MISP_ENRICH_AGENT_MEMCACHED' && String(l.msg).includes('no memcached server answers'))).toBe(true);
    expect(logs.some((l) => l.level === 'warn' && String(l.msg).includes('no memcached server took the keys'))).toBe(true);
    expect(logs.some((l) => l.level === 'info' && l.msg === 'full sync done')).toBe(false);
  });

  it('removes a temporary snapshot a killed agent left behind', async () => {
    const snapshot = join(world.workDir, 'snapshot.jsonl');
    const leftover = `${snapshot}.tmp-424242`;
    writeFileSync(leftover, '{"half":');
    const r = await world.once(['--snapshot', snapshot]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(snapshot)).toBe(true);
  });
});

