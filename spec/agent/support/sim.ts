// misp-sim (dist/misp-sim) as the agent specs run it: a real process on a free port, with the
// options a spec asks for (synthetic data, warninglists, decaying models, the ZeroMQ publisher)
// and the /_sim admin endpoints (faults, the publisher's state).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PublisherState } from '../../../misp-sim/zmq-publisher.js';
import { freePort } from '../../support/memcached.js';
import { Proc } from './child.js';
import { API_KEY, ROOT, until } from './harness.js';

export interface SimOptions {
  dataDir: string;
  apiKey?: string;
  /** Generated attributes on top of the data folder's events. */
  synthetic?: number;
  warninglistsDir?: string;
  decayingModels?: string;
  /** MISP's ZeroMQ publisher, with its heartbeat interval in seconds: off when absent or false. */
  zmq?: { heartbeatS: number } | false;
}

export type FaultMode = 'none' | 'error500' | 'slow' | 'truncated' | 'malformed' | 'auth';

export class Sim extends Proc {
  url = '';
  /** Where the ZeroMQ publisher binds, when it runs. */
  zmqEndpoint = '';

  static async start<T extends Sim>(this: new (...args: ConstructorParameters<typeof Sim>) => T, opts: SimOptions): Promise<T> {
    const args = [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', opts.dataDir, '--port', '0', '--api-key', opts.apiKey ?? API_KEY];
    if (opts.synthetic) args.push('--synthetic', String(opts.synthetic));
    if (opts.warninglistsDir) args.push('--warninglists', opts.warninglistsDir);
    if (opts.decayingModels) args.push('--decaying-models', opts.decayingModels);
    // A fixed port, so a restarted publisher comes back where the agent reconnects.
    const zmqPort = opts.zmq ? await freePort() : 0;
    if (opts.zmq) args.push('--zmq-port', String(zmqPort), '--zmq-heartbeat', String(opts.zmq.heartbeatS));
    const sim = new this(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    sim.url = await until('misp-sim to listen', () => {
      if (sim.exitCode !== null) throw new Error(`misp-sim exited: ${sim.err.join('\n')}`);
      const line = sim.out.find((l) => l.startsWith('listening on '));
      return line ? line.slice('listening on '.length).trim() : null;
    }, 20_000);
    if (zmqPort) sim.zmqEndpoint = `tcp://127.0.0.1:${zmqPort}`;
    return sim;
  }

  async admin(path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.url + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`misp-sim ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  }

  fault(mode: FaultMode, extra: Record<string, unknown> = {}): Promise<unknown> {
    return this.admin('/_sim/faults', { mode, ...extra });
  }

  /** The ZeroMQ publisher's state; with a body, changes it first (heartbeat, drop, stop, start). */
  zmq(body?: Record<string, unknown>): Promise<PublisherState> {
    return this.admin('/_sim/zmq', body) as Promise<PublisherState>;
  }
}
