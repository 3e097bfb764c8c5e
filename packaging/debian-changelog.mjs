// The .deb's changelog.Debian.gz, in Debian's format (deb-changelog(5)), made from CHANGELOG.md
// when the package is built: one entry per `## x.y.z` section, newest first, its paragraphs and
// list items as `  * ` items wrapped at 78 columns. A build that is not the release VERSION names
// (build-version.mjs) gets a first entry of its own version, holding the `## Unreleased` section.
//
// Dates come from git, so a rebuild of a commit writes the same file: a release's is the date of
// the commit tagged v<x.y.z>, else of the commit that added its `## x.y.z` heading; an unreleased
// build's is its commit's. Without git metadata, SOURCE_DATE_EPOCH or the time of the build.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const WIDTH = 78;

/** `## heading` sections of a Markdown changelog, in file order, with their body lines. */
export function changelogSections(markdown) {
  const sections = [];
  let current = null;
  for (const line of markdown.split('\n')) {
    const m = /^##\s+(.+?)\s*$/.exec(line);
    if (m) sections.push((current = { heading: m[1], lines: [] }));
    else if (current) current.lines.push(line);
  }
  return sections;
}

/** A section's items: each list item, and each paragraph outside a list, as one line of text. */
function items(lines) {
  const out = [];
  let cur = null;
  for (const raw of lines) {
    const line = raw.trimEnd();
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    if (bullet) out.push((cur = [bullet[1]]));
    else if (line.trim() === '') cur = null;
    else if (cur) cur.push(line.trim());
    else out.push((cur = [line.trim()]));
  }
  return out.map((parts) => parts.join(' '));
}

function wrap(text, first, rest) {
  const lines = [];
  let prefix = first;
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    // A word longer than a line (a URL) gets a line of its own rather than being cut.
    if (line && prefix.length + line.length + 1 + word.length > WIDTH) {
      lines.push(prefix + line);
      prefix = rest;
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(prefix + line);
  return lines;
}

/** RFC 5322 date, as deb-changelog(5) wants it: "Thu, 04 Dec 2025 18:32:00 +0000". */
export function debianDate(unixSeconds) {
  const d = new Date(unixSeconds * 1000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const two = (n) => String(n).padStart(2, '0');
  return `${day}, ${two(d.getUTCDate())} ${month} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function git(root, args) {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function fallbackTime() {
  return Number(process.env.SOURCE_DATE_EPOCH) || Math.floor(Date.now() / 1000);
}

/** Unix seconds of a release: its tag's commit, else the commit that added its heading. */
function releaseTime(root, version) {
  const tagged = git(root, ['log', '-1', '--format=%ct', `refs/tags/v${version}`]);
  if (tagged) return Number(tagged);
  const escaped = version.replace(/[.+]/g, (c) => `\\${c}`);
  const added = git(root, ['log', '--reverse', '--format=%ct', `-G^## ${escaped}$`, '--', 'CHANGELOG.md']).split('\n')[0];
  return added ? Number(added) : fallbackTime();
}

/**
 * The Debian changelog text.
 * @param {{ packageName: string, maintainer: string, build: { version: string, release: string, commit: string | null }, debianVersion: (v: string) => string, root?: string }} opts
 */
export function debianChangelog(opts) {
  const root = opts.root ?? ROOT;
  const sections = changelogSections(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'));
  const entries = [];
  const entry = (version, lines, time) => {
    const body = lines.length > 0 ? lines : [`Release ${version}.`];
    return [
      `${opts.packageName} (${opts.debianVersion(version)}) unstable; urgency=medium`,
      '',
      ...body.flatMap((t) => wrap(t, '  * ', '    ')),
      '',
      ` -- ${opts.maintainer}  ${debianDate(time)}`,
    ].join('\n');
  };
  const { build } = opts;
  if (build.version !== build.release) {
    const unreleased = sections.find((s) => /^unreleased$/i.test(s.heading));
    const head = build.commit ? Number(git(root, ['log', '-1', '--format=%ct', 'HEAD'])) || fallbackTime() : fallbackTime();
    const about = build.commit ? `Unreleased build of commit ${build.commit}, after ${build.release}.` : `Unreleased build after ${build.release}, from a tree without git metadata.`;
    entries.push(entry(build.version, [about, ...(unreleased ? items(unreleased.lines) : [])], head));
  }
  for (const s of sections) {
    if (!/^\d+\.\d+\.\d+$/.test(s.heading)) continue;
    entries.push(entry(s.heading, items(s.lines), releaseTime(root, s.heading)));
  }
  if (entries.length === 0) throw new Error('CHANGELOG.md has no "## x.y.z" section');
  return entries.join('\n\n') + '\n';
}
