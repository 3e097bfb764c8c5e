// The options the plugin declares (configSchema(), read from the packaged jar) and the options
// docs/index.asciidoc documents are the same list, and each documented option has the sections
// official Logstash plugin docs have.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertJarsBuilt, runHarnessMode } from './harness.js';

// PluginHelper.commonFilterSettings(): documented by Logstash's shared include, not by us.
const COMMON = ['add_field', 'add_tag', 'enable_metric', 'id', 'periodic_flush', 'remove_field', 'remove_tag'];
const DOC = readFileSync('docs/index.asciidoc', 'utf8');

interface SchemaOption {
  name: string;
  type: string;
  required: boolean;
  default: unknown;
}

let options: SchemaOption[];
let schema: string[];

beforeAll(() => {
  assertJarsBuilt();
  options = JSON.parse(runHarnessMode(['--schema', '--output', '-']));
  schema = options.map((o) => o.name);
});

const tableRows = () => {
  const table = /\[cols="<,<,<",options="header",\]\n\|=+\n([\s\S]*?)\n\|=+/.exec(DOC)?.[1] ?? '';
  // Logstash's docs call a string naming a field a field_reference and one naming a file a path;
  // the schema's type of both is string.
  return [...table.matchAll(/<<plugins-\{type\}s-\{plugin\}-([a-z0-9_]+)>> \|<<(\w+),\w+>>[^|]*\|(Yes|No)/g)]
    .map((m) => ({ name: m[1]!, type: ['field_reference', 'path'].includes(m[2]!) ? 'string' : m[2]!, required: m[3] === 'Yes' }));
};
const tableOptions = () => tableRows().map((r) => r.name);

describe('docs/index.asciidoc and configSchema()', () => {
  it('configSchema() includes the common filter settings', () => {
    for (const c of COMMON) expect(schema).toContain(c);
  });

  it('the options table lists exactly the plugin options', () => {
    const own = schema.filter((s) => !COMMON.includes(s)).sort();
    expect(tableOptions().sort()).toEqual(own);
  });

  it('the table gives each option the value type and the required flag configSchema() declares (misp-enrich-run --schema)', () => {
    const declared = options.filter((o) => !COMMON.includes(o.name)).map((o) => ({ name: o.name, type: o.type, required: o.required }));
    expect(tableRows().sort((a, b) => a.name.localeCompare(b.name))).toEqual(declared.sort((a, b) => a.name.localeCompare(b.name)));
  });

  it('the table is in alphabetical order, as in official plugin docs', () => {
    const t = tableOptions();
    expect(t).toEqual([...t].sort());
  });

  it('each option has a section with its value type, default and an example', () => {
    for (const name of tableOptions()) {
      const start = DOC.indexOf(`[id="plugins-{type}s-{plugin}-${name}"]`);
      expect(start, name).toBeGreaterThan(0);
      const next = DOC.indexOf('[id="plugins-{type}s-{plugin}-', start + 10);
      const section = DOC.slice(start, next);
      expect(section, name).toContain(`===== \`${name}\``);
      expect(section, name).toMatch(/Value type is <<\w+,\w+>>/);
      expect(section, name).toMatch(/Default value is|There is no default value/);
      expect(section, name).toMatch(new RegExp(`\\[source,ruby\\]\\n\\s+${name} =>`));
    }
  });
});
