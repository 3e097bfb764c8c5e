// The golden normalization table gives the same canonical values and keys through GraalJS inside
// the packaged plugin jar as through Node: the same bundle (checked byte for byte against the one
// in the jar), two runtimes, the same answers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCore } from '../../testbed/node-host/core-loader.js';
import { GOLDEN } from '../support/golden.js';
import { assertJarsBuilt, runHarnessMode } from './harness.js';

let inJava: ({ datatype: string; canonical: string; keys: string[] } | null)[];

beforeAll(() => {
  assertJarsBuilt();
  const file = join(mkdtempSync(join(tmpdir(), 'misp-enrich-golden-')), 'cases.json');
  writeFileSync(file, JSON.stringify(GOLDEN.map((c) => ({ datatype: c.datatype, input: c.input }))));
  inJava = JSON.parse(runHarnessMode(['--describe', file, '--output', '-']));
});

describe('golden normalization table in GraalJS (Java) and Node', () => {
  it('has one answer per case', () => {
    expect(GOLDEN.length).toBeGreaterThan(20);
    expect(inJava).toHaveLength(GOLDEN.length);
  });

  it('GraalJS gives the table\'s canonical value and keys for every case', () => {
    GOLDEN.forEach((c, i) => {
      const got = inJava[i];
      if (c.canonical === null) {
        expect(got, `${c.rule}: ${JSON.stringify(c.input)}`).toBeNull();
      } else {
        expect(got?.canonical, `${c.rule}: ${JSON.stringify(c.input)}`).toBe(c.canonical);
        if (c.keys) expect(got?.keys, c.rule).toEqual(c.keys);
      }
    });
  });

  it('GraalJS and Node give byte-identical answers', () => {
    const core = loadCore();
    const inNode = GOLDEN.map((c) => JSON.parse(core.describeValue(c.datatype, c.input)));
    expect(inJava).toEqual(inNode);
  });
});
