// The version a packaged build says it is, in `misp-enrich-agent --version`, in memcached's
// me1:meta and in the .deb's Version. VERSION names the last release; a build is that release
// only when it is made from the commit tagged for it. The rule:
//
//   HEAD carries the tag v<VERSION> and no tracked file is modified   → <VERSION>           (0.2.0)
//   any other commit of a git checkout                                → <VERSION>+git.<N>.<sha>
//   the same with modified tracked files                              → <VERSION>+git.<N>.<sha>.dirty
//   no git metadata at all (an exported tree)                         → <VERSION>+unknown
//
// <sha> is HEAD's abbreviated commit id, so an admin can tell exactly what runs. <N> counts the
// commits up to HEAD, so later builds of a branch sort after earlier ones for dpkg and apt (a bare
// sha would sort at random); `+` sorts every such build after the release it follows.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/** The release VERSION names (the file's content). */
export function releaseVersion(root = ROOT) {
  return readFileSync(join(root, 'VERSION'), 'utf8').trim();
}

function git(root, args) {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/**
 * The build's version and how it was decided.
 * @param {string} [root]
 * @returns {{ version: string, release: string, commit: string | null, tagged: boolean, dirty: boolean }}
 */
export function buildVersion(root = ROOT) {
  const release = releaseVersion(root);
  const commit = git(root, ['rev-parse', '--short=12', 'HEAD']);
  if (!commit) return { version: `${release}+unknown`, release, commit: null, tagged: false, dirty: false };
  const tags = (git(root, ['tag', '--points-at', 'HEAD']) ?? '').split('\n');
  const tagged = tags.includes(`v${release}`);
  const dirty = (git(root, ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  if (tagged && !dirty) return { version: release, release, commit, tagged, dirty };
  const count = git(root, ['rev-list', '--count', 'HEAD']) ?? '0';
  return { version: `${release}+git.${count}.${commit}${dirty ? '.dirty' : ''}`, release, commit, tagged, dirty };
}

/** The .deb's Version: the build version with Debian revision 1 (the package is not Debian-native). */
export function debianVersion(version) {
  return `${version}-1`;
}
