// Every stable error code is defined in one place per part and documented, and the docs list no
// code the code cannot produce: the filter's (the Java ErrorCode enum and the core's CoreError
// codes) against docs/index.asciidoc's "Errors" table, the agent's (agent/ops/errors.ts) against
// agent/README.md.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../agent/ops/errors.js';

const JAVA_MAIN = 'plugin/java/filter/src/main/java';
const ENUM = `${JAVA_MAIN}/io/mispenrich/logstash/log/ErrorCode.java`;

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name), ext) : ext.test(d.name) ? [join(dir, d.name)] : []);
}

/** Without comments, so a code named in prose is not taken for one in use. */
function code(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

function javaEnumCodes(): string[] {
  const body = code(ENUM).match(/public enum ErrorCode \{([\s\S]*?);/)![1]!;
  return body.split(',').map((s) => s.trim()).filter(Boolean).map((name) => `MISP_ENRICH_${name}`);
}

function coreCodes(): string[] {
  const union = code('plugin/core/errors.ts').match(/type CoreErrorCode =([^;]+);/)![1]!;
  return [...union.matchAll(/'(MISP_ENRICH_[A-Z_]+)'/g)].map((m) => m[1]!);
}

/** The codes a document's table rows name (a row starts with |`CODE`). */
function documented(text: string, section: RegExp, end: RegExp): Set<string> {
  const from = text.search(section);
  expect(from, `${section} in the docs`).toBeGreaterThanOrEqual(0);
  const rest = text.slice(from);
  const afterHeading = rest.indexOf('\n') + 1;
  const stop = rest.slice(afterHeading).search(end);
  const part = stop < 0 ? rest : rest.slice(0, afterHeading + stop);
  return new Set([...part.matchAll(/`(MISP_ENRICH_[A-Z_]+)`/g)].map((m) => m[1]!));
}

describe('the filter\'s error codes', () => {
  const javaCodes = javaEnumCodes();

  it('are written only in the ErrorCode enum, never as literals elsewhere in the shell', () => {
    const literals = files(JAVA_MAIN, /\.java$/)
      .filter((f) => f !== ENUM)
      .flatMap((f) => [...code(f).matchAll(/"MISP_ENRICH_[A-Z_]*/g)].map((m) => `${f}: ${m[0]}`));
    expect(literals).toEqual([]);
  });

  // The gem's Ruby file raises MISP_ENRICH_JAVA_VERSION before any Java class of the plugin can
  // load (they need Java 21): its codes are listed in the enum all the same, so the docs have one list.
  it('include every code the gem\'s Ruby files raise', () => {
    const ruby = files('plugin/gem/lib', /\.rb$/).flatMap((f) =>
      [...readFileSync(f, 'utf8').replace(/^\s*#.*$/gm, '').matchAll(/MISP_ENRICH_[A-Z_]+/g)].map((m) => m[0]));
    expect(ruby.length).toBeGreaterThan(0);
    expect(javaCodes).toEqual(expect.arrayContaining(ruby));
  });

  it('include every code the core throws, since the shell keeps the core\'s code', () => {
    expect(javaCodes).toEqual(expect.arrayContaining(coreCodes()));
  });

  it('are each documented in docs/index.asciidoc, which lists no other', () => {
    const docs = documented(readFileSync('docs/index.asciidoc', 'utf8'), /^===== Errors$/m, /^=====? /m);
    expect([...docs].sort()).toEqual([...new Set(javaCodes)].sort());
  });
});

describe('the agent\'s error codes', () => {
  it('are each documented in agent/README.md, which lists no other', () => {
    const readme = readFileSync('agent/README.md', 'utf8');
    const listed = new Set([...readme.matchAll(/`(MISP_ENRICH_AGENT_[A-Z_]+)`/g)].map((m) => m[1]!));
    expect([...listed].sort()).toEqual(Object.values(ErrorCodes).sort());
  });

  it('are used through ErrorCodes, never written as literals elsewhere in the agent', () => {
    const literals = files('agent', /\.ts$/)
      .filter((f) => !f.endsWith('ops/errors.ts'))
      .flatMap((f) => [...code(f).matchAll(/['"`]MISP_ENRICH_AGENT_[A-Z_]*/g)].map((m) => `${f}: ${m[0]}`));
    expect(literals).toEqual([]);
  });
});
