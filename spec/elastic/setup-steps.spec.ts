// The README's Elasticsearch set-up, run as written (bash, curl, jq) against a real OpenSearch: the
// templates are created where missing and never replace an admin's own, and an admin's existing
// logs@custom keeps its mappings, with misp-enrich's merged in beside them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { osRequest, prepareLauncher, startOpenSearch, type OpenSearchNode } from '../../tools/opensearch.js';
import { flattenMapping } from './support/mapping.js';

type Json = Record<string, any>;
const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README's sh block that contains `marker`. */
function block(marker: string): string {
  const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const found = blocks.filter((b) => b.includes(marker));
  expect(found, marker).toHaveLength(1);
  return found[0]!;
}

describe('the README\'s Elasticsearch set-up, as written', () => {
  let node: OpenSearchNode;
  let work: string;
  /** Runs a README block in a folder like the project's root (docs/ beside), with $ES set. */
  const run = (script: string) => execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: work, env: { PATH: process.env.PATH ?? '', ES: node.url }, encoding: 'utf8' });
  const component = async (name: string) => (await osRequest<Json>(node.url, 'GET', `/_component_template/${encodeURIComponent(name)}`)).component_templates[0].component_template;

  beforeAll(async () => {
    expect(prepareLauncher()).toBeNull();
    node = await startOpenSearch();
    work = mkdtempSync(join(tmpdir(), 'misp-enrich-setup-'));
    symlinkSync(join(ROOT, 'docs'), join(work, 'docs'));
  }, 180_000);

  afterAll(async () => {
    await node?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('creates the templates of the daily indices, and leaves an admin\'s own template of the same name as it is', async () => {
    const classic = block('_index_template/misp-enrich');
    run(classic);
    expect(flattenMapping((await component('misp-enrich')).template.mappings.properties).get('threat.enrichments')?.type).toBe('nested');
    // An admin changed the installed one: running the step again replaces nothing.
    const mine = { template: { mappings: { properties: { my_field: { type: 'keyword' } } } } };
    await osRequest(node.url, 'PUT', '/_component_template/misp-enrich', mine);
    run(classic);
    expect(await component('misp-enrich')).toEqual(mine);
  });

  it('merges misp-enrich\'s mappings into an existing logs@custom, keeping the admin\'s where both map a field', async () => {
    const admin = { template: { settings: { index: { number_of_shards: '1' } }, mappings: { properties: { team: { type: 'keyword' }, source: { properties: { ip: { type: 'keyword' } } } } } }, _meta: { owner: 'soc' } };
    await osRequest(node.url, 'PUT', '/_component_template/logs@custom', admin);
    run(block('logs@custom'));
    const merged = await component('logs@custom');
    const fields = flattenMapping(merged.template.mappings.properties);
    expect(fields.get('team')?.type).toBe('keyword');
    expect(fields.get('source.ip')?.type).toBe('keyword');
    expect(fields.get('threat.enrichments')?.type).toBe('nested');
    expect(fields.get('misp_enrich.keys')?.type).toBe('keyword');
    expect(merged.template.settings.index.number_of_shards).toBe('1');
    expect(merged._meta.owner).toBe('soc');
  });

  it('creates logs@custom from misp-enrich\'s mappings where there is none', async () => {
    await osRequest(node.url, 'DELETE', '/_component_template/logs@custom');
    run(block('logs@custom'));
    const created = await component('logs@custom');
    const shipped = JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/component-template.json'), 'utf8'));
    expect(flattenMapping(created.template.mappings.properties)).toEqual(flattenMapping(shipped.template.mappings.properties));
  });
});
