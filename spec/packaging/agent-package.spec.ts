// `npm run package` (packaging/package.mjs): the agent's single executable and its .deb, built
// from this checkout, then used as a Logstash host would use them:
// - the executable runs --version and a --once sync against misp-sim and a real memcached with
//   no `node` on its PATH (Node is inside it);
// - the .deb installs with dpkg -i, puts every file where the systemd unit and the config expect
//   it, lets the `misp-enrich` user run a sync that writes the snapshot into the state
//   directory, and leaves nothing behind after dpkg --purge.
// The .deb part needs root and dpkg (Debian, Ubuntu) and is skipped elsewhere, saying why.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoDataset } from '../../demo/demo-dataset.js';
import { startService, type ChildService } from '../../tools/child-service.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { LAYOUT, PACKAGE_NAME } from '../../packaging/build-deb.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = readFileSync(join(ROOT, 'VERSION'), 'utf8').trim();
const NODE_PIN = JSON.parse(readFileSync(join(ROOT, 'packaging/node-runtime.json'), 'utf8')) as { version: string };
const API_KEY = randomBytes(20).toString('hex');

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
    child.once('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Exit status and output of a command that is expected to run (dpkg, getent, ...). */
function sh(command: string, args: string[]): Run {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const work = mkdtempSync(join(ROOT, '.tmp', 'spec-packaging-'));
const outDir = join(work, 'out');
const executable = join(outDir, 'misp-enrich-agent');
const deb = join(outDir, `${PACKAGE_NAME}_${VERSION}_amd64.deb`);
// An empty directory as the whole PATH: no `node`, no anything.
const emptyPath = join(work, 'empty-path');
mkdirSync(emptyPath);

let memcached: MemcachedProcess;
let sim: ChildService;
let mispUrl: string;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'packaging/package.mjs'), '--out', outDir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  memcached = await startMemcached();
  sim = await startService(process.execPath, [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', join(ROOT, 'demo/misp-data'), '--port', '0', '--api-key', API_KEY], {
    ready: /listening on (http:\/\/\S+)/,
  });
  mispUrl = sim.ready[1]!;
}, 300_000);

afterAll(async () => {
  await sim?.stop();
  await memcached?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Every live indicator of the demo dataset must be in memcached after one sync. */
async function expectDemoIndicatorsIn(address: string): Promise<void> {
  const client = memjs.Client.create(address, { logger: { log: () => {} } } as memjs.ClientOptions);
  try {
    const meta = await client.get('me1:meta');
    expect(meta.value?.toString('utf8')).toMatch(/"agent_version":"/);
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

describe('the single executable (linux-x64)', () => {
  it('is built from the pinned Node with the product version, and needs no node on PATH', async () => {
    expect(statSync(executable).mode & 0o111).not.toBe(0);
    expect(spawnSync('sh', ['-c', 'command -v node'], { env: { PATH: emptyPath } }).status).not.toBe(0);
    const version = await run(executable, ['--version'], { PATH: emptyPath });
    expect(version).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
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

  it('keeps the agent exit codes: a refused key exits 3 with a coded message and no key in it', async () => {
    const wrongKey = 'x'.repeat(40);
    const r = await run(executable, ['--once', '--misp-url', mispUrl, '--memcached', memcached.address, '--retries', '0'], { PATH: emptyPath, MISP_API_KEY: wrongKey });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('MISP_ENRICH_AGENT_MISP_AUTH');
    expect(r.stderr).not.toContain(wrongKey);
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

function unitValue(unit: string, key: string): string {
  const m = new RegExp(`^${key}=(.*)$`, 'm').exec(unit);
  if (!m) throw new Error(`the unit has no ${key}=`);
  return m[1]!.trim();
}

describe.skipIf(noDeb !== null)('the .deb, installed with dpkg -i and purged', () => {
  let installed = false;
  afterAll(() => {
    if (installed) sh('dpkg', ['--purge', PACKAGE_NAME]);
  });

  it('is a well-formed amd64 package of the product version', () => {
    const info = sh('dpkg-deb', ['--field', deb, 'Package', 'Version', 'Architecture', 'Depends']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain(`Package: ${PACKAGE_NAME}`);
    expect(info.stdout).toContain(`Version: ${VERSION}`);
    expect(info.stdout).toContain('Architecture: amd64');
    const contents = sh('dpkg-deb', ['--contents', deb]).stdout;
    for (const path of [LAYOUT.executable, LAYOUT.unit, LAYOUT.config, `${LAYOUT.doc}/copyright`]) expect(contents).toContain(`./${path}`);
    // Node's licence travels with the Node inside the executable, and so do the bundled packages'.
    const copyright = sh('sh', ['-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -xO './${LAYOUT.doc}/copyright'`]).stdout;
    expect(copyright).toContain(`node-${NODE_PIN.version}`);
    for (const bundled of ['undici', 'memjs', '@noble/hashes', 'punycode']) expect(copyright).toContain(bundled);
  });

  it('installs every file where the unit and the config expect it', () => {
    const r = sh('dpkg', ['-i', deb]);
    installed = true;
    expect(r.code, r.stderr).toBe(0);

    const unit = readFileSync(UNIT_PATH, 'utf8');
    expect(unit).toBe(readFileSync(join(ROOT, 'agent/misp-enrich-agent.service'), 'utf8'));
    const [exec, flag, configPath] = unitValue(unit, 'ExecStart').split(/\s+/);
    expect(exec).toBe(BIN_PATH);
    expect(statSync(exec!).mode & 0o777).toBe(0o755);
    expect(flag).toBe('--config');
    expect(configPath).toBe(CONFIG_PATH);

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
    expect(sh('dpkg-query', ['-W', '-f', '${Conffiles}', PACKAGE_NAME]).stdout).toContain(CONFIG_PATH);

    if (sh('sh', ['-c', 'command -v systemd-analyze']).code === 0) {
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

  it('uninstalls cleanly: remove keeps the config, purge leaves nothing, an enabled unit included', () => {
    const enable = sh('systemctl', ['enable', 'misp-enrich-agent.service']);
    expect(enable.code, enable.stderr).toBe(0);
    const wants = '/etc/systemd/system/multi-user.target.wants/misp-enrich-agent.service';
    expect(lstatSync(wants).isSymbolicLink()).toBe(true);

    const removed = sh('dpkg', ['-r', PACKAGE_NAME]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(existsSync(BIN_PATH)).toBe(false);
    expect(existsSync(UNIT_PATH)).toBe(false);
    expect(existsSync(wants)).toBe(false);
    expect(existsSync(CONFIG_PATH)).toBe(true);

    const purged = sh('dpkg', ['--purge', PACKAGE_NAME]);
    expect(purged.code, purged.stderr).toBe(0);
    installed = false;
    for (const path of [CONFIG_PATH, '/etc/misp-enrich', '/var/lib/misp-enrich-agent', `/${LAYOUT.doc}`]) expect(existsSync(path), path).toBe(false);
    expect(sh('getent', ['passwd', 'misp-enrich']).code).not.toBe(0);
    expect(sh('getent', ['group', 'misp-enrich']).code).not.toBe(0);
    expect(sh('dpkg-query', ['-W', PACKAGE_NAME]).code).not.toBe(0);
  });
});
