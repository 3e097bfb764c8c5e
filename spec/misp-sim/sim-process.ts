// Starts the built simulator (dist/misp-sim/misp-sim.js) as a real child process on a free port,
// over a temporary copy of real MISP events, and talks to it over real HTTP. Other specs (the
// agent's) can reuse startMispSim().
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SHARED_MISP = resolve('../shared/misp');
export const SIM_BIN = resolve('dist/misp-sim/misp-sim.js');

export interface SimProcess {
  url: string;
  apiKey: string;
  dataDir: string;
  child: ChildProcess;
  stderr: () => string;
  /** An authenticated MISP API request; the body is sent as JSON. */
  api: (path: string, body?: unknown, init?: { method?: string; headers?: Record<string, string> }) => Promise<Response>;
  /** POST a JSON body to a /_sim admin endpoint and return the parsed answer. */
  admin: (path: string, body?: unknown) => Promise<unknown>;
  stop: () => Promise<number | null>;
}

export interface SimStartOptions {
  /** Event files copied into the data folder (default: every real event in ../shared/misp/events). */
  events?: string[];
  synthetic?: number;
  warninglists?: boolean;
  extraArgs?: string[];
}

export function copyRealEvents(dir: string, names?: string[]): string[] {
  const src = join(SHARED_MISP, 'events');
  const files = names ?? readdirSync(src).filter((n) => n.endsWith('.json'));
  for (const f of files) cpSync(join(src, f), join(dir, f));
  return files;
}

export async function startMispSim(opts: SimStartOptions = {}): Promise<SimProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'misp-sim-data-'));
  copyRealEvents(dataDir, opts.events);
  const apiKey = randomBytes(20).toString('hex');
  const args = [SIM_BIN, '--data', dataDir, '--port', '0', '--api-key', apiKey];
  if (opts.synthetic) args.push('--synthetic', String(opts.synthetic));
  if (opts.warninglists) args.push('--warninglists', join(SHARED_MISP, 'warninglists'));
  args.push(...(opts.extraArgs ?? []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n/m.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`misp-sim exited with ${code} before listening: ${err}`)));
  });
  const api: SimProcess['api'] = (path, body, init = {}) =>
    fetch(url + path, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers: {
        Authorization: apiKey,
        Accept: 'application/json',
        'Content-Type': 'application/json',
        ...init.headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const admin: SimProcess['admin'] = async (path, body) => {
    const res = await fetch(url + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.json();
  };
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null) {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    }
    rmSync(dataDir, { recursive: true, force: true });
    return child.exitCode;
  };
  return { url, apiKey, dataDir, child, stderr: () => err, api, admin, stop };
}

export interface RestAttribute {
  id: string;
  event_id: string;
  object_id: string;
  object_relation: string | null;
  type: string;
  value: string;
  to_ids: boolean;
  uuid: string;
  timestamp: string;
  deleted: boolean;
  category: string;
  Event: { id: string; uuid: string; info: string };
  Tag?: { name: string; inherited?: number }[];
}

/** One attributes/restSearch call, returning the attributes and X-Result-Count. */
export async function searchAttributes(sim: SimProcess, body: Record<string, unknown>): Promise<{ attrs: RestAttribute[]; count: number }> {
  const res = await sim.api('/attributes/restSearch', { returnFormat: 'json', ...body });
  if (res.status !== 200) throw new Error(`restSearch answered ${res.status}: ${await res.text()}`);
  const json = (await res.json()) as { response: { Attribute: RestAttribute[] } };
  return { attrs: json.response.Attribute, count: Number(res.headers.get('x-result-count')) };
}

/** Every page of a query, until a short page (correct without warninglist enforcement). */
export async function allPages(sim: SimProcess, body: Record<string, unknown>, limit: number): Promise<{ attrs: RestAttribute[]; pages: number }> {
  const attrs: RestAttribute[] = [];
  for (let page = 1; ; page++) {
    const got = (await searchAttributes(sim, { ...body, limit, page })).attrs;
    attrs.push(...got);
    if (got.length < limit) return { attrs, pages: page };
  }
}
