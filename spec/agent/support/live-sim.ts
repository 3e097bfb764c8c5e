// misp-sim with its ZeroMQ publisher and decaying models, for the agent's real-time and decay
// specs: the same process and "listening on" contract as support/harness.ts's Sim, with the
// options those specs need, and the /_sim/zmq and /_sim/sightings admin endpoints.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../support/memcached.js';
import { API_KEY, ROOT, Sim, until } from './harness.js';

export interface ZmqState {
  endpoint: string;
  running: boolean;
  heartbeat_s: number;
  published: number;
  heartbeats: number;
  dropped: number;
  drop_next: number;
  by_topic: Record<string, number>;
}

export class LiveSim extends Sim {
  zmqEndpoint = '';

  static async startLive(opts: { dataDir: string; zmqHeartbeat?: number; decayingModels?: string; zmq?: boolean }): Promise<LiveSim> {
    const args = [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', opts.dataDir, '--port', '0', '--api-key', API_KEY];
    let zmqPort = 0;
    if (opts.zmq !== false) {
      // A fixed port, so a restarted publisher comes back where the agent reconnects.
      zmqPort = await freePort();
      args.push('--zmq-port', String(zmqPort), '--zmq-heartbeat', String(opts.zmqHeartbeat ?? 10));
    }
    if (opts.decayingModels) args.push('--decaying-models', opts.decayingModels);
    const sim = new LiveSim(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    sim.url = await until('misp-sim to listen', () => {
      if (sim.exitCode !== null) throw new Error(`misp-sim exited: ${sim.err.join('\n')}`);
      const line = sim.out.find((l) => l.startsWith('listening on '));
      return line ? line.slice('listening on '.length).trim() : null;
    }, 20_000);
    if (zmqPort) sim.zmqEndpoint = `tcp://127.0.0.1:${zmqPort}`;
    return sim;
  }

  zmq(body?: Record<string, unknown>): Promise<ZmqState> {
    return this.admin('/_sim/zmq', body) as Promise<ZmqState>;
  }
}
