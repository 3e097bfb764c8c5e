// The agent as one executable for linux-x64: the agent and every package it uses bundled into
// one CommonJS script by esbuild, then built into a copy of the pinned Node binary with Node's
// own `--build-sea` (Node ≥ 25.5). That is the route Node keeps: it needs no `postject`, whose
// last release is a 2023 alpha, and the binary that builds the executable is the one inside it,
// so blob and runtime versions always agree. The host that runs the result needs no Node.
//
// The zeromq package's native addon (for --zmq) goes with it: the build picks the prebuilt addon
// zeromq's own loader would pick (its build/manifest.json, this platform, the highest ABI) and
// checks that the pinned Node loads it; it becomes a SEA asset inside the executable and a file
// beside it (zeromq.node, which the .deb installs in /usr/lib/misp-enrich-agent/), and the bundle
// loads it through packaging/sea-zeromq-addon.cjs instead of zeromq's lib/load-addon.js.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { buildVersion } from './build-version.mjs';
import { nodeRuntime } from './node-runtime.mjs';
import { addonComponents, bundledComponents, nodeComponent, noticesText, runtimeInnerComponents } from './third-party.mjs';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
export const EXECUTABLE_NAME = 'misp-enrich-agent';
/** The addon beside the executable in dist/package, and its name inside the executable. */
export const ADDON_NAME = 'zeromq.node';
export const NOTICES_NAME = 'THIRD-PARTY-NOTICES.txt';

/**
 * The prebuilt zeromq addon for linux-x64 glibc that cmake-ts's loader (zeromq's lib/load-addon.js)
 * would load: the manifest's configurations for this platform, highest ABI first, the first one
 * the pinned Node loads. The manifest, not the folder listing: a folder the manifest does not
 * name is not one zeromq's loader would ever try. It is stripped (as the executable is) into
 * `target`, and the stripped copy is what must load.
 */
function zeromqAddon(runtime, target, log) {
  const pkgDir = join(ROOT, 'node_modules/zeromq');
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'build/manifest.json'), 'utf8'));
  const candidates = Object.entries(manifest)
    .map(([key, path]) => ({ config: JSON.parse(key), file: join(pkgDir, 'build', path.replaceAll('\\', '/')) }))
    .filter(({ config }) => config.os === 'linux' && config.arch === 'x64' && config.libc === 'glibc' && config.runtime === 'node')
    .sort((a, b) => (b.config.abi ?? 0) - (a.config.abi ?? 0));
  const failures = [];
  for (const c of candidates) {
    try {
      stripped(c.file, target);
      const libzmq = execFileSync(runtime.node, ['-e', 'const m = { exports: {} }; process.dlopen(m, process.argv[1]); process.stdout.write(m.exports.version)', target], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      log(`zeromq ${version}: addon ${relative(ROOT, c.file)} (libzmq ${libzmq}) loads in Node ${runtime.version}`);
      return { file: target, version, libzmq };
    } catch (err) {
      failures.push(`${relative(ROOT, c.file)}: ${String(err.stderr ?? err.message).trim().split('\n')[0]}`);
    }
  }
  throw new Error(`no prebuilt zeromq addon for linux-x64 glibc loads in Node ${runtime.version}:\n${failures.join('\n') || 'none listed in node_modules/zeromq/build/manifest.json'}`);
}

/**
 * Bundles agent/cli.ts and everything it imports into one CommonJS script, zeromq's addon loader
 * swapped for the executable's own. Returns esbuild's metafile (the inputs it took).
 * @param {{ outfile: string, version: string, nodeMajor: string, addonSha256: string }} opts
 */
export async function bundleAgent(opts) {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['agent/cli.ts'],
    outfile: opts.outfile,
    bundle: true,
    // Nothing stays external: the executable has no node_modules beside it.
    platform: 'node',
    format: 'cjs',
    target: `node${opts.nodeMajor}`,
    define: { __MISP_ENRICH_VERSION__: JSON.stringify(opts.version), __ZEROMQ_ADDON_SHA256__: JSON.stringify(opts.addonSha256) },
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'zeromq-addon',
        setup(b) {
          b.onLoad({ filter: /[\\/]node_modules[\\/]zeromq[\\/]lib[\\/]load-addon\.js$/ }, () => ({
            contents: readFileSync(join(ROOT, 'packaging/sea-zeromq-addon.cjs'), 'utf8'),
            loader: 'js',
            resolveDir: join(ROOT, 'packaging'),
          }));
        },
      },
    ],
  });
  return result.metafile;
}

/** A stripped copy of an ELF file (symbols and debug info go; the dynamic symbols addons need stay). */
function stripped(source, target) {
  execFileSync('strip', ['--strip-unneeded', '--remove-section=.comment', '-o', target, source]);
  return target;
}

/**
 * Builds `<outDir>/misp-enrich-agent`, `<outDir>/zeromq.node` and
 * `<outDir>/misp-enrich-agent.licenses/THIRD-PARTY-NOTICES.txt` (the .deb's copyright file is made
 * from the same components).
 * @param {{ outDir: string, workDir: string, log?: (line: string) => void }} opts
 */
export async function buildSea(opts) {
  const log = opts.log ?? (() => {});
  const buildInfo = buildVersion();
  const { version } = buildInfo;
  const runtime = nodeRuntime({ log });
  const workDir = resolve(opts.workDir);
  const outDir = resolve(opts.outDir);
  mkdirSync(workDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });

  // The copy inside the executable and the file beside it are the same bytes.
  const chosen = zeromqAddon(runtime, join(workDir, ADDON_NAME), log);
  const addon = chosen.file;
  const addonSha256 = createHash('sha256').update(readFileSync(addon)).digest('hex');

  const main = join(workDir, `${EXECUTABLE_NAME}.cjs`);
  log(`bundling agent/cli.ts with its dependencies into ${relative(ROOT, main)}`);
  const metafile = await bundleAgent({ outfile: main, version, nodeMajor: runtime.version.split('.')[0], addonSha256 });
  if (!Object.keys(metafile.inputs).some((i) => /node_modules\/zeromq\/lib\/load-addon\.js$/.test(i))) {
    throw new Error('the bundle does not contain the zeromq package: --zmq would not work in the executable');
  }

  const executable = join(outDir, EXECUTABLE_NAME);
  rmSync(executable, { force: true });
  // The official binary carries 40 MB of symbols and debug info the executable never uses.
  const base = stripped(runtime.node, join(workDir, 'node'));
  const fixed = JSON.parse(readFileSync(join(ROOT, 'packaging/sea-config.json'), 'utf8'));
  const config = join(workDir, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ ...fixed, main, output: executable, executable: base, assets: { [ADDON_NAME]: addon } }, null, 2));
  log(`building ${relative(ROOT, executable) || executable} with Node ${runtime.version} --build-sea`);
  // Run by the pinned binary itself: the blob format belongs to the Node version that reads it.
  execFileSync(runtime.node, ['--build-sea', config], { cwd: workDir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(executable)) throw new Error(`--build-sea wrote no ${executable}`);
  chmodSync(executable, 0o755);
  const addonOut = join(outDir, ADDON_NAME);
  copyFileSync(addon, addonOut);
  chmodSync(addonOut, 0o644);

  const reported = execFileSync(executable, ['--version'], { encoding: 'utf8', env: { PATH: '/nonexistent' } }).trim();
  if (reported !== version) throw new Error(`${executable} --version printed ${reported}, expected ${version}`);

  const components = [
    nodeComponent(runtime),
    ...runtimeInnerComponents(base, runtime.license, runtime.version),
    ...bundledComponents(metafile),
    ...addonComponents(addon, chosen.version),
  ];
  const licenses = join(outDir, `${EXECUTABLE_NAME}.licenses`);
  rmSync(licenses, { recursive: true, force: true });
  mkdirSync(licenses, { recursive: true });
  writeFileSync(join(licenses, NOTICES_NAME), noticesText(`${EXECUTABLE_NAME} ${version}`, components));
  return { executable, addon: addonOut, build: buildInfo, nodeVersion: runtime.version, components };
}
