// The key-value port on memcached through memjs. One client per server and servers tried in
// order: every server holds every key (the agent writes them all), so this is failover, never
// sharding. memjs has no multi-get, but it pipelines requests issued together on one
// connection, so a batch costs one round trip.
import memjs from 'memjs';
import type { KeyValuePort } from './ports.js';

export interface MemcachedKvOptions {
  servers: string[];
  timeoutMs?: number;
}

export function memcachedKv(options: MemcachedKvOptions): KeyValuePort {
  const clients = options.servers.map((server) =>
    memjs.Client.create(server, {
      retries: 0,
      timeout: (options.timeoutMs ?? 1000) / 1000,
      conntimeout: (options.timeoutMs ?? 1000) / 1000,
      logger: { log: () => {} },
    } as memjs.ClientOptions),
  );
  return {
    async getMulti(keys) {
      let lastError: unknown = new Error('no memcached server configured');
      for (const client of clients) {
        try {
          const results = await Promise.all(keys.map((k) => client.get(k)));
          return results.map((r) => (r.value ? r.value.toString('utf8') : null));
        } catch (err) {
          lastError = err;
        }
      }
      throw lastError;
    },
    async close() {
      for (const c of clients) c.close();
    },
  };
}
