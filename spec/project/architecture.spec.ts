// The architecture's rules, checked on the sources rather than trusted to prose
// (../shared/design/style.md, plugin/core/README.md): the indicator vocabulary is a leaf, the agent
// sees only that leaf of the core (its retro-hunt, which must match exactly as the filter does,
// also the core's public code), the core sees neither Node nor Java, and nothing the product or
// the benchmarks run imports spec code.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve('.');

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : tsFiles(p);
    return /\.(ts|mts|mjs|js)$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

interface Import {
  file: string;
  /** As written: a package name or a relative path. */
  specifier: string;
  /** For a relative import: the imported file, relative to the project root. */
  target: string | null;
}

export function importsOf(file: string, text = readFileSync(join(ROOT, file), 'utf8')): Import[] {
  const out: Import[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"\n;]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const specifier = (m[1] ?? m[2] ?? m[3])!;
    const target = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), specifier)) : null;
    out.push({ file, specifier, target });
  }
  return out;
}

/** Imports of the files under `dir` that break `allowed`. */
function violations(dir: string, allowed: (i: Import) => boolean): string[] {
  return tsFiles(dir).flatMap((f) => importsOf(f).filter((i) => !allowed(i)).map((i) => `${i.file} imports ${i.specifier}`));
}

const under = (i: Import, ...dirs: string[]) => i.target !== null && dirs.some((d) => i.target!.startsWith(`${d}/`));

/** The rules, each a folder and what its files may import. */
export const RULES: [name: string, dir: string, allowed: (i: Import) => boolean][] = [
  ['plugin/core/ioc is a leaf: it imports nothing else of the project (a pure package for punycode and hashing)', 'plugin/core/ioc',
    (i) => under(i, 'plugin/core/ioc') || (i.target === null && (i.specifier.startsWith('punycode') || i.specifier.startsWith('@noble/hashes')))],
  ['plugin/core/contract declares and does nothing: it imports only itself and the ioc leaf (what npm run contract generates from it is made elsewhere, in scripts/gen-contract.ts)', 'plugin/core/contract',
    (i) => under(i, 'plugin/core/contract', 'plugin/core/ioc')],
  ['the core imports only itself and the leaf\'s two pure packages: no Node built-in, no Java', 'plugin/core',
    (i) => under(i, 'plugin/core') || (i.target === null && (i.specifier.startsWith('punycode') || i.specifier.startsWith('@noble/hashes')))],
  ['the agent sees only plugin/core/ioc of the core, and the parser of the sources file it shares with the filter; its retro-hunt (agent/retro) also the core itself, to match and write as the filter does, and the shipped templates', 'agent',
    (i) => i.target === null || under(i, 'agent', 'plugin/core/ioc') || /^plugin\/core\/config\/misp-sources\.[jt]s$/.test(i.target ?? '') || (i.file.startsWith('agent/retro/') && under(i, 'plugin/core', 'docs/elasticsearch'))],
  ['misp-sim stands alone', 'misp-sim', (i) => i.target === null || under(i, 'misp-sim')],
  ['the product (plugin/, agent/) never imports the test bench (testbed/: the hosts and runners that drive it in specs and tools)', '.',
    (i) => !(i.file.startsWith('plugin/') || i.file.startsWith('agent/')) || !under(i, 'testbed')],
  ['the product, the tools, the demo and the benchmarks never import spec code', '.',
    (i) => !i.file.startsWith('spec/') && !i.file.startsWith('.tmp/') && !i.file.startsWith('dist/') ? !under(i, 'spec') : true],
];

describe('the product\'s folders', () => {
  it('plugin/ holds only what ships: the core, the Java filter with the API it compiles against, the gem', () => {
    const list = (d: string) => readdirSync(join(ROOT, d), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(list('plugin')).toEqual(['core', 'gem', 'java']);
    expect(list('plugin/java')).toEqual(['filter', 'logstash-api']);
  });
});

describe('the architecture\'s import rules', () => {
  for (const [name, dir, allowed] of RULES) {
    it(name, () => {
      const scope = dir === '.' ? ['agent', 'plugin', 'testbed', 'misp-sim', 'bench', 'demo', 'tools', 'scripts', 'bin', 'packaging'] : [dir];
      expect(scope.flatMap((d) => violations(d, allowed))).toEqual([]);
    });
  }

  it('catches a broken rule (a check of the checker on a made-up file)', () => {
    const agentFile = 'agent/sync/engine.ts';
    const bad = importsOf(agentFile, "import { Batch } from '../../plugin/core/enrich/batch-match.js';\nimport x from 'undici';\n");
    const rule = RULES.find(([, dir]) => dir === 'agent')![2];
    expect(bad.filter((i) => !rule(i)).map((i) => i.specifier)).toEqual(['../../plugin/core/enrich/batch-match.js']);
    // The retro-hunt may use the core, but not the Java shell or the Node host.
    const hunt = importsOf('agent/retro/hunter.ts', "import { x } from '../../plugin/core/main.js';\nimport { y } from '../../testbed/node-host/batch-enricher.js';\n");
    expect(hunt.filter((i) => !rule(i)).map((i) => i.specifier)).toEqual(['../../testbed/node-host/batch-enricher.js']);
  });
});
