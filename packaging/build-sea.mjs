// The agent as one executable for linux-x64: the agent and every package it uses bundled into
// one CommonJS script by esbuild, then built into a copy of the pinned Node binary with Node's
// own `--build-sea` (Node ≥ 25.5). That is the route Node keeps: it needs no `postject`, whose
// last release is a 2023 alpha, and the binary that builds the executable is the one inside it,
// so blob and runtime versions always agree. The host that runs the result needs no Node.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { nodeRuntime } from './node-runtime.mjs';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
export const EXECUTABLE_NAME = 'misp-enrich-agent';

/** @typedef {{ name: string, version: string, licenseFile: string | null }} BundledPackage */

/** The npm packages esbuild put into the bundle, from its metafile, with their licence files. */
function bundledPackages(metafile) {
  const names = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) names.add(m[1]);
  }
  return [...names].sort().map((name) => {
    const dir = join(ROOT, 'node_modules', name);
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const license = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
    return { name, version, licenseFile: license ? join(dir, license) : null };
  });
}

/**
 * Builds `<outDir>/misp-enrich-agent`, and `<outDir>/misp-enrich-agent.licenses/` with the licence
 * texts of Node and of every bundled package (the .deb's copyright file is made from them).
 * @param {{ outDir: string, workDir: string, log?: (line: string) => void }} opts
 * @returns {Promise<{ executable: string, nodeVersion: string, nodeLicense: string, packages: BundledPackage[] }>}
 */
export async function buildSea(opts) {
  const log = opts.log ?? (() => {});
  const version = readFileSync(join(ROOT, 'VERSION'), 'utf8').trim();
  const runtime = nodeRuntime({ log });
  const workDir = resolve(opts.workDir);
  const outDir = resolve(opts.outDir);
  mkdirSync(workDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });

  const main = join(workDir, `${EXECUTABLE_NAME}.cjs`);
  log(`bundling agent/cli.ts with its dependencies into ${relative(ROOT, main)}`);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['agent/cli.ts'],
    outfile: main,
    bundle: true,
    // Nothing stays external: the executable has no node_modules beside it.
    platform: 'node',
    format: 'cjs',
    target: `node${runtime.version.split('.')[0]}`,
    define: { __MISP_ENRICH_VERSION__: JSON.stringify(version) },
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  const packages = bundledPackages(result.metafile);

  const executable = join(outDir, EXECUTABLE_NAME);
  rmSync(executable, { force: true });
  const fixed = JSON.parse(readFileSync(join(ROOT, 'packaging/sea-config.json'), 'utf8'));
  const config = join(workDir, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ ...fixed, main, output: executable, executable: runtime.node }, null, 2));
  log(`building ${relative(ROOT, executable) || executable} with Node ${runtime.version} --build-sea`);
  // Run by the pinned binary itself: the blob format belongs to the Node version that reads it.
  execFileSync(runtime.node, ['--build-sea', config], { cwd: workDir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(executable)) throw new Error(`--build-sea wrote no ${executable}`);
  chmodSync(executable, 0o755);

  const reported = execFileSync(executable, ['--version'], { encoding: 'utf8', env: { PATH: '/nonexistent' } }).trim();
  if (reported !== version) throw new Error(`${executable} --version printed ${reported}, expected ${version}`);

  const licenses = join(outDir, `${EXECUTABLE_NAME}.licenses`);
  rmSync(licenses, { recursive: true, force: true });
  mkdirSync(licenses, { recursive: true });
  copyFileSync(runtime.license, join(licenses, `node-${runtime.version}.LICENSE`));
  for (const p of packages) {
    if (p.licenseFile) {
      copyFileSync(p.licenseFile, join(licenses, `${p.name.replace('/', '__')}-${p.version}.LICENSE`));
    }
  }
  return { executable, nodeVersion: runtime.version, nodeLicense: runtime.license, packages };
}
