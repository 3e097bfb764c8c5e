// Builds every TypeScript artifact with esbuild: the core bundle that GraalJS and Node load,
// and the Node programs (agent, MISP simulator). Maven and the gem are built by build-all.sh.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';

const version = readFileSync(new URL('../VERSION', import.meta.url), 'utf8').trim();
const define = { __MISP_ENRICH_VERSION__: JSON.stringify(version) };

const core = build({
  entryPoints: ['plugin/core/main.ts'],
  outfile: 'dist/core/misp-enrich-core.js',
  bundle: true,
  // Neutral platform and an IIFE: one self-contained script with no module system, no Node
  // built-ins and one global, MispEnrichCore, so it evaluates unchanged in GraalJS and node:vm.
  platform: 'neutral',
  format: 'iife',
  globalName: 'MispEnrichCore',
  target: 'es2022',
  mainFields: ['module', 'main'],
  define,
  legalComments: 'eof',
  logLevel: 'warning',
});

const programs = [
  ['agent/cli.ts', 'dist/agent/misp-enrich-agent.js'],
  ['misp-sim/cli.ts', 'dist/misp-sim/misp-sim.js'],
]
  // Programs still under construction do not block the core bundle.
  .filter(([entry]) => existsSync(entry))
  .map(([entry, outfile]) =>
  build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    define,
    sourcemap: true,
    logLevel: 'warning',
  }),
);

await Promise.all([core, ...programs]);
