// The filter's options are declared once (plugin/core/contract/filter-options.ts): the Java
// option specs and the docs' options table are generated from it (scripts/gen-contract.ts,
// `npm run contract`), and the core reads its own options' names and defaults from it. This spec
// renders each generated file again (Options.java, the docs' options, the core answers' Java
// records and TS types, agent/README.md's options table): one edited by hand, or left stale
// after its declaration changed, fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORE_OPTION_NAMES, FILTER_OPTIONS } from '../../plugin/core/contract/filter-options.js';
import { createEnricher } from '../../plugin/core/main.js';
import {
  AGENT_README, renderAgentReadme, CORE_ANSWERS_JAVA, CORE_ANSWERS_TS, DOCS, OPTIONS_JAVA, renderCoreAnswersJava, renderCoreAnswersTs, renderDocs, renderOptionsJava,
} from '../../scripts/gen-contract.js';

const STALE = 'is not what plugin/core/contract/filter-options.ts generates: edit the contract, then run `npm run contract` (never edit the generated file)';

describe('the filter options contract', () => {
  it('generates Options.java as it is checked in', () => {
    expect(readFileSync(OPTIONS_JAVA, 'utf8'), `${OPTIONS_JAVA} ${STALE}`).toBe(renderOptionsJava());
  });

  it('generates the options table of docs/index.asciidoc as it is checked in', () => {
    const doc = readFileSync(DOCS, 'utf8');
    expect(doc, `the options table of ${DOCS} ${STALE}`).toBe(renderDocs(doc));
  });

  it("generates the core's answers as Java records and TypeScript types as they are checked in", () => {
    expect(readFileSync(CORE_ANSWERS_JAVA, 'utf8'), `${CORE_ANSWERS_JAVA} ${STALE.replace('filter-options.ts', 'core-answers.ts')}`).toBe(renderCoreAnswersJava());
    expect(readFileSync(CORE_ANSWERS_TS, 'utf8'), `${CORE_ANSWERS_TS} ${STALE.replace('filter-options.ts', 'core-answers.ts')}`).toBe(renderCoreAnswersTs());
  });

  it("generates the options table of agent/README.md from the agent's OPTION_SPECS as it is checked in", () => {
    const readme = readFileSync(AGENT_README, 'utf8');
    expect(readme, `the options table of ${AGENT_README} is not what agent/ops/options.ts's OPTION_SPECS generates: edit the list, then run \`npm run contract\``).toBe(renderAgentReadme(readme));
  });

  it('names every option once, and the core takes exactly its own', () => {
    const names = FILTER_OPTIONS.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of CORE_OPTION_NAMES) expect(() => createEnricher(JSON.stringify({ [name]: null }))).not.toThrow(/is not an option of the core/);
    expect(() => createEnricher(JSON.stringify({ memcached_hosts: [] }))).toThrow(/'memcached_hosts': is not an option of the core/);
  });
});
