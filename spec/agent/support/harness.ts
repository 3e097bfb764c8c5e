// Real processes for the agent specs: the MISP simulator (dist/misp-sim), the agent
// (dist/agent), memcached (spec/support/memcached.ts) and a memjs reader. Waiting is counted in
// the agent's own sync cycles, read from its /metrics; deadlines below only turn a hang into a
// failure message, they are never what a spec asserts.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import memjs from 'memjs';
import { freePort } from '../../support/memcached.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const FIXTURES = resolve(import.meta.dirname, '../fixtures');
export const SHARED_EVENTS = resolve(ROOT, '../shared/misp/events');
export const API_KEY = 'spec-api-key-7f3c9a1e5b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `misp-enrich-${prefix}-`));
}

/** Writes an event file atomically (the simulator re-reads a file when it changes). */
export function writeEvent(dir: string, name: string, event: unknown): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(event));
  renameSync(tmp, join(dir, name));
}

export function readFixture(name: string): { Event: Record<string, unknown> & { Attribute: Record<string, unknown>[] } } {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, deadlineMs = 45_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

class Proc {
  readonly out: string[] = [];
  readonly err: string[] = [];
  exitCode: number | null = null;
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    const collect = (stream: NodeJS.ReadableStream | null, into: string[]) => {
      let buf = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          into.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
      stream?.on('end', () => {
        if (buf) into.push(buf);
      });
    };
    collect(child.stdout, this.out);
    collect(child.stderr, this.err);
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      this.exitCode = code;
      resolve(code);
    }));
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.exitCode === null && this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export class Sim extends Proc {
  url = '';

  static async start(opts: { dataDir: string; apiKey?: string; synthetic?: number; warninglistsDir?: string }): Promise<Sim> {
    const args = [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', opts.dataDir, '--port', '0', '--api-key', opts.apiKey ?? API_KEY];
    if (opts.synthetic) args.push('--synthetic', String(opts.synthetic));
    if (opts.warninglistsDir) args.push('--warninglists', opts.warninglistsDir);
    const sim = new Sim(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    sim.url = await until('misp-sim to listen', () => {
      if (sim.exitCode !== null) throw new Error(`misp-sim exited: ${sim.err.join('\n')}`);
      const line = sim.out.find((l) => l.startsWith('listening on '));
      return line ? line.slice('listening on '.length).trim() : null;
    }, 20_000);
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

  fault(mode: 'none' | 'error500' | 'slow' | 'truncated' | 'malformed' | 'auth', extra: Record<string, unknown> = {}): Promise<unknown> {
    return this.admin('/_sim/faults', { mode, ...extra });
  }
}

export type Metrics = Map<string, number>;

export class AgentProc extends Proc {
  metricsUrl = '';

  static async start(opts: {
    mispUrl: string;
    memcached: string[];
    args?: string[];
    env?: Record<string, string>;
    apiKey?: string;
  }): Promise<AgentProc> {
    const port = await freePort();
    const args = [
      join(ROOT, 'dist/agent/misp-enrich-agent.js'),
      '--misp-url', opts.mispUrl,
      '--memcached', opts.memcached.join(','),
      '--metrics-listen', `127.0.0.1:${port}`,
      '--interval', '1',
      '--retries', '0',
      '--overlap', '5',
      '--key-ttl', '600',
      ...(opts.args ?? []),
    ];
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', MISP_API_KEY: opts.apiKey ?? API_KEY, ...opts.env };
    const agent = new AgentProc(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env }));
    agent.metricsUrl = `http://127.0.0.1:${port}`;
    await until('agent metrics endpoint', async () => {
      if (agent.exitCode !== null) throw new Error(`agent exited ${agent.exitCode}: ${agent.err.join('\n')}`);
      try {
        return (await fetch(`${agent.metricsUrl}/metrics`)).ok;
      } catch {
        return false;
      }
    }, 20_000);
    return agent;
  }

  async metricsText(): Promise<string> {
    return (await fetch(`${this.metricsUrl}/metrics`)).text();
  }

  async metrics(): Promise<Metrics> {
    const m = new Map<string, number>();
    for (const line of (await this.metricsText()).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const sp = line.lastIndexOf(' ');
      m.set(line.slice(0, sp), Number(line.slice(sp + 1)));
    }
    return m;
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const key = `misp_enrich_agent_${name}${Object.keys(labels).length ? `{${Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`).join(',')}}` : ''}`;
    return (await this.metrics()).get(key) ?? 0;
  }

  async health(): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
    const res = await fetch(`${this.metricsUrl}/healthz`);
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text), text };
  }

  cycles(mode: 'full' | 'incremental', result: 'ok' | 'error' = 'ok'): Promise<number> {
    return this.metric('sync_cycles_total', { mode, result });
  }

  /** All sync cycles, any mode and result. */
  async allCycles(): Promise<number> {
    let n = 0;
    for (const [k, v] of await this.metrics()) if (k.startsWith('misp_enrich_agent_sync_cycles_total{')) n += v;
    return n;
  }

  /** Waits until n more cycles (any mode/result) have completed: the first may have started before. */
  async waitCycles(n: number): Promise<void> {
    const start = await this.allCycles();
    await until(`${n} more sync cycles`, async () => (await this.allCycles()) >= start + n);
  }

  async waitFor(mode: 'full' | 'incremental', result: 'ok' | 'error', atLeast: number): Promise<void> {
    await until(`${atLeast} ${mode} cycles with result ${result}`, async () => (await this.cycles(mode, result)) >= atLeast);
  }

  logs(): Record<string, unknown>[] {
    return this.err.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }
}

/** A memjs reader for one server (the specs read what the filter would read). */
export class Reader {
  private readonly client: memjs.Client;
  constructor(address: string) {
    this.client = memjs.Client.create(address, { retries: 1, timeout: 2, logger: { log: () => undefined } });
  }
  async get(key: string): Promise<string | null> {
    const r = await this.client.get(key);
    return r.value ? r.value.toString('utf8') : null;
  }
  async flush(): Promise<void> {
    await this.client.flush();
  }
  close(): void {
    this.client.close();
  }
}

export function dataDirWith(...fixtures: string[]): string {
  const dir = tempDir('sim-data');
  for (const f of fixtures) cpSync(join(FIXTURES, f), join(dir, f));
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs `misp-enrich-agent --once` to its end; stdout, stderr and exit code. */
export function runAgentOnce(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/agent/misp-enrich-agent.js'), '--once', ...args], {
      env: { PATH: process.env.PATH ?? '', MISP_API_KEY: API_KEY, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** Peak resident memory of a live process, in MiB (VmHWM). */
export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

