// The key-value port on memcached through memjs. One client per server and servers tried in
// order: every server holds every key (the agent writes them all), so this is failover, never
// sharding. memjs has no multi-get, but it pipelines requests issued together on one
// connection, so a batch costs one round trip. The same contract as the Java shell's
// MemcachedMultiGet (spec/contracts/memcached-port.contract.ts): illegal keys refused before
// anything is sent, a value past maxValueBytes refused as a failure of that server.
import memjs from 'memjs';
import { isLegalKey } from '../../plugin/core/ioc/keys.js';
import type { KeyValuePort } from './ports.js';

export interface MemcachedKvOptions {
  servers: string[];
  timeoutMs?: number;
  /** The largest value taken from a server (the filter's memcached_max_value_bytes). */
  maxValueBytes?: number;
}

export const DEFAULT_MAX_VALUE_BYTES = 1_048_576;

export function memcachedKv(options: MemcachedKvOptions): KeyValuePort {
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const timeoutMs = options.timeoutMs ?? 1000;
  const connect = (server: string) =>
    memjs.Client.create(server, {
      retries: 0,
      timeout: timeoutMs / 1000,
      conntimeout: timeoutMs / 1000,
      logger: { log: () => {} },
    } as memjs.ClientOptions);
  const clients = options.servers.map(connect);

  /**
   * One server's answer, within the time bound of a connect and an exchange (as the Java shell's).
   * memjs's own request timer is not enough: when a timed-out socket closes after its replacement
   * opened, memjs clears the replacement's timer, and a server that never answers is then waited
   * on forever. So the call has its own deadline, and a client that failed in any way is dropped
   * (its sockets destroyed, its pending requests failed) for a new one.
   */
  async function getFrom(i: number, keys: string[]): Promise<(string | null)[]> {
    const client = clients[i]!;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${options.servers[i]} did not answer within ${2 * timeoutMs} ms`)), 2 * timeoutMs);
    });
    try {
      const results = await Promise.race([Promise.all(keys.map((k) => client.get(k))), deadline]);
      return results.map((r) => {
        if (!r.value) return null;
        // memjs has already buffered the value (it has no bound of its own); refusing it here
        // keeps the port's answer the same as the Java shell's.
        if (r.value.length > maxValueBytes) {
          throw new Error(`${options.servers[i]} sent a value of ${r.value.length} bytes, over memcached_max_value_bytes (${maxValueBytes})`);
        }
        return r.value.toString('utf8');
      });
    } catch (err) {
      for (const s of client.servers) s.error(new Error('connection dropped after a failure'));
      clients[i] = connect(options.servers[i]!);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async getMulti(keys) {
      // As the Java shell: a key that is not a legal memcached key never leaves the process.
      if (!keys.every(isLegalKey)) throw new Error('MISP_ENRICH_KEY: refusing an illegal memcached key');
      let lastError: unknown = new Error('no memcached server configured');
      for (let i = 0; i < clients.length; i++) {
        try {
          return await getFrom(i, keys);
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
