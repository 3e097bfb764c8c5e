// testbed/node-host/memcached-kv.ts (memjs) against the key-value port contract: the same cases
// the Java shell's MemcachedMultiGet passes in spec/contracts/memcached-multi-get.spec.ts.
import { memcachedKv } from '../../testbed/node-host/memcached-kv.js';
import { memcachedPortContract } from '../contracts/memcached-port.contract.js';

memcachedPortContract({
  name: 'Node memcachedKv (memjs)',
  async open(config) {
    const kv = memcachedKv({ servers: config.hosts, timeoutMs: config.timeoutMs, maxValueBytes: config.maxValueBytes });
    return {
      async getMulti(keys) {
        try {
          return { values: await kv.getMulti(keys) };
        } catch (err) {
          return { error: err instanceof Error ? err.message : String(err) };
        }
      },
      close: () => kv.close(),
    };
  },
});
