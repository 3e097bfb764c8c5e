// VERSION is the single source of the version: package.json, the Maven build and the bundle
// must all say the same.
import { readFileSync } from 'node:fs';
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
    for (const pom of ['pom.xml', 'plugin/java/logstash-api/pom.xml', 'plugin/java/filter/pom.xml', 'plugin/java/harness/pom.xml']) {
      const text = read(pom);
      // The module's own <version>, outside dependencies, plugins and profiles; else its parent's.
      const parent = /<parent>[\s\S]*?<version>([^<]+)<\/version>[\s\S]*?<\/parent>/.exec(text);
      const top = text.replace(/<(parent|dependencies|dependencyManagement|build|profiles|properties)>[\s\S]*?<\/\1>/g, '');
      const own = /<version>([^<]+)<\/version>/.exec(top);
      expect(own?.[1] ?? parent?.[1], pom).toBe(VERSION);
    }
  });
});
