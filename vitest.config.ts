import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Specs that read ../shared (MISP's real events and OpenAPI spec, Logstash's real classes) cannot
// run in a user's fresh clone, which has no ../shared beside it: there they are left out, each
// named with the reason, and the names go to .tmp/specs-without-shared.txt, which .ci/run (that
// always runs beside ../shared) requires to be empty. A spec needs ../shared when its text names
// the folder or one of the helpers that read it (SHARED_MARKERS), or when it lives in
// spec/logstash-real/ (Logstash's classes come from there).
const SHARED = resolve('../shared');
const HAS_SHARED = existsSync(join(SHARED, 'README.md'));
const SHARED_MARKERS = ['../shared', 'SHARED_EVENTS', 'SHARED_MISP', 'copyRealEvents', 'startMispSim'];

function specFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? specFiles(join(dir, d.name)) : d.name.endsWith('.spec.ts') ? [join(dir, d.name)] : [],
  );
}

function needsShared(file: string): boolean {
  if (file.includes(`${join('spec', 'logstash-real')}/`)) return true;
  const text = readFileSync(file, 'utf8');
  // A spec that runs a suite of spec/filter-suites needs what the suite needs.
  const suites = [...text.matchAll(/from '([./]+filter-suites\/[\w-]+\.suite)\.js'/g)].map((m) => readFileSync(resolve(dirname(file), `${m[1]}.ts`), 'utf8'));
  return [text, ...suites].some((t) => SHARED_MARKERS.some((m) => t.includes(m)));
}

const withoutShared = HAS_SHARED ? [] : specFiles(resolve('spec')).filter(needsShared);
mkdirSync('.tmp', { recursive: true });
writeFileSync('.tmp/specs-without-shared.txt', withoutShared.map((f) => f.slice(resolve('.').length + 1)).join('\n'));
for (const f of withoutShared) console.warn(`skipped: ${f.slice(resolve('.').length + 1)} needs ${SHARED} (reference data), which is absent`);

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    exclude: ['**/node_modules/**', ...withoutShared],
    // Specs start real servers (memcached, misp-sim, the agent, the JVM): generous timeouts,
    // and files in parallel only up to the machine's two cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    globalSetup: ['spec/support/global-build.ts'],
    reporters: ['default'],
  },
});
