// Writes what the filter's option contract (plugin/core/contract/filter-options.ts) generates:
// the Java shell's option specs and the options table of docs/index.asciidoc. Run it after
// editing the contract: `npm run contract`. spec/project/contract.spec.ts renders both again
// and fails when a checked-in copy differs (stale, or edited by hand).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILTER_OPTIONS, type FilterOption } from '../plugin/core/contract/filter-options.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const OPTIONS_JAVA = join(ROOT, 'plugin/java/filter/src/main/java/io/mispenrich/logstash/config/Options.java');
export const DOCS = join(ROOT, 'docs/index.asciidoc');

const OPTIONS = FILTER_OPTIONS as readonly FilterOption[];

const JAVA_TYPE: Record<FilterOption['type'], string> = {
  array: 'List<Object>', boolean: 'Boolean', float: 'Double', hash: 'Map<String, Object>', number: 'Long', password: 'Password', string: 'String', uri: 'URI',
};

function javaLiteral(o: FilterOption): string {
  const d = o.default;
  if (Array.isArray(d)) return `List.of(${d.map((s) => JSON.stringify(s)).join(', ')})`;
  if (o.type === 'float') return Number(d).toFixed(Number.isInteger(d) ? 1 : String(d).split('.')[1]!.length);
  if (o.type === 'number') return String(d).replace(/\B(?=(\d{3})+(?!\d))/g, '_');
  return JSON.stringify(d);
}

function javaSpec(o: FilterOption): string {
  const name = JSON.stringify(o.name);
  switch (o.type) {
    case 'array':
      return `PluginConfigSpec.arraySetting(${name}, ${javaLiteral(o)}, false, false)`;
    case 'boolean':
      return `PluginConfigSpec.booleanSetting(${name}, ${javaLiteral(o)})`;
    case 'float':
      return `PluginConfigSpec.floatSetting(${name}, ${javaLiteral(o)})`;
    case 'number':
      return `PluginConfigSpec.numSetting(${name}, ${javaLiteral(o)})`;
    case 'string':
      return o.default === undefined ? `PluginConfigSpec.stringSetting(${name})` : `PluginConfigSpec.stringSetting(${name}, ${javaLiteral(o)})`;
    case 'hash':
      return `PluginConfigSpec.hashSetting(${name})`;
    case 'password':
      return `PluginConfigSpec.passwordSetting(${name})`;
    case 'uri':
      return `PluginConfigSpec.uriSetting(${name})`;
  }
}

const constant = (o: FilterOption) => o.name.toUpperCase();

/** A range bound as Java reads it: a double literal (whole numbers with underscores). */
function javaBound(n: number): string {
  return Number.isInteger(n) ? `${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '_')}.0` : String(n);
}

/** The checks the contract declares beside an option's spec: its range or its choices. */
function javaChecks(o: FilterOption): string {
  let out = '';
  if (o.range) out += `    public static final Range ${constant(o)}_RANGE = new Range(${javaBound(o.range[0])}, ${javaBound(o.range[1])});\n`;
  if (o.choices) out += `    public static final List<String> ${constant(o)}_CHOICES = List.of(${o.choices.map((c) => JSON.stringify(c.value)).join(', ')});\n`;
  return out;
}

/** A note as a javadoc comment, wrapped at about 100 columns. */
function javadoc(note: string | undefined): string {
  if (!note) return '';
  if (note.length <= 100) return `    /** ${note} */\n`;
  const lines: string[] = [];
  let line = '';
  for (const word of note.split(' ')) {
    if (line && line.length + word.length + 1 > 96) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return `    /**\n${lines.map((l) => `     * ${l}\n`).join('')}     */\n`;
}

/** Options.java as the contract makes it. */
export function renderOptionsJava(): string {
  const specs = OPTIONS.map((o) => {
    const head = `    public static final PluginConfigSpec<${JAVA_TYPE[o.type]}> ${constant(o)} =`;
    const decl = head.length + javaSpec(o).length + 2 > 140 ? `${head}\n            ${javaSpec(o)};\n` : `${head} ${javaSpec(o)};\n`;
    return `${javadoc(o.note)}${decl}${javaChecks(o)}`;
  }).join('');
  const all = OPTIONS.map(constant);
  const lines: string[] = [];
  for (let i = 0; i < all.length; i += 6) lines.push(`            ${all.slice(i, i + 6).join(', ')}`);
  return `// Generated from plugin/core/contract/filter-options.ts by scripts/gen-contract.ts (npm run contract): do not edit.
package io.mispenrich.logstash.config;

import java.net.URI;
import java.util.List;
import java.util.Map;

import co.elastic.logstash.api.Password;
import co.elastic.logstash.api.PluginConfigSpec;

/**
 * The plugin's own options, under their Logstash names, as the contract declares them (name,
 * type, default, range or choices); docs/index.asciidoc documents each one, and Settings checks
 * their values against what is declared here.
 * Names and units follow Logstash's own plugins: timeouts and ages in seconds (fractions allowed),
 * sizes in bytes or counts, ssl_* as the official HTTP-client plugins have them, tag_on_*_failure
 * per failure kind as the http filter does.
 */
public final class Options {

    private Options() {
    }

    /** The values a number option may take, inclusive; Settings refuses the others. */
    public record Range(double min, double max) {
    }

${specs}
    public static final List<PluginConfigSpec<?>> ALL = List.of(
${lines.join(',\n')});
}
`;
}

const TABLE = /(\|Setting \|Input type\|Required\n)([\s\S]*?)(\n\|=+)/;

function valueType(o: FilterOption): string {
  if (o.docType) return o.docType;
  const t = o.type === 'float' ? 'number' : o.type;
  return `<<${t},${t}>>`;
}

function tableType(o: FilterOption): string {
  if (!o.choices) return valueType(o);
  return `${valueType(o)}, ${o.type === 'array' ? 'any' : 'one'} of \`[${o.choices.map((c) => JSON.stringify(c.value)).join(', ')}]\``;
}

function docValue(o: FilterOption, v: NonNullable<FilterOption['default']>): string {
  if (Array.isArray(v)) return JSON.stringify(v).replace(/","/g, '", "');
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** The bullets under an option's heading: value type, range, choices, default. */
export function optionBullets(o: FilterOption): string {
  const out = [`  * Value type is ${valueType(o)}`];
  if (o.range) out.push(`  * Value range is \`${o.range[0]}\` to \`${o.range[1]}\``);
  if (o.choices && o.choices.every((c) => c.doc)) {
    out.push('  * Supported values are:', ...o.choices.map((c) => `  ** \`${c.value}\`: ${c.doc}`));
  } else if (o.choices) {
    out.push(`  * Allowed values are: ${o.choices.map((c) => `\`${JSON.stringify(c.value)}\``).join(', ')}`);
  }
  if (o.defaultDoc) out.push(`  * ${o.defaultDoc}`);
  else if (o.default === undefined || (Array.isArray(o.default) && o.default.length === 0)) out.push('  * There is no default value for this setting.');
  else out.push(`  * Default value is \`${docValue(o, o.default)}\``);
  return out.join('\n');
}

/**
 * docs/index.asciidoc with its options table (alphabetical, as official plugin docs have it) and
 * each option's bullets as the contract makes them; the prose under the bullets is the docs' own.
 */
export function renderDocs(doc: string): string {
  if (!TABLE.test(doc)) throw new Error('docs/index.asciidoc has no options table');
  const rows = [...OPTIONS].sort((a, b) => a.name.localeCompare(b.name)).map((o) => `| <<plugins-{type}s-{plugin}-${o.name}>> |${tableType(o)}|No`);
  let out = doc.replace(TABLE, (_m, head: string, _rows: string, tail: string) => `${head}${rows.join('\n')}${tail}`);
  for (const o of OPTIONS) {
    // The heading, a blank line, then the bullet block up to the next blank line.
    const section = new RegExp(`(\\[id="plugins-\\{type\\}s-\\{plugin\\}-${o.name}"\\]\\n===== \`${o.name}\`\\n\\n)((?:  \\*.*\\n|    .*\\n)+)`);
    if (!section.test(out)) throw new Error(`docs/index.asciidoc has no section with bullets for ${o.name}`);
    out = out.replace(section, (_m, head: string) => `${head}${optionBullets(o)}\n`);
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(OPTIONS_JAVA, renderOptionsJava());
  writeFileSync(DOCS, renderDocs(readFileSync(DOCS, 'utf8')));
  process.stdout.write(`wrote ${OPTIONS_JAVA} and the options table of ${DOCS}\n`);
}
