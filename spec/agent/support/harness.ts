// What every agent spec shares: where things are, the API key misp-sim accepts, temporary folders,
// MISP event files, waiting, the keys of an attribute, a run of the agent to its end, and a port
// for a spec's own server. The processes themselves are in sim.ts, agent-process.ts and
// reader.ts; world.ts starts and stops them.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mispIndicators } from '../../../plugin/core/ioc/index.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const FIXTURES = resolve(import.meta.dirname, '../fixtures');
export const SHARED_EVENTS = resolve(ROOT, '../shared/misp/events');
export const API_KEY = 'spec-api-key-7f3c9a1e5b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `misp-enrich-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
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

/** The memcached keys of a MISP attribute (two for a composite value), as the agent stores it. */
export function keysOf(a: { type: string; value: string }): string[] {
  return (mispIndicators(a.type, a.value)?.indicators ?? []).map((i) => i.key);
}

export { until } from '../../../tools/until.js';

export interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the agent with exactly these arguments to its end. The environment holds PATH and env
 * only (by default the API key), so a spec can also run it without a key.
 */
export function runAgent(args: string[], env: Record<string, string> = { MISP_API_KEY: API_KEY }): Promise<AgentRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/agent/misp-enrich-agent.js'), ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // 'close', not 'exit': by then stdout and stderr are read to their end.
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Starts a spec's own server (a proxy, an HTTPS front) on a free loopback port; the port. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** Peak resident memory of a live process, in MiB (VmHWM). */
export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
