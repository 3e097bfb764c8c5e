// The Java shell's MemcachedMultiGet, from the packaged plugin jar in a JVM (the harness's
// --port-probe mode), against the key-value port contract: the same cases the Node host's memjs
// port passes in spec/node-host/memcached-kv.spec.ts. Then what only this implementation
// promises: a value announced past the bound is refused before a byte of it is read, and close()
// leaves no thread or socket behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMemcached, type FakeMemcached } from '../support/fake-memcached.js';
import { assertJarsBuilt, startPortProbe, type PortProbe } from '../plugin-java/harness.js';
import { memcachedPortContract, type KvAnswer } from './memcached-port.contract.js';

function kvAnswer(answer: Record<string, any>): KvAnswer {
  if (answer.error) return { error: `${answer.error.type}: ${answer.error.message}` };
  return { values: answer.values as (string | null)[] };
}

beforeAll(() => assertJarsBuilt());

memcachedPortContract({
  name: 'Java MemcachedMultiGet (packaged jar)',
  async open(config) {
    const probe = await startPortProbe({ port: 'memcached', ...config });
    return {
      getMulti: async (keys) => kvAnswer(await probe.send({ get: keys })),
      close: async () => void (await probe.close()),
    };
  },
});

describe('MemcachedMultiGet beyond the contract', () => {
  let fake: FakeMemcached;
  const probes: PortProbe[] = [];
  beforeAll(async () => {
    fake = await startFakeMemcached();
  });
  afterAll(async () => {
    for (const p of probes) await p.close().catch(() => undefined);
    await fake?.close();
  });

  it('refuses a 1.5 GB value on its announcement, with the error naming the bound, and still answers after', async () => {
    fake.hugeValues.set('me1:ip:203.0.113.50', 1_500_000_000);
    fake.values.set('me1:ip:203.0.113.51', 'small');
    const probe = await startPortProbe({ port: 'memcached', hosts: [fake.address], timeoutMs: 30_000, maxValueBytes: 1_048_576 });
    probes.push(probe);
    const refused = await probe.send({ get: ['me1:ip:203.0.113.51', 'me1:ip:203.0.113.50'] });
    expect(refused.error.type).toBe('IOException');
    expect(refused.error.message).toContain('announced a value of 1500000000 bytes, over memcached_max_value_bytes (1048576)');
    expect(await probe.send({ get: ['me1:ip:203.0.113.51'] })).toEqual({ values: ['small'] });
  });

  it('refuses an illegal key with MISP_ENRICH_KEY', async () => {
    const probe = await startPortProbe({ port: 'memcached', hosts: [fake.address], timeoutMs: 1000, maxValueBytes: 1_048_576 });
    probes.push(probe);
    const answer = await probe.send({ get: ['me1:ip:a b'] });
    expect(answer.error.code).toBe('MISP_ENRICH_KEY');
  });

  it('leaves no thread or socket open once closed', async () => {
    fake.values.set('me1:ip:203.0.113.52', 'v');
    const probe = await startPortProbe({ port: 'memcached', hosts: [fake.address], timeoutMs: 1000, maxValueBytes: 1_048_576 });
    expect(await probe.send({ get: ['me1:ip:203.0.113.52'] })).toEqual({ values: ['v'] });
    expect(await probe.close()).toEqual({ closed: true, leaked_threads: [], leaked_sockets: [] });
  });
});
