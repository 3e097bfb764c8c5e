// How the agent starts and stops under a service manager (real agent process, misp-sim,
// memcached). What fails at start ends the process with a non-zero code and a coded message,
// whatever it had opened already (the ops port, memcached, MISP's dispatcher); SIGTERM stops it
// within seconds in every state: during a sync against a MISP that takes its time, while it waits
// to retry an unreachable MISP, and while its ZeroMQ feed is silent. A stop keeps the last
// known-good set in memcached and writes the snapshot when it changed. The deadlines below are
// the "within seconds", never a measure.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/memcached.js';
import { AgentProc } from './support/agent-process.js';
import { jsonLines, Proc } from './support/child.js';
import { API_KEY, keysOf, listenOnLoopback, ROOT, until, writeEvent } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

/** What "within seconds" means here: start failures and stops, on a loaded 2-core machine. */
const WITHIN = 10_000;
const now = () => Math.floor(Date.now() / 1000);

const started: Proc[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) await p.kill('SIGKILL');
});

/** The agent under `node <nodeArgs>`, not waited for. */
function spawnAgent(nodeArgs: string[], args: string[]): Proc {
  const proc = new Proc(
    spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist/agent/misp-enrich-agent.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', MISP_API_KEY: API_KEY },
    }),
  );
  started.push(proc);
  return proc;
}

function logsOf(p: Proc): { level: string; msg: string; code?: string }[] {
  return jsonLines(p.err);
}

async function exitWithin(p: Proc, what: string): Promise<number | null> {
  await until(what, () => p.exitCode !== null, WITHIN, 50);
  return p.exitCode;
}

/** Node's permission model without --allow-addons: native addons (zeromq's) cannot load. */
function addonsRefused(): string[] {
  const flags = process.allowedNodeEnvironmentFlags;
  return [flags.has('--permission') ? '--permission' : '--experimental-permission', '--allow-fs-read=*', ...(flags.has('--allow-net') ? ['--allow-net'] : [])];
}

describe('misp-enrich-agent start-up failures end the process', () => {
  const world = useAgentWorld({ data: ['event-every-type.json'], sim: { zmqHeartbeatS: 0 } });

  it('exits 1 with MISP_ENRICH_AGENT_ZMQ when the zeromq addon cannot load, its ops port open already', async () => {
    const port = await freePort();
    const agent = spawnAgent(addonsRefused(), ['--misp-url', world.sim.url, '--memcached', world.mc.address, '--zmq', world.sim.zmqEndpoint, '--metrics-listen', `127.0.0.1:${port}`]);
    expect(await exitWithin(agent, 'the agent to exit after the addon failed')).toBe(1);
    const error = logsOf(agent).find((l) => l.level === 'error');
    expect(error).toMatchObject({ code: 'MISP_ENRICH_AGENT_ZMQ' });
    expect(error!.msg).toContain('zeromq');
  });

  it('exits 2 with MISP_ENRICH_AGENT_METRICS_LISTEN when its ops port is taken', async () => {
    const taken = createServer();
    const port = await listenOnLoopback(taken as unknown as HttpServer);
    try {
      const agent = spawnAgent([], ['--misp-url', world.sim.url, '--memcached', world.mc.address, '--metrics-listen', `127.0.0.1:${port}`]);
      expect(await exitWithin(agent, 'the agent to exit')).toBe(2);
      expect(logsOf(agent).find((l) => l.level === 'error')).toMatchObject({ code: 'MISP_ENRICH_AGENT_METRICS_LISTEN' });
    } finally {
      taken.close();
    }
  });

  it('refuses --zmq with --once: CONFIG, exit 2, saying why', async () => {
    const r = await world.once(['--zmq', world.sim.zmqEndpoint]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const last = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { code: string; msg: string };
    expect(last.code).toBe('MISP_ENRICH_AGENT_CONFIG');
    expect(last.msg).toMatch(/--once .*--zmq/);
  });
});

describe('SIGTERM stops the agent within seconds, in every state', () => {
  const world = useAgentWorld({ data: ['event-every-type.json'], sim: { zmqHeartbeatS: 0 } });

  it('during a sync against a MISP that takes its time: the request is abandoned, memcached keeps the set', async () => {
    const snapshot = join(world.workDir, 'slow.jsonl');
    const agent = await world.startAgent({ args: ['--timeout', '300', '--snapshot', snapshot] });
    await agent.waitFor('full', 'ok', 1);
    const key = keysOf({ type: 'ip-src', value: '192.0.2.10' })[0]!;
    const before = await world.reader.get(key);
    expect(before).not.toBeNull();
    const written = readFileSync(snapshot, 'utf8');
    // Every MISP answer now takes two minutes: the next cycle's request hangs in flight.
    await world.sim.fault('slow', { delay_ms: 120_000 });
    try {
      const requests = await agent.metric('misp_requests_total');
      await until('a request to the slow MISP', async () => (await agent.metric('misp_requests_total')) > requests);
      agent.child.kill('SIGTERM');
      expect(await exitWithin(agent, 'the agent to stop during the slow sync')).toBe(0);
    } finally {
      await world.sim.fault('none');
    }
    const logs = logsOf(agent);
    expect(logs.some((l) => /sync abandoned: the agent is stopping/.test(l.msg))).toBe(true);
    expect(logs.at(-1)).toMatchObject({ msg: 'stopped' });
    expect(await world.reader.get(key)).toBe(before);
    // Nothing changed: the snapshot is the one the last successful sync wrote.
    expect(readFileSync(snapshot, 'utf8')).toBe(written);
  });

  it('while it waits to retry an unreachable MISP', async () => {
    const closed = await freePort();
    const agent = await AgentProc.start({ mispUrl: `http://127.0.0.1:${closed}`, memcached: [world.mc.address], args: ['--retries', '10', '--retry-delay', '60'] });
    started.push(agent);
    await until('a retry to be scheduled', () => logsOf(agent).some((l) => /retrying in/.test(l.msg)));
    agent.child.kill('SIGTERM');
    expect(await exitWithin(agent, 'the agent to stop while waiting to retry')).toBe(0);
    expect(logsOf(agent).at(-1)).toMatchObject({ msg: 'stopped' });
  });

  it('while its ZeroMQ feed is silent, writing the snapshot a live update changed', async () => {
    const snapshot = join(world.workDir, 'live.jsonl');
    // Polling and snapshot rewrites far away: only the stop can write what the feed brought.
    const agent = await world.startAgent({
      args: ['--interval', '600', '--key-ttl', '1800', '--zmq', world.sim.zmqEndpoint, '--zmq-heartbeat', '300', '--snapshot', snapshot, '--snapshot-interval', '3600'],
    });
    await agent.waitFor('full', 'ok', 1);
    await until('the feed to connect', async () => (await agent.metric('zmq_connected')) === 1);
    const uuid = 'c3000000-0000-4000-8000-000000000001';
    const value = 'stop.lifecycle-spec.example';
    writeEvent(world.dataDir, 'live.json', {
      Event: {
        id: '7201', uuid: 'c3000000-0000-4000-8000-0000000000e1', info: 'lifecycle spec', published: true, publish_timestamp: now(), timestamp: now(),
        Attribute: [{ uuid, type: 'domain', value, to_ids: true, timestamp: now(), category: 'Network activity' }],
      },
    });
    await until('the live update in memcached', async () => (await world.reader.attributesAt(keysOf({ type: 'domain', value })[0]!)).some((a) => a.uuid === uuid));
    expect(readFileSync(snapshot, 'utf8')).not.toContain(uuid);
    agent.child.kill('SIGTERM');
    expect(await exitWithin(agent, 'the agent to stop with a silent feed')).toBe(0);
    expect(readFileSync(snapshot, 'utf8')).toContain(uuid);
  });
});
