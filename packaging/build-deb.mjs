// The agent's .deb for Debian and Ubuntu hosts, built with dpkg-deb from the single executable and
// the files in packaging/deb/ and agent/:
//
//   /usr/bin/misp-enrich-agent                         the executable (Node built in)
//   /usr/lib/systemd/system/misp-enrich-agent.service   agent/misp-enrich-agent.service
//   /etc/misp-enrich/agent.json                        packaging/deb/agent.json (a conffile)
//   /usr/share/doc/misp-enrich-agent/                  copyright (with Node's and the bundled
//                                                      packages' licences), changelog
//
// postinst creates the `misp-enrich` system user and /var/lib/misp-enrich-agent (mode 0700);
// postrm purge removes both. Files are root-owned in the archive (--root-owner-group), so no
// fakeroot is needed.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
export const PACKAGE_NAME = 'misp-enrich-agent';

/** Where each installed file comes from and where it goes, relative to the package root. */
export const LAYOUT = {
  executable: 'usr/bin/misp-enrich-agent',
  unit: 'usr/lib/systemd/system/misp-enrich-agent.service',
  config: 'etc/misp-enrich/agent.json',
  doc: 'usr/share/doc/misp-enrich-agent',
};

function sizeKiB(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) bytes += sizeKiB(p) * 1024;
    else bytes += statSync(p).size;
  }
  return Math.ceil(bytes / 1024);
}

function place(stage, rel, source, mode) {
  const target = join(stage, rel);
  mkdirSync(join(target, '..'), { recursive: true });
  copyFileSync(source, target);
  chmodSync(target, mode);
}

function copyrightText(licensesDir) {
  const parts = [
    'misp-enrich-agent',
    '',
    'misp-enrich is licensed under the Apache License, Version 2.0: see',
    '/usr/share/common-licenses/Apache-2.0 or the LICENSE file of the project.',
    '',
    'The executable contains the Node.js runtime and the npm packages bundled into the agent.',
    'Their licence texts follow.',
  ];
  for (const file of readdirSync(licensesDir).sort()) {
    parts.push('', '='.repeat(78), file.replace(/\.LICENSE$/, '').replace('__', '/'), '='.repeat(78), '');
    parts.push(readFileSync(join(licensesDir, file), 'utf8').trimEnd());
  }
  return parts.join('\n') + '\n';
}

/**
 * Builds `<outDir>/misp-enrich-agent_<version>_amd64.deb` from the executable buildSea() wrote.
 * @param {{ executable: string, licensesDir: string, nodeVersion: string, outDir: string, workDir: string, log?: (line: string) => void }} opts
 * @returns {{ deb: string, version: string }}
 */
export function buildDeb(opts) {
  const log = opts.log ?? (() => {});
  const version = readFileSync(join(ROOT, 'VERSION'), 'utf8').trim();
  const stage = join(resolve(opts.workDir), 'deb-root');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true, mode: 0o755 });

  place(stage, LAYOUT.executable, opts.executable, 0o755);
  place(stage, LAYOUT.unit, join(ROOT, 'agent/misp-enrich-agent.service'), 0o644);
  // 0640 from the start; postinst gives it to root:misp-enrich so the agent can read it.
  place(stage, LAYOUT.config, join(ROOT, 'packaging/deb/agent.json'), 0o640);
  chmodSync(join(stage, 'etc/misp-enrich'), 0o750);
  const doc = join(stage, LAYOUT.doc);
  mkdirSync(doc, { recursive: true });
  writeFileSync(join(doc, 'copyright'), copyrightText(opts.licensesDir), { mode: 0o644 });
  writeFileSync(join(doc, 'changelog.gz'), gzipSync(readFileSync(join(ROOT, 'CHANGELOG.md')), { level: 9 }), { mode: 0o644 });

  const installedSize = sizeKiB(stage);
  const debian = join(stage, 'DEBIAN');
  mkdirSync(debian, { mode: 0o755 });
  const control = readFileSync(join(ROOT, 'packaging/deb/control'), 'utf8')
    .replaceAll('@VERSION@', version)
    .replaceAll('@INSTALLED_SIZE@', String(installedSize))
    .replaceAll('@NODE_VERSION@', opts.nodeVersion);
  writeFileSync(join(debian, 'control'), control, { mode: 0o644 });
  place(stage, 'DEBIAN/conffiles', join(ROOT, 'packaging/deb/conffiles'), 0o644);
  for (const script of ['postinst', 'prerm', 'postrm']) place(stage, `DEBIAN/${script}`, join(ROOT, 'packaging/deb', script), 0o755);
  // Directories as dpkg expects them, whatever the umask was.
  execFileSync('find', [stage, '-type', 'd', '!', '-path', join(stage, 'etc/misp-enrich'), '-exec', 'chmod', '0755', '{}', '+']);

  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const deb = join(outDir, `${PACKAGE_NAME}_${version}_amd64.deb`);
  log(`building ${deb} with dpkg-deb`);
  // gzip: readable by every dpkg in use, and quick on a 2-core machine for a 150 MB binary.
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(stage, { recursive: true, force: true });
  return { deb, version };
}
