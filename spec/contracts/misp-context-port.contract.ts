// The MISP context port's contract (testbed/node-host/ports.ts ContextPort, the Java shell's
// ports/ContextPort): the cases every implementation must pass, written once. Each
// implementation's spec runs mispContextPortContract() with an adapter (spec/node-host/misp-context
// for undici in Node, spec/contracts/misp-context-fetcher for the Java MispExchange in the packaged
// jar).
//
// MISP is misp-sim over real HTTP, with its own faults (500s, cut-off and malformed bodies);
// requests are counted by spec/support/hostile-misp.ts in front of it, which also plays what no
// real server can be made to do (a body without end, headers and then silence, an HTML answer).
// Needs ../shared (misp-sim serves real MISP events from it). No timed assertions: a deadline is
// only held to "the call ends, with null" (vitest's timeout catches a hang).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMispSim, type SimProcess } from '../misp-sim/sim-process.js';
import { startHostileMisp, type HostileMisp } from '../support/hostile-misp.js';
import { freePort } from '../support/memcached.js';

export interface ContextPortConfig {
  url: string;
  apiKey: string;
  /** The whole exchange, headers and body (misp_timeout). */
  timeoutMs: number;
  /** The largest answer read (misp_max_response_bytes). */
  maxResponseBytes: number;
  /** Entries kept (context_cache_size) and for how long (context_cache_ttl); a failure never longer. */
  cacheSize: number;
  cacheTtlMs: number;
}

/** MISP's Event object (the {"Event": ...} wrapper taken off), or null when it could not be had. */
export type Contexts = Record<string, Record<string, any> | null>;

export interface ContextPortUnderTest {
  fetch(ids: string[]): Promise<Contexts>;
  /** Each list asked for at the same time (concurrent callers of one port, as pipeline workers are). */
  fetchConcurrently(lists: string[][]): Promise<Contexts[]>;
  close(): Promise<void>;
}

export interface ContextPortImplementation {
  name: string;
  open(config: ContextPortConfig): Promise<ContextPortUnderTest>;
}

/** An answer as MISP sent it, or its Event: both are what the core reads. */
export function unwrapEvent(value: unknown): Record<string, any> | null {
  if (value === null || value === undefined || typeof value !== 'object') return null;
  const v = value as Record<string, any>;
  return v.Event && typeof v.Event === 'object' ? (v.Event as Record<string, any>) : v;
}

const EVENT_FILES = ['misp-tests-event-regin.json', 'pymisp-sighting_1-ursnif.json'];
const UNKNOWN_ID = '987654321';

export function mispContextPortContract(impl: ContextPortImplementation): void {
  describe(`the MISP context port contract: ${impl.name}`, () => {
    let sim: SimProcess;
    let hostile: HostileMisp;
    /** id → info, from the simulator's index. */
    let known: Map<string, { info: string; org: string }>;
    let first: string;
    let second: string;
    const open: ContextPortUnderTest[] = [];
    const openPort = async (config: Partial<ContextPortConfig> = {}): Promise<ContextPortUnderTest> => {
      const port = await impl.open({
        url: hostile.url,
        apiKey: sim.apiKey,
        timeoutMs: 5000,
        maxResponseBytes: 16 << 20,
        cacheSize: 10_000,
        cacheTtlMs: 300_000,
        ...config,
      });
      open.push(port);
      return port;
    };
    const restSearches = () => hostile.requests.get('/events/restSearch') ?? 0;
    const expectEvent = (got: Contexts, id: string) => {
      const ev = got[id];
      expect(ev, `the event ${id}`).toBeTruthy();
      expect(String(ev!.id)).toBe(id);
      expect(ev!.info).toBe(known.get(id)!.info);
      expect(ev!.Orgc?.name).toBe(known.get(id)!.org);
    };
    const expectAllNull = (got: Contexts, ids: string[]) => {
      expect(Object.keys(got).sort()).toEqual([...ids].sort());
      for (const id of ids) expect(got[id], `the event ${id}`).toBeNull();
    };

    beforeAll(async () => {
      sim = await startMispSim({ events: EVENT_FILES });
      hostile = await startHostileMisp(sim.url);
      const index = (await (await sim.api('/events/index', {})).json()) as { id: string; info: string; Orgc?: { name: string } }[];
      known = new Map(index.map((e) => [String(e.id), { info: e.info, org: e.Orgc?.name ?? '' }]));
      [first, second] = [...known.keys()] as [string, string];
      expect(known.size).toBe(2);
    });
    afterEach(async () => {
      hostile.mode = 'pass';
      hostile.requests.clear();
      await sim.admin('/_sim/faults', { mode: 'none' });
      for (const p of open.splice(0)) await p.close();
    });
    afterAll(async () => {
      await hostile?.close();
      await sim?.stop();
    });

    it('fetches the events of many ids with one events/restSearch request', async () => {
      const port = await openPort();
      const got = await port.fetch([first, second]);
      expect(Object.keys(got).sort()).toEqual([first, second].sort());
      expectEvent(got, first);
      expectEvent(got, second);
      expect(restSearches()).toBe(1);
    });

    it('answers null for an id MISP does not have, and the others all the same', async () => {
      const port = await openPort();
      const got = await port.fetch([first, UNKNOWN_ID]);
      expectEvent(got, first);
      expect(got[UNKNOWN_ID]).toBeNull();
    });

    it('asks nothing for an empty list', async () => {
      const port = await openPort();
      expect(await port.fetch([])).toEqual({});
      expect(restSearches()).toBe(0);
    });

    it('serves what it has from its cache: the next call asks only for what it misses, the one after nothing', async () => {
      const port = await openPort();
      expectEvent(await port.fetch([first]), first);
      expect(restSearches()).toBe(1);
      const both = await port.fetch([first, second]);
      expectEvent(both, first);
      expectEvent(both, second);
      expect(restSearches()).toBe(2);
      expectEvent(await port.fetch([second, first]), second);
      expect(restSearches()).toBe(2);
    });

    it('sends one request for concurrent callers asking for the same id', async () => {
      hostile.mode = 'slow';
      hostile.delayMs = 300; // keeps the first request in flight while the others ask
      const port = await openPort();
      const answers = await port.fetchConcurrently([[first], [first], [first], [first]]);
      for (const a of answers) expectEvent(a, first);
      // Whether a caller joined the request in flight or found its answer cached, one went out.
      expect(restSearches()).toBe(1);
    });

    it('answers null for every id when MISP answers HTTP 500', async () => {
      await sim.admin('/_sim/faults', { mode: 'error500', paths: ['/events/restSearch'] });
      const port = await openPort();
      expectAllNull(await port.fetch([first, second]), [first, second]);
    });

    it('answers null for every id when MISP refuses the API key (HTTP 403)', async () => {
      const port = await openPort({ apiKey: 'wrong-key-0000000000000000000000000000000' });
      expectAllNull(await port.fetch([first]), [first]);
    });

    it('remembers a failure: the next call within the failure TTL sends no request', async () => {
      await sim.admin('/_sim/faults', { mode: 'error500', times: 1, paths: ['/events/restSearch'] });
      const port = await openPort();
      expectAllNull(await port.fetch([first]), [first]);
      expect(restSearches()).toBe(1);
      // MISP is fine again, but the port does not ask yet.
      expectAllNull(await port.fetch([first]), [first]);
      expect(restSearches()).toBe(1);
    });

    it('asks again once a failure has expired (never later than the cache TTL)', async () => {
      await sim.admin('/_sim/faults', { mode: 'error500', times: 1, paths: ['/events/restSearch'] });
      const port = await openPort({ cacheTtlMs: 1000 });
      expectAllNull(await port.fetch([first]), [first]);
      let got: Contexts = {};
      const giveUp = Date.now() + 30_000;
      while (!got[first] && Date.now() < giveUp) {
        await new Promise((r) => setTimeout(r, 200));
        got = await port.fetch([first]);
      }
      expectEvent(got, first);
      expect(restSearches()).toBeGreaterThanOrEqual(2);
    });

    it('answers null when the answer is larger than maxResponseBytes', async () => {
      const port = await openPort({ maxResponseBytes: 1024 });
      expectAllNull(await port.fetch([first, second]), [first, second]);
    });

    it('cuts off a body that never ends at maxResponseBytes', async () => {
      hostile.mode = 'endless-body';
      const port = await openPort({ maxResponseBytes: 1 << 20, timeoutMs: 30_000 });
      expectAllNull(await port.fetch([first]), [first]);
    });

    it('cuts off an exchange that outlives the timeout: headers and then silence', async () => {
      hostile.mode = 'headers-then-silence';
      const port = await openPort({ timeoutMs: 1000 });
      expectAllNull(await port.fetch([first]), [first]);
    });

    it('cuts off an exchange that outlives the timeout: an answer that comes too late', async () => {
      hostile.mode = 'slow';
      hostile.delayMs = 5000;
      const port = await openPort({ timeoutMs: 1000 });
      expectAllNull(await port.fetch([first]), [first]);
    });

    it('answers null for a 200 whose body is not JSON (an HTML page)', async () => {
      hostile.mode = 'reflect-key';
      const port = await openPort();
      expectAllNull(await port.fetch([first]), [first]);
    });

    it('answers null for a body that breaks off in the middle of the JSON (a PHP fatal error)', async () => {
      await sim.admin('/_sim/faults', { mode: 'malformed', paths: ['/events/restSearch'] });
      const port = await openPort({ url: sim.url });
      expectAllNull(await port.fetch([first]), [first]);
    });

    it('answers null for a body cut off mid-transfer (the connection dropped)', async () => {
      await sim.admin('/_sim/faults', { mode: 'truncated', paths: ['/events/restSearch'] });
      const port = await openPort({ url: sim.url });
      expectAllNull(await port.fetch([first]), [first]);
    });

    it('answers null when MISP cannot be reached', async () => {
      const port = await openPort({ url: `http://127.0.0.1:${await freePort()}`, timeoutMs: 1000 });
      expectAllNull(await port.fetch([first, second]), [first, second]);
    });
  });
}
