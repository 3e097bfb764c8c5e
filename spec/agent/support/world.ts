// The world an agent spec runs in: a real memcached, misp-sim over a data folder the spec fills, a
// memjs reader of that memcached and, when the spec asks, the agent itself. useAgentWorld()
// starts it before the spec's tests and stops it after them: every agent started through it,
// the simulator, the reader and memcached, and every temporary folder it made. A spec's own
// beforeAll hooks that follow useAgentWorld() run once the world is up.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startMemcached, type MemcachedProcess } from '../../support/memcached.js';
import { AgentProc, type AgentStart } from './agent-process.js';
import { API_KEY, FIXTURES, removeDir, runAgent, tempDir, type AgentRun } from './harness.js';
import { Reader } from './reader.js';
import { Sim } from './sim.js';

/** A folder's contents: files of spec/agent/fixtures by name, or a function that writes them. */
export type Fill = readonly string[] | ((dir: string) => void);

export interface SimWorldOptions {
  /** Generated attributes on top of the data folder's events. */
  synthetic?: number;
  /** MISP's warninglists the simulator serves (its --warninglists folder). */
  warninglists?: Fill;
  /** MISP's decaying models the simulator scores with (its --decaying-models folder). */
  decayingModels?: Fill;
  /** Runs MISP's ZeroMQ publisher, with this heartbeat interval in seconds. */
  zmqHeartbeatS?: number;
}

export interface WorldOptions {
  /** misp-sim's data folder: empty when not given. */
  data?: Fill;
  sim?: SimWorldOptions;
  /** Shares this world's misp-sim and data folder instead of starting its own. */
  simFrom?: AgentWorld;
  /** memcached's size and extra arguments, or false for a world without memcached. */
  memcached?: { memoryMb?: number; extraArgs?: string[] } | false;
  /** An agent against this world's misp-sim and memcached, ready once its first full sync is done. */
  agent?: { args: string[] | ((world: AgentWorld) => string[]) };
}

export class AgentWorld {
  sim!: Sim;
  mc!: MemcachedProcess;
  reader!: Reader;
  /** The agent WorldOptions.agent asked for. */
  agent!: AgentProc;
  /** Every agent started in this world, in order (stopped with the world). */
  readonly agents: AgentProc[] = [];
  /** A scratch folder of the world's own (snapshots, certificates), removed with it. */
  workDir = '';
  private ownDataDir = '';
  private readonly dirs: string[] = [];

  constructor(private readonly opts: WorldOptions = {}) {}

  /** misp-sim's data folder: a spec may rewrite events in it while the simulator runs. */
  get dataDir(): string {
    return this.opts.simFrom?.dataDir ?? this.ownDataDir;
  }

  async start(): Promise<void> {
    this.workDir = this.dir('agent-world');
    if (this.opts.memcached !== false) {
      this.mc = await startMemcached(this.opts.memcached ?? {});
      this.reader = new Reader(this.mc.address);
    }
    if (this.opts.simFrom) this.sim = this.opts.simFrom.sim;
    else await this.startSim();
    if (this.opts.agent) {
      const args = this.opts.agent.args;
      this.agent = await this.startAgent({ args: typeof args === 'function' ? args(this) : args });
      await this.agent.waitFor('full', 'ok', 1);
    }
  }

  private async startSim(): Promise<void> {
    const o = this.opts.sim ?? {};
    this.ownDataDir = this.filled('sim-data', this.opts.data ?? []);
    this.sim = await Sim.start({
      dataDir: this.ownDataDir,
      ...(o.synthetic ? { synthetic: o.synthetic } : {}),
      ...(o.warninglists ? { warninglistsDir: this.filled('warninglists', o.warninglists) } : {}),
      ...(o.decayingModels ? { decayingModels: this.filled('decaying-models', o.decayingModels) } : {}),
      ...(o.zmqHeartbeatS !== undefined ? { zmq: { heartbeatS: o.zmqHeartbeatS } } : {}),
    });
  }

  /** Stops what the world started, last started first; what a failed start never made is skipped. */
  async stop(): Promise<void> {
    await this.stopAgents();
    if (!this.opts.simFrom) await this.sim?.kill();
    this.reader?.close();
    await this.mc?.stop();
    for (const d of this.dirs.splice(0)) removeDir(d);
  }

  /** A temporary folder removed with the world. */
  dir(prefix: string): string {
    const d = tempDir(prefix);
    this.dirs.push(d);
    return d;
  }

  private filled(prefix: string, fill: Fill): string {
    const d = this.dir(prefix);
    if (typeof fill === 'function') fill(d);
    else for (const f of fill) cpSync(join(FIXTURES, f), join(d, f));
    return d;
  }

  /** Another agent, by default against this world's misp-sim and memcached (not waited for). */
  async startAgent(opts: Partial<AgentStart> = {}): Promise<AgentProc> {
    const agent = await AgentProc.start({ mispUrl: this.sim.url, ...opts, memcached: opts.memcached ?? [this.mc.address] });
    this.agents.push(agent);
    return agent;
  }

  async stopAgents(): Promise<void> {
    for (const a of this.agents.splice(0)) await a.kill();
  }

  /** `misp-enrich-agent --once` against this world (or mispUrl), with the API key unless env says otherwise. */
  once(args: string[] = [], opts: { mispUrl?: string; env?: Record<string, string> } = {}): Promise<AgentRun> {
    return runAgent(['--once', '--misp-url', opts.mispUrl ?? this.sim.url, '--memcached', this.mc.address, ...args], opts.env ?? { MISP_API_KEY: API_KEY });
  }
}

/** The world for the enclosing describe block (or file): started in beforeAll, stopped in afterAll. */
export function useAgentWorld(opts: WorldOptions = {}): AgentWorld {
  const world = new AgentWorld(opts);
  beforeAll(() => world.start());
  afterAll(() => world.stop());
  return world;
}
