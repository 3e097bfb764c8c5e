// Servers that cannot be reached are no start-up error: the filter starts, passes the events on,
// and says why at debug level without ever logging the API key. One case of each runner's
// start-up spec (spec/plugin-java and spec/logstash-real startup-options.spec.ts).
import { expect, it } from 'vitest';
import { SECRET } from '../support/malformed-options.js';
import { freePort } from '../support/memcached.js';
import type { FilterPipeline } from './pipeline.js';

export function unreachableServersCase(pipeline: FilterPipeline): void {
  it('starts with unreachable memcached and MISP servers, and never logs the API key', async () => {
    const port = await freePort();
    const r = await pipeline.run({
      settings: { memcached_hosts: [`127.0.0.1:${port}`], misp_url: `https://127.0.0.1:${port}`, misp_api_key: SECRET },
      events: [{ message: 'x', source: { ip: '192.0.2.1' } }],
      logLevel: 'debug',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(1);
    expect(r.stderr).not.toContain(SECRET);
    expect(JSON.stringify(r.report)).not.toContain(SECRET);
  });
}
