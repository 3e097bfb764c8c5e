// The GraalJS Context the plugin runs the core in keeps the sandbox defaults: no Java classes, no
// polyglot access, no files, no threads, no Node or process. Probed from inside a Context built
// exactly as the plugin's pool builds them, in the packaged jar.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertJarsBuilt, runHarnessMode } from './harness.js';

const UNDEFINED = ['Java', 'Packages', 'Polyglot', 'require', 'process', 'Worker', 'readFile', 'quit', 'java'];
const DENIED: Record<string, RegExp> = {
  "Java.type('java.lang.System').exit(3)": /ReferenceError/,
  "Polyglot.eval('js', '1+1')": /ReferenceError/,
  "load('/etc/passwd')": /not allowed/,
  "new Worker('x')": /ReferenceError/,
};

let answers: Record<string, string>;

beforeAll(() => {
  assertJarsBuilt();
  const probes = [...UNDEFINED.map((g) => `typeof ${g}`), ...Object.keys(DENIED)];
  const file = join(mkdtempSync(join(tmpdir(), 'misp-enrich-probe-')), 'probes.json');
  writeFileSync(file, JSON.stringify(probes));
  answers = JSON.parse(runHarnessMode(['--probe-sandbox', file, '--output', '-']));
});

describe('the GraalJS sandbox inside the plugin', () => {
  it.each(UNDEFINED)('has no global %s', (name) => {
    expect(answers[`typeof ${name}`]).toBe('allowed: undefined');
  });

  it.each(Object.entries(DENIED))('refuses %s', (probe, why) => {
    expect(answers[probe]).toMatch(/^denied: /);
    expect(answers[probe]).toMatch(why);
  });
});
