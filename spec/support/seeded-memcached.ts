// A real memcached holding exactly what the agent writes for a few attributes (entriesFor), for
// the specs that run the packaged filter against it: started and loaded before the tests of the
// describe (or file) that asks for it, stopped after them.
import { afterAll, beforeAll } from 'vitest';
import type { AttributeSummary } from '../../plugin/core/ioc/index.js';
import { seed } from '../plugin-java/harness.js';
import { startMemcached, type MemcachedProcess } from './memcached.js';
import { entriesFor } from './summaries.js';

/** The server, once the beforeAll has started it. */
export type SeededMemcached = Pick<MemcachedProcess, 'address' | 'restart'>;

/**
 * @param assertBuilt checked first: what the specs run must be built from the current sources
 * @param attributes  made when the server is loaded (attribute() numbers its uuids in call order)
 */
export function useSeededMemcached(assertBuilt: () => void, attributes: () => AttributeSummary[]): SeededMemcached {
  let mc: MemcachedProcess | undefined;

  beforeAll(async () => {
    assertBuilt();
    mc = await startMemcached();
    await seed(mc.address, entriesFor(attributes()));
  });

  afterAll(async () => {
    await mc?.stop();
  });

  return {
    get address() {
      return mc!.address;
    },
    restart: () => mc!.restart(),
  };
}
