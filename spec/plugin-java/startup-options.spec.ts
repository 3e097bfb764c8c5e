// Start-up as Logstash does it: a malformed option stops the plugin with a message naming the
// option (and never the API key); an unknown option is rejected; unreachable servers are not
// start-up errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { base, MALFORMED, SECRET } from '../support/malformed-options.js';
import { unreachableServersCase } from '../filter-suites/unreachable-servers.suite.js';
import { assertJarsBuilt, runFilter, standIn } from './harness.js';

beforeAll(() => assertJarsBuilt());

describe('start-up validation', () => {
  it.each(MALFORMED)('rejects a malformed $option: $settings', async ({ settings, option }) => {
    const r = await runFilter({ settings, events: [{ message: 'x' }] });
    expect(r.code).toBe(3);
    expect(r.events).toEqual([]);
    expect(r.stderr).toMatch(new RegExp(`MISP_ENRICH_CONFIG: option '${option}'|'${option}'`));
    expect(r.stderr).not.toContain(SECRET);
  });

  it('rejects an option the plugin does not declare, as Logstash does', async () => {
    const r = await runFilter({ settings: { ...base, memcached_host: ['127.0.0.1:1'] } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("Unknown setting 'memcached_host' specified for plugin 'misp_enrich'");
  });

  it('accepts the common filter options (add_tag, id, enable_metric, ...)', async () => {
    const r = await runFilter({
      settings: { ...base, id: 'misp1', add_tag: ['t'], add_field: {}, remove_tag: [], remove_field: [], enable_metric: true, periodic_flush: false },
      events: [{ message: 'x' }],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(1);
  });

  unreachableServersCase(standIn);
});
