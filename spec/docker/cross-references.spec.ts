// Following the README's install sections from top to bottom must give a consistent setup. This
// spec checks what those steps name against what the other files hold: the indices and data
// streams the pipelines write against the index templates, the data view and the detection
// rule; the templates' names in the README, the setup job and the index template; one snapshot
// path everywhere; the systemd unit against what the .deb installs; the Node.js version of the
// executable, the container image and package.json; the set-up order.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { debFileName, LAYOUT } from '../../packaging/build-deb.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const README = read('README.md');
const INDEX_TEMPLATE = JSON.parse(read('docs/elasticsearch/index-template.json'));
const DATA_VIEW = read('docs/kibana/misp-enrich-dashboard.ndjson').split('\n').map((l) => (l ? JSON.parse(l) : null)).find((o) => o?.type === 'index-pattern');
const RULE = JSON.parse(read('docs/kibana/misp-enrich-detection-rule.ndjson').split('\n')[0]!);
const UNIT = read('agent/misp-enrich-agent.service');
const POSTINST = read('packaging/deb/postinst');
const DEB_CONFIG = JSON.parse(read('packaging/deb/agent.json'));
const EXAMPLE_CONFIG = JSON.parse(read('agent/agent.example.json'));
const COMPOSE = parse(read('docker/compose.yaml'), { merge: true }) as { services: Record<string, { environment?: Record<string, string> }> };

/** README sections by their `## ` / `### ` heading. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`) >= 0 ? README.indexOf(`\n## ${title}\n`) : README.indexOf(`\n### ${title}\n`);
  expect(start, title).toBeGreaterThanOrEqual(0);
  const next = README.slice(start + 1).search(/\n##+ /);
  return README.slice(start, next < 0 ? undefined : start + 1 + next);
}

/** Fenced code blocks of a text. */
const blocks = (text: string) => [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!);

function unitValue(key: string): string {
  return new RegExp(`^${key}=(.*)$`, 'm').exec(UNIT)![1]!.trim();
}

const globToRe = (glob: string) => new RegExp(`^${glob.trim().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** The index names the Logstash outputs of a text write, for a sample day. */
function outputTargets(text: string): string[] {
  const targets: string[] = [];
  for (const block of blocks(text).concat(text.includes('output {') && !text.includes('```') ? [text] : [])) {
    for (const out of block.matchAll(/elasticsearch\s*\{([\s\S]*?)\n\s*\}/g)) {
      const body = out[1]!;
      const index = /index\s*=>\s*"([^"]+)"/.exec(body)?.[1];
      if (index) targets.push(index.replace('%{+YYYY.MM.dd}', '2026.11.22'));
      else if (/data_stream\s*=>\s*"true"/.test(body)) targets.push('logs-generic-default');
    }
  }
  return targets;
}

describe('where events go: pipelines, templates, data view, rule', () => {
  const readmeTargets = outputTargets(section('Install the filter into Logstash'));
  const dockerTargets = ['docker/logstash/pipeline/misp-enrich.conf', 'docker/logstash/pipeline-misp/misp-enrich.conf'].flatMap((p) => outputTargets(read(p)));

  it('the README shows a classic index and a logs-*-* data stream, and the docker pipelines write a classic index', () => {
    expect(readmeTargets).toEqual(['misp-enrich-2026.11.22', 'logs-generic-default']);
    expect(dockerTargets).toEqual(['misp-enrich-2026.11.22', 'misp-enrich-2026.11.22']);
  });

  it('every classic index matches the index template, every data stream the logs-*-* template that composes logs@custom', () => {
    for (const target of [...readmeTargets, ...dockerTargets]) {
      if (target.startsWith('logs-')) {
        expect(globToRe('logs-*-*').test(target), target).toBe(true);
        expect(section('Elasticsearch and Kibana')).toContain('_component_template/logs@custom');
      } else {
        expect((INDEX_TEMPLATE.index_patterns as string[]).some((p) => globToRe(p).test(target)), target).toBe(true);
      }
    }
  });

  it('the data view and the detection rule cover every target', () => {
    const dataView = (DATA_VIEW.attributes.title as string).split(',').map(globToRe);
    const rule = (RULE.index as string[]).map(globToRe);
    for (const target of [...readmeTargets, ...dockerTargets]) {
      expect(dataView.some((re) => re.test(target)), `data view: ${target}`).toBe(true);
      expect(rule.some((re) => re.test(target)), `rule: ${target}`).toBe(true);
    }
  });

  it('the README installs the component template under the name the index template composes, from the shipped files', () => {
    const es = section('Elasticsearch and Kibana');
    const component = /_component_template\/([\w-]+)(?:\?create=true)?"[^\n]*\n[^\n]*@docs\/elasticsearch\/component-template\.json/.exec(es)?.[1];
    expect(INDEX_TEMPLATE.composed_of).toEqual([component]);
    expect(es).toMatch(/_index_template\/misp-enrich(?:\?create=true)?"[^\n]*\n[^\n]*@docs\/elasticsearch\/index-template\.json/);
    for (const file of es.matchAll(/@(docs\/[\w/.-]+)/g)) expect(() => read(file[1]!), file[1]).not.toThrow();
  });
});

describe('the set-up order', () => {
  it('puts the templates before Kibana, Kibana before the agent, the agent before the filter', () => {
    const steps = /Set up in this order[\s\S]*?\n\n((?:\d\. [\s\S]*?\n)+)\n/.exec(section('Install the filter into Logstash'))?.[1] ?? '';
    const at = (word: string) => steps.indexOf(word);
    expect(at('templates')).toBeGreaterThan(-1);
    expect(at('templates')).toBeLessThan(at('Kibana'));
    expect(at('Kibana')).toBeLessThan(at('agent'));
    expect(at('agent')).toBeLessThan(at('the filter'));
    expect(steps).toMatch(/before the first enriched event is indexed/);
  });
});

describe('the agent as installed', () => {
  it('is never run with npx', () => {
    expect(README).not.toMatch(/npx misp-enrich-agent/);
    expect(read('agent/README.md')).not.toMatch(/npx misp-enrich-agent/);
  });

  it('has one snapshot path everywhere, inside the unit\'s state directory', () => {
    const stateDir = `/var/lib/${unitValue('StateDirectory')}`;
    const snapshot = DEB_CONFIG.snapshot as string;
    expect(snapshot.startsWith(`${stateDir}/`)).toBe(true);
    expect(EXAMPLE_CONFIG.snapshot).toBe(snapshot);
    expect(COMPOSE.services.agent!.environment!.MISP_ENRICH_SNAPSHOT).toBe(snapshot);
    expect(COMPOSE.services['agent-misp']!.environment!.MISP_ENRICH_SNAPSHOT).toBe(snapshot);
    expect(read('docker/node/Dockerfile')).toContain(`"--snapshot", "${snapshot}"`);
    // No other path under /var/lib is named for the agent anywhere a reader would follow.
    for (const file of ['README.md', 'agent/README.md', 'agent/misp-enrich-agent.service', 'agent/agent.example.json', 'packaging/deb/agent.json', 'packaging/deb/postinst', 'packaging/deb/postrm', 'docker/node/Dockerfile', 'docker/compose.yaml']) {
      for (const m of read(file).matchAll(/\/var\/lib\/misp-enrich[\w.-]*(\/[\w.-]+)?/g)) {
        expect([stateDir, snapshot], `${file}: ${m[0]}`).toContain(m[0]);
      }
    }
  });

  it('starts, as the unit says, the executable and config the .deb installs, as the user postinst creates', () => {
    const [exec, flag, config] = unitValue('ExecStart').split(/\s+/);
    expect(exec).toBe(`/${LAYOUT.executable}`);
    expect(flag).toBe('--config');
    expect(config).toBe(`/${LAYOUT.config}`);
    expect(unitValue('User')).toBe(unitValue('Group'));
    expect(POSTINST).toContain(`USER_NAME=${unitValue('User')}`);
    expect(POSTINST).toContain(`STATE_DIR=/var/lib/${unitValue('StateDirectory')}`);
    expect(LAYOUT.unit).toBe('usr/lib/systemd/system/misp-enrich-agent.service');
    // The API key file: where the config reads it, where the unit's header and the README put it.
    expect(DEB_CONFIG.apiKeyFile).toBe(EXAMPLE_CONFIG.apiKeyFile);
    expect(UNIT).toContain(DEB_CONFIG.apiKeyFile);
    expect(section('Run the agent on each Logstash host')).toContain(DEB_CONFIG.apiKeyFile);
  });

  it('is built by the npm script and named as the README says', () => {
    const pkg = JSON.parse(read('package.json'));
    const version = read('VERSION').trim();
    expect(pkg.scripts.package).toBe('node packaging/package.mjs');
    const run = section('Run the agent on each Logstash host');
    expect(run).toContain('npm run package');
    // A release build's name (a build from another commit carries +git.<n>.<sha> in it).
    expect(run).toContain(`dist/package/${debFileName(version)}`);
    expect(run).toContain('dist/package/misp-enrich-agent`');
  });

  it('runs on one Node.js LTS: the executable\'s, the container image\'s, package.json\'s engines', () => {
    const pin = JSON.parse(read('packaging/node-runtime.json')).version as string;
    const major = Number(pin.split('.')[0]);
    expect(major % 2, 'an even (LTS) line').toBe(0);
    expect(read('docker/node/Dockerfile')).toContain(`ARG NODE_VERSION=${pin}`);
    expect(JSON.parse(read('package.json')).engines.node).toBe(`>=${major}`);
  });
});
