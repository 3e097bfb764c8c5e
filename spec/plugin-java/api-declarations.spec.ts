// The compile-only declarations of the Logstash plugin API (plugin/java/logstash-api) say exactly
// what Logstash 9.6's public signatures say (../shared/reference/logstash-java-plugin-api.txt):
// every declared type exists there, and every member listed there is declared alike.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const API_DIR = 'plugin/java/logstash-api/src/main/java/co/elastic/logstash/api';
const REFERENCE = '../shared/reference/logstash-java-plugin-api.txt';

/** Whitespace, `final` and annotations carry no signature meaning here. */
function normalize(text: string): string {
  return text
    .replace(/@(?!interface\b)\w+(\([^)]*\))?/g, '')
    .replace(/\bfinal\s+/g, '')
    .replace(/\s+/g, '');
}

/** The reference, as type name -> its header line and member lines. */
function readReference(): Map<string, { header: string; members: string[] }> {
  const lines = readFileSync(REFERENCE, 'utf8').split('\n').filter((l) => !l.startsWith('#'));
  const joined: string[] = [];
  for (const l of lines) {
    // The extract breaks "@SuppressWarnings(" and its ")" over two lines.
    if (joined.length && joined[joined.length - 1]!.endsWith('(')) joined[joined.length - 1] += l.trim();
    else joined.push(l);
  }
  const types = new Map<string, { header: string; members: string[] }>();
  let current: { header: string; members: string[] } | null = null;
  for (const l of joined) {
    const m = /^\S.*\b(?:interface|class|@interface)\s+(\w+)/.exec(l);
    if (m) {
      current = { header: l.replace(/\{\s*$/, ''), members: [] };
      types.set(m[1]!, current);
    } else if (current && /^\s{4}\S/.test(l)) {
      current.members.push(l.trim().replace(/;\s*$/, ''));
    }
  }
  return types;
}

const reference = readReference();
const declared = readdirSync(API_DIR).filter((f) => f.endsWith('.java')).map((f) => f.replace('.java', ''));

describe('Logstash API declarations match Logstash 9.6', () => {
  it('declare only types the real API has, including every type the plugin uses', () => {
    for (const t of declared) expect(reference.has(t), t).toBe(true);
    for (const used of ['Configuration', 'Context', 'Event', 'Filter', 'FilterMatchListener', 'LogstashPlugin', 'Password',
      'Plugin', 'PluginConfigSpec', 'PluginHelper', 'NamespacedMetric', 'CounterMetric', 'TimerMetric']) {
      expect(declared, used).toContain(used);
    }
  });

  it.each(declared)('%s has the reference header and every reference member', (type) => {
    const source = normalize(readFileSync(join(API_DIR, `${type}.java`), 'utf8'));
    const ref = reference.get(type)!;
    expect(source, ref.header).toContain(normalize(ref.header));
    expect(ref.members.length, type).toBeGreaterThan(0);
    for (const member of ref.members) expect(source, member).toContain(normalize(member));
  });
});
