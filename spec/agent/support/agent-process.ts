// The agent (dist/agent) as a long-running process, read through its own /metrics and /healthz.
// Waiting is counted in the agent's sync cycles; the deadlines in until() only turn a hang into a
// failure message, they are never what a spec asserts.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../support/memcached.js';
import { jsonLines, Proc } from './child.js';
import { API_KEY, ROOT, until } from './harness.js';

export type Metrics = Map<string, number>;

export interface AgentStart {
  /** null: no --misp-url (feeds and further instances alone). */
  mispUrl: string | null;
  memcached: string[];
  args?: string[];
  env?: Record<string, string>;
  apiKey?: string;
}

export class AgentProc extends Proc {
  metricsUrl = '';

  static async start(opts: AgentStart): Promise<AgentProc> {
    const port = await freePort();
    const args = [
      join(ROOT, 'dist/agent/misp-enrich-agent.js'),
      ...(opts.mispUrl === null ? [] : ['--misp-url', opts.mispUrl]),
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
      m.set(seriesKey(line.slice(0, sp)), Number(line.slice(sp + 1)));
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

  cycles(mode: 'full' | 'incremental' | 'sources', result: 'ok' | 'error' = 'ok'): Promise<number> {
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

  async waitFor(mode: 'full' | 'incremental' | 'sources', result: 'ok' | 'error', atLeast: number): Promise<void> {
    await until(`${atLeast} ${mode} cycles with result ${result}`, async () => (await this.cycles(mode, result)) >= atLeast);
  }

  logs(): Record<string, unknown>[] {
    return jsonLines(this.err);
  }
}

/** `name{b="2",a="1"}` as `name{a="1",b="2"}`: prom-client keeps labels in the order they were given. */
function seriesKey(series: string): string {
  const brace = series.indexOf('{');
  if (brace < 0) return series;
  const labels = [...series.slice(brace + 1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}="${m[2]}"`);
  return `${series.slice(0, brace)}{${labels.sort().join(',')}}`;
}
