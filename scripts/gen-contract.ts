// Writes what the contracts generate: from the filter's options (plugin/core/contract/filter-options.ts)
// the Java shell's option specs and the options of docs/index.asciidoc; from the core's answers
// (plugin/core/contract/core-answers.ts) their TypeScript types and Java records; from the agent's
// options (agent/ops/options.ts, OPTION_SPECS) the options table of agent/README.md. Run it after
// editing one of them: `npm run contract`. spec/project/contract.spec.ts renders each again
// and fails when a checked-in copy differs (stale, or edited by hand).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTION_SPECS, type OptionSpec } from '../agent/ops/options.js';
import { CORE_ANSWERS, type Field, type Message, type Shape } from '../plugin/core/contract/core-answers.js';
import { FILTER_OPTIONS, type FilterOption } from '../plugin/core/contract/filter-options.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const OPTIONS_JAVA = join(ROOT, 'plugin/java/filter/src/main/java/io/mispenrich/logstash/config/Options.java');
export const DOCS = join(ROOT, 'docs/index.asciidoc');
export const CORE_ANSWERS_JAVA = join(ROOT, 'plugin/java/filter/src/main/java/io/mispenrich/logstash/contract/CoreAnswers.java');
export const AGENT_README = join(ROOT, 'agent/README.md');
export const CORE_ANSWERS_TS = join(ROOT, 'plugin/core/contract/core-answers.generated.ts');

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
  if (o.range && o.type === 'number' && !o.range.every(Number.isInteger)) throw new Error(`${o.name}: a whole-number option's range must be whole numbers`);
  if (o.range) out += `    public static final Range ${constant(o)}_RANGE = new Range(${javaBound(o.range[0])}, ${javaBound(o.range[1])});\n`;
  if (o.choices) out += `    public static final List<String> ${constant(o)}_CHOICES = List.of(${o.choices.map((c) => JSON.stringify(c.value)).join(', ')});\n`;
  return out;
}

/** Words wrapped into lines of at most `width` characters (a longer word stands alone). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/** A doc comment (the same in Java and TypeScript) at this indent, wrapped at about 100 columns. */
function docComment(text: string, indent: string): string {
  const lines = wrap(text, 96 - indent.length);
  return lines.length === 1 ? `${indent}/** ${text} */\n` : `${indent}/**\n${lines.map((l) => `${indent} * ${l}\n`).join('')}${indent} */\n`;
}

/** Options.java as the contract makes it. */
export function renderOptionsJava(): string {
  const specs = OPTIONS.map((o) => {
    const head = `    public static final PluginConfigSpec<${JAVA_TYPE[o.type]}> ${constant(o)} =`;
    const decl = head.length + javaSpec(o).length + 2 > 140 ? `${head}\n            ${javaSpec(o)};\n` : `${head} ${javaSpec(o)};\n`;
    return `${o.note ? docComment(o.note, '    ') : ''}${decl}${javaChecks(o)}`;
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

function docValue(v: NonNullable<FilterOption['default']>): string {
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
  else out.push(`  * Default value is \`${docValue(o.default)}\``);
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


// ---- the core's answers: TypeScript types and Java records with their decoders ----

const MESSAGES = new Map(CORE_ANSWERS.map((m) => [m.name, m]));

function fieldsOf(m: Message): readonly Field[] {
  return m.extends ? [...fieldsOf(MESSAGES.get(m.extends)!), ...m.fields] : m.fields;
}

function tsType(s: Shape): string {
  switch (s.t) {
    case 'string':
      return s.ts ?? 'string';
    case 'boolean':
    case 'number':
      return s.t;
    case 'json':
      return 'unknown';
    case 'nullable':
      return `${tsType(s.of)} | null`;
    case 'list': {
      const of = tsType(s.of);
      return of.includes(' ') ? `(${of})[]` : `${of}[]`;
    }
    default:
      return s.name;
  }
}

/** plugin/core/contract/core-answers.generated.ts: the answers' TypeScript types, for protocol.ts. */
export function renderCoreAnswersTs(): string {
  const out = CORE_ANSWERS.map((m) => {
    if (m.kind === 'tuple') {
      if (m.fields.some((f) => f.optional)) throw new Error(`${m.name}: a tuple is read by position and has no optional element`);
      return `${docComment(m.doc, '')}export type ${m.name} = [${m.fields.map((f) => `${f.name}: ${tsType(f.shape)}`).join(', ')}];\n`;
    }
    const body = m.fields.map((f) => `${docComment(f.doc, '  ')}  ${f.name}${f.optional ? '?' : ''}: ${tsType(f.shape)};\n`).join('');
    return `${docComment(m.doc, '')}export interface ${m.name}${m.extends ? ` extends ${m.extends}` : ''} {\n${body}}\n`;
  });
  return `// Generated from plugin/core/contract/core-answers.ts by scripts/gen-contract.ts (npm run contract): do not edit.\n\nimport type { Datatype } from '../ioc/index.js';\n\n${out.join('\n')}`;
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function javaType(s: Shape, boxed = false): string {
  switch (s.t) {
    case 'string':
      return 'String';
    case 'boolean':
      return boxed ? 'Boolean' : 'boolean';
    case 'number':
      return boxed ? (s.java === 'int' ? 'Integer' : 'Long') : s.java;
    case 'json':
      return 'Object';
    case 'nullable':
      return javaType(s.of, true);
    case 'list':
      return `List<${javaType(s.of, true)}>`;
    default:
      return s.name;
  }
}

/** The Java expression that decodes `value` (a parsed JSON tree) as this shape. */
function javaDecode(s: Shape, value: string, where: string, optional: boolean): string {
  const w = JSON.stringify(where);
  if (optional && s.t === 'number') {
    // An absent count reads as 0; an optional index or boolean has no such neutral value.
    if (s.java !== 'long') throw new Error(`an optional number must be a long (${where})`);
    return `Decode.optionalLong(${value}, ${w})`;
  }
  if (optional && s.t !== 'record' && s.t !== 'tuple' && s.t !== 'string') throw new Error(`no Java decoder for an optional ${s.t}: make it nullable (${where})`);
  if (optional || s.t === 'nullable') {
    const of = s.t === 'nullable' ? s.of : s;
    if (of.t === 'string') return `Decode.nullableString(${value}, ${w})`;
    if (of.t === 'boolean') return `Decode.nullableBool(${value}, ${w})`;
    if (of.t === 'record' || of.t === 'tuple') return `${value} == null ? null : ${of.name}.decode(${value})`;
    throw new Error(`no Java decoder for an optional or nullable ${of.t} (${where})`);
  }
  switch (s.t) {
    case 'string':
      return `Decode.string(${value}, ${w})`;
    case 'boolean':
      return `Decode.bool(${value}, ${w})`;
    case 'number':
      return s.java === 'int' ? `Decode.intValue(${value}, ${w})` : `Decode.longValue(${value}, ${w})`;
    case 'json':
      return value;
    case 'list':
      if (s.of.t === 'json') return `Decode.jsonList(${value}, ${w})`;
      if (s.of.t === 'string') return `Decode.strings(${value}, ${w})`;
      if (s.of.t === 'record' || s.of.t === 'tuple') return `Decode.list(${value}, ${w}, ${s.of.name}::decode)`;
      throw new Error(`no Java decoder for a list of ${s.of.t} (${where})`);
    default:
      return `${s.name}.decode(${value})`;
  }
}

function javaRecord(m: Message): string {
  const fields = fieldsOf(m);
  const params = fields.map((f) => `${javaType(f.shape)} ${camel(f.name)}`).join(', ');
  const read = (f: Field, i: number) =>
    javaDecode(f.shape, m.kind === 'tuple' ? `a.get(${i})` : `o.get(${JSON.stringify(f.name)})`, `${m.name}.${f.name}`, f.optional === true);
  const head = m.kind === 'tuple'
    ? `            List<?> a = Decode.tuple(json, ${fields.length}, ${JSON.stringify(m.name)});\n`
    : `            Map<?, ?> o = Decode.object(json, ${JSON.stringify(m.name)});\n`;
  const oneLine = `            return new ${m.name}(${fields.map(read).join(', ')});`;
  // Longer argument lists are filled line by line, as a formatter would.
  const filled: string[] = [];
  for (const arg of fields.map(read)) {
    const last = filled.length - 1;
    if (last >= 0 && filled[last]!.length + arg.length + 2 <= 120) filled[last] = `${filled[last]}, ${arg}`;
    else filled.push(arg);
  }
  const body = oneLine.length <= 140 ? oneLine : `            return new ${m.name}(\n${filled.map((l) => `                    ${l}`).join(',\n')});`;
  const view = m.extends
    ? `\n        /** The ${m.extends} this ${m.name} carries. */\n        public ${m.extends} ${camel(m.extends.charAt(0).toLowerCase() + m.extends.slice(1))}() {\n            return new ${m.extends}(${fieldsOf(MESSAGES.get(m.extends)!).map((f) => camel(f.name)).join(', ')});\n        }\n`
    : '';
  const components = fields.map((f) => wrap(`@param ${camel(f.name)} ${f.doc}`, 92).map((l, i) => `     * ${i > 0 ? '       ' : ''}${l}`).join('\n')).join('\n');
  return `    /**
     * ${wrap(m.doc, 92).join('\n     * ')}
     *
${components}
     */
    public record ${m.name}(${params.length > 100 ? `\n            ${fields.map((f) => `${javaType(f.shape)} ${camel(f.name)}`).join(',\n            ')}` : params}) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static ${m.name} decode(Object json) {
${head}${body}
        }
${view}    }
`;
}

/** plugin/java/.../contract/CoreAnswers.java: the answers as Java records, with their decoders. */
export function renderCoreAnswersJava(): string {
  return `// Generated from plugin/core/contract/core-answers.ts by scripts/gen-contract.ts (npm run contract): do not edit.
package io.mispenrich.logstash.contract;

import java.util.List;
import java.util.Map;

/**
 * The answers the core gives as JSON (describe, match, finish; plugin/core/protocol.ts), as the
 * contract declares them: one record each, read from {@code Json.parse}'s tree by its
 * {@code decode}, so the shell reads typed fields and never a Map by string keys.
 */
public final class CoreAnswers {

    private CoreAnswers() {
    }

${CORE_ANSWERS.map(javaRecord).join('\n')}}
`;
}

// ---- the agent's options: the README's table from agent/ops/options.ts's one list ----

const AGENT_TABLE = /(\| flag \| environment \| config key \| default \| meaning \|\n\|---\|---\|---\|---\|---\|\n)((?:\|.*\n)+)/;

function agentDefault(s: OptionSpec): string {
  if (s.defaultDoc !== undefined) return s.defaultDoc;
  const d = s.default;
  if (d === undefined) return '—';
  if (Array.isArray(d)) return d.length ? d.join(',').replace(/\*/g, '\\*') : 'none';
  return String(d);
}

/** agent/README.md with its options table as OPTION_SPECS makes it (the --help text is made from the same list). */
export function renderAgentReadme(readme: string): string {
  if (!AGENT_TABLE.test(readme)) throw new Error('agent/README.md has no options table');
  const rows = OPTION_SPECS.map((s) => {
    const env = `MISP_ENRICH_${s.name.toUpperCase().replace(/-/g, '_')}`;
    const key = s.name === 'config' ? '—' : `\`${s.name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())}\``;
    // A '|' in a cell would split the markdown row.
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    return `| \`--${s.name}\` | \`${env}\` | ${key} | ${cell(agentDefault(s))} | ${cell(s.doc ?? s.help)} |\n`;
  });
  return readme.replace(AGENT_TABLE, (_m, head: string) => `${head}${rows.join('')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(OPTIONS_JAVA, renderOptionsJava());
  writeFileSync(DOCS, renderDocs(readFileSync(DOCS, 'utf8')));
  writeFileSync(CORE_ANSWERS_JAVA, renderCoreAnswersJava());
  writeFileSync(CORE_ANSWERS_TS, renderCoreAnswersTs());
  writeFileSync(AGENT_README, renderAgentReadme(readFileSync(AGENT_README, 'utf8')));
  process.stdout.write(`wrote ${OPTIONS_JAVA}, ${CORE_ANSWERS_JAVA}, ${CORE_ANSWERS_TS}, the options of ${DOCS} and ${AGENT_README}\n`);
}
