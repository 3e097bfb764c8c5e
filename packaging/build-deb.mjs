// The agent's .deb for Debian and Ubuntu hosts, built with dpkg-deb from the single executable,
// its zeromq addon and the files in packaging/deb/ and agent/:
//
//   /usr/bin/misp-enrich-agent                         the executable (Node built in)
//   /usr/lib/misp-enrich-agent/zeromq.node             the zeromq addon (--zmq), loaded from here
//   /usr/lib/systemd/system/misp-enrich-agent.service   agent/misp-enrich-agent.service
//   /etc/misp-enrich/agent.json                        packaging/deb/agent.json (a conffile)
//   /etc/misp-enrich/agent.env                         packaging/deb/agent.env (a conffile, 0600)
//   /usr/share/doc/misp-enrich-agent/                  copyright (DEP-5, every bundled part and
//                                                      its licence), changelog.Debian.gz (from
//                                                      CHANGELOG.md), changelog.gz (CHANGELOG.md)
//   /usr/share/man/man8/misp-enrich-agent.8.gz         from the executable's --help
//   /usr/share/lintian/overrides/misp-enrich-agent     packaging/deb/lintian-overrides
//
// Depends come from what the executable and the addon link (dpkg-shlibdeps), plus passwd for
// the maintainer scripts. postinst creates the `misp-enrich` system user and
// /var/lib/misp-enrich-agent (mode 0700); postrm purge removes both. Files are root-owned in the
// archive (--root-owner-group), so no fakeroot is needed.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { debianChangelog, debianDate } from './debian-changelog.mjs';
import { debianVersion } from './build-version.mjs';
import { debianCopyright } from './third-party.mjs';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
export const PACKAGE_NAME = 'misp-enrich-agent';
const MAINTAINER = 'misp-enrich project <maintainers@misp-enrich.invalid>';

/** Where each installed file goes, relative to the package root. */
export const LAYOUT = {
  executable: 'usr/bin/misp-enrich-agent',
  addon: 'usr/lib/misp-enrich-agent/zeromq.node',
  unit: 'usr/lib/systemd/system/misp-enrich-agent.service',
  config: 'etc/misp-enrich/agent.json',
  env: 'etc/misp-enrich/agent.env',
  doc: 'usr/share/doc/misp-enrich-agent',
  man: 'usr/share/man/man8/misp-enrich-agent.8.gz',
  lintianOverrides: 'usr/share/lintian/overrides/misp-enrich-agent',
};

/** The .deb's file name for a build version. */
export function debFileName(version) {
  return `${PACKAGE_NAME}_${debianVersion(version)}_amd64.deb`;
}

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

function write(stage, rel, content, mode) {
  const target = join(stage, rel);
  mkdirSync(join(target, '..'), { recursive: true });
  writeFileSync(target, content);
  chmodSync(target, mode);
}

/** Unix seconds of HEAD's commit (the date the manual page carries), or null without git. */
function commitTime() {
  try {
    return Number(execFileSync('git', ['-C', ROOT, 'log', '-1', '--format=%ct', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || null;
  } catch {
    return null;
  }
}

/** DEBIAN/md5sums: every file outside DEBIAN/ and the conffiles, relative to the root. */
function md5sums(stage) {
  const conffiles = readFileSync(join(ROOT, 'packaging/deb/conffiles'), 'utf8').split('\n').filter(Boolean).map((f) => f.replace(/^\//, ''));
  const lines = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      const rel = relative(stage, p);
      if (e.isDirectory()) {
        if (rel !== 'DEBIAN') walk(p);
      } else if (!conffiles.includes(rel)) lines.push(`${createHash('md5').update(readFileSync(p)).digest('hex')}  ${rel}`);
    }
  };
  walk(stage);
  return lines.join('\n') + '\n';
}

const gz = (text) => gzipSync(Buffer.from(text), { level: 9 });

/**
 * Depends of the staged executable and addon, as dpkg-shlibdeps finds them from the libraries
 * they link and the symbols they use. It reads debian/control in its working directory, so one
 * is staged for it.
 */
function shlibsDepends(stage, workDir) {
  const dir = join(workDir, 'shlibdeps');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'debian'), { recursive: true });
  writeFileSync(join(dir, 'debian/control'), `Source: ${PACKAGE_NAME}\n\nPackage: ${PACKAGE_NAME}\nArchitecture: amd64\n`);
  const out = execFileSync('dpkg-shlibdeps', ['-O', `-e${join(stage, LAYOUT.executable)}`, `-e${join(stage, LAYOUT.addon)}`], {
    cwd: dir,
    encoding: 'utf8',
    // Its warnings (symbols of Node's N-API resolved by the executable, unused libpthread) are
    // expected and say nothing about the result.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const m = /^shlibs:Depends=(.+)$/m.exec(out);
  if (!m) throw new Error(`dpkg-shlibdeps printed no shlibs:Depends (${out.trim()})`);
  return m[1].trim();
}

/** roff text with its special characters escaped. */
const roff = (s) => s.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');

/** The manual page, from the executable's own --help (one .TP per option). */
function manPage(executable, version, date) {
  const help = execFileSync(executable, ['--help'], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
  const options = [];
  const prose = [];
  for (const line of help.split('\n')) {
    const m = /^ {2}(--\S+)( VALUE)?\s+(.*)$/.exec(line);
    // \: after a comma: a long default list (--types) may break there.
    if (m) options.push(`.TP\n.B ${roff(m[1])}${m[2] ? ' \\fIVALUE\\fR' : ''}\n${roff(m[3]).replace(/,(?=\S)/g, ',\\:')}`);
    else if (line.trim() && !/^Usage:/.test(line)) prose.push(roff(line.trim()));
  }
  return [
    `.TH MISP\\-ENRICH\\-AGENT 8 "${date}" "misp\\-enrich\\-agent ${roff(version)}" "System Administration"`,
    '.ad l',
    '.SH NAME',
    'misp\\-enrich\\-agent \\- keep memcached loaded with MISP indicators for Logstash',
    '.SH SYNOPSIS',
    '.B misp\\-enrich\\-agent',
    '\\-\\-config /etc/misp\\-enrich/agent.json [\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    'The sync agent of misp\\-enrich: it pages through a MISP instance\'s attributes, incrementally',
    'and with deletions, follows MISP\'s ZeroMQ feed with \\fB\\-\\-zmq\\fR, and writes every indicator into',
    'the local memcached, where the misp_enrich Logstash filter looks events up.',
    '.PP',
    ...prose.flatMap((p) => [p, '.PP']).slice(0, -1),
    '.SH OPTIONS',
    ...options,
    '.SH FILES',
    '.TP',
    '.I /etc/misp\\-enrich/agent.json',
    'the configuration (camelCase option names)',
    '.TP',
    '.I /etc/misp\\-enrich/agent.env',
    'environment of the systemd unit (MISP_ENRICH_* variables, NODE_OPTIONS)',
    '.TP',
    '.I /etc/misp\\-enrich/api\\-key',
    'the MISP API key (apiKeyFile)',
    '.TP',
    '.I /var/lib/misp\\-enrich\\-agent/snapshot.jsonl',
    'the snapshot: warm start and reload while MISP is down',
    '.TP',
    '.I /usr/lib/misp\\-enrich\\-agent/zeromq.node',
    'the zeromq addon, for \\fB\\-\\-zmq\\fR',
    '.SH SEE ALSO',
    '.I /usr/share/doc/misp\\-enrich\\-agent/',
    '',
  ].join('\n');
}

/**
 * Builds `<outDir>/misp-enrich-agent_<debian version>_amd64.deb` from what buildSea() wrote.
 * @param {{ executable: string, addon: string, components: object[], build: { version: string, release: string, commit: string | null }, nodeVersion: string, outDir: string, workDir: string, log?: (line: string) => void }} opts
 * @returns {{ deb: string, version: string, depends: string }}
 */
export function buildDeb(opts) {
  const log = opts.log ?? (() => {});
  const version = debianVersion(opts.build.version);
  const stage = join(resolve(opts.workDir), 'deb-root');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true, mode: 0o755 });

  place(stage, LAYOUT.executable, opts.executable, 0o755);
  // Not executable: it is loaded with dlopen, never run.
  place(stage, LAYOUT.addon, opts.addon, 0o644);
  place(stage, LAYOUT.unit, join(ROOT, 'agent/misp-enrich-agent.service'), 0o644);
  // 0640 from the start; postinst gives it to root:misp-enrich so the agent can read it.
  place(stage, LAYOUT.config, join(ROOT, 'packaging/deb/agent.json'), 0o640);
  // Read by systemd (root) only: it may hold secrets the agent never needs to read itself.
  place(stage, LAYOUT.env, join(ROOT, 'packaging/deb/agent.env'), 0o600);
  chmodSync(join(stage, 'etc/misp-enrich'), 0o750);

  const time = commitTime() ?? (Number(process.env.SOURCE_DATE_EPOCH) || Math.floor(Date.now() / 1000));
  write(stage, `${LAYOUT.doc}/copyright`, debianCopyright({ upstreamName: 'misp-enrich', product: PACKAGE_NAME, components: opts.components }), 0o644);
  write(stage, `${LAYOUT.doc}/changelog.Debian.gz`, gz(debianChangelog({ packageName: PACKAGE_NAME, maintainer: MAINTAINER, build: opts.build, debianVersion })), 0o644);
  // The upstream changelog, as the project writes it.
  write(stage, `${LAYOUT.doc}/changelog.gz`, gz(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')), 0o644);
  write(stage, LAYOUT.man, gz(manPage(opts.executable, opts.build.version, debianDate(time).slice(5, 16))), 0o644);
  place(stage, LAYOUT.lintianOverrides, join(ROOT, 'packaging/deb/lintian-overrides'), 0o644);

  const depends = shlibsDepends(stage, opts.workDir);
  const installedSize = sizeKiB(stage);
  const debian = join(stage, 'DEBIAN');
  mkdirSync(debian, { mode: 0o755 });
  const control = readFileSync(join(ROOT, 'packaging/deb/control'), 'utf8')
    .replaceAll('@VERSION@', version)
    .replaceAll('@MAINTAINER@', MAINTAINER)
    .replaceAll('@DEPENDS@', depends)
    .replaceAll('@INSTALLED_SIZE@', String(installedSize))
    .replaceAll('@NODE_VERSION@', opts.nodeVersion);
  writeFileSync(join(debian, 'control'), control, { mode: 0o644 });
  place(stage, 'DEBIAN/conffiles', join(ROOT, 'packaging/deb/conffiles'), 0o644);
  for (const script of ['postinst', 'prerm', 'postrm']) place(stage, `DEBIAN/${script}`, join(ROOT, 'packaging/deb', script), 0o755);
  // Directories as dpkg expects them, whatever the umask was.
  execFileSync('find', [stage, '-type', 'd', '!', '-path', join(stage, 'etc/misp-enrich'), '-exec', 'chmod', '0755', '{}', '+']);
  // What `dpkg --verify` checks an installed file against (conffiles have their own sums).
  writeFileSync(join(debian, 'md5sums'), md5sums(stage), { mode: 0o644 });

  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  // Each commit's build has a name of its own: an earlier build's .deb must not pass for this one.
  for (const old of readdirSync(outDir)) if (old.startsWith(`${PACKAGE_NAME}_`) && old.endsWith('_amd64.deb')) rmSync(join(outDir, old));
  const deb = join(outDir, debFileName(opts.build.version));
  log(`building ${deb} with dpkg-deb (Depends: ${depends}, passwd)`);
  // gzip: readable by every dpkg in use, and quick on a 2-core machine for a 120 MB binary.
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(stage, { recursive: true, force: true });
  return { deb, version, depends };
}
