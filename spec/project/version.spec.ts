// VERSION is the single source of the version: package.json, the Maven build and the bundle
// must all say the same.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
const VERSION = read('VERSION').trim();

describe('one version everywhere', () => {
  it('VERSION is a plain semantic version', () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('package.json carries it', () => {
    expect(JSON.parse(read('package.json')).version).toBe(VERSION);
  });

  it('every pom.xml carries it', () => {
    // Every Maven module there is: the root's and the standalone ones beside it.
    const modules = ['plugin/java', 'spec-support'].flatMap((dir) =>
      existsSync(new URL(`../../${dir}`, import.meta.url)) ? readdirSync(new URL(`../../${dir}`, import.meta.url)).map((m) => `${dir}/${m}/pom.xml`) : [],
    );
    const poms = ['pom.xml', ...modules.filter((p) => existsSync(new URL(`../../${p}`, import.meta.url)))];
    expect(poms).toContain('plugin/java/filter/pom.xml');
    for (const pom of poms) {
      const text = read(pom);
      // The module's own <version>, outside dependencies, plugins and profiles; else its parent's.
      const parent = /<parent>[\s\S]*?<version>([^<]+)<\/version>[\s\S]*?<\/parent>/.exec(text);
      const top = text.replace(/<(parent|dependencies|dependencyManagement|build|profiles|properties)>[\s\S]*?<\/\1>/g, '');
      const own = /<version>([^<]+)<\/version>/.exec(top);
      expect(own?.[1] ?? parent?.[1], pom).toBe(VERSION);
    }
  });
});
