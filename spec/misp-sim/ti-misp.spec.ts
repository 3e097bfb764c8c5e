// Elastic's ti_misp integration (packages/ti_misp, httpjson inputs) as it talks to MISP, replayed
// request by request: its threat_attributes stream (POST /attributes/restSearch with page,
// limit, returnFormat, a unix timestamp cursor, includeDecayScore and order "timestamp", a
// ?timestamp= query parameter MISP ignores, pages until an empty one, the next cursor taken
// from the last attribute) and the older form of its streams, whose first cursor is Go's
// formatDate(…, "UnixDate") ("Mon Jan _2 15:04:05 MST 2006"). Expected answers follow MISP:
// timestamp is Attribute.timestamp >= (Event.timestamp for events), the text goes through
// AppModel::resolveTimeDelta → strtotime, order through AppModel::findOrder, and the page of
// events restSearch through Event::filterEventIds.
import { describe, expect, it } from 'vitest';
import { useOracleSim } from './oracle-sim.js';
import { readOracleEvents, type OracleAttribute } from './oracle.js';
import { startMispSim, type RestAttribute } from './sim-process.js';

const world = useOracleSim(() => startMispSim());
const live = (): OracleAttribute[] => world.oracle.filter((a) => !a.deleted);

/** Go's time.UnixDate layout in UTC: "Mon Jan _2 15:04:05 MST 2006" (day padded with a space). */
function goUnixDate(sec: number): string {
  const d = new Date(sec * 1000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]!;
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]!;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** One httpjson run: page 1, 2, … with the same body until a page comes back empty. */
async function run(path: string, body: Record<string, unknown>, list: (json: unknown) => unknown[]): Promise<unknown[][]> {
  const pages: unknown[][] = [];
  for (let page = 1; page < 1000; page++) {
    const res = await world.sim.api(`${path}?timestamp=${encodeURIComponent(String(body.timestamp))}`, { ...body, page });
    expect(res.status).toBe(200);
    const got = list(await res.json());
    if (got.length === 0) break;
    pages.push(got);
  }
  return pages;
}

describe('Elastic ti_misp', () => {
  it('threat_attributes: unix cursor, limit, order "timestamp", pages until empty, then the next cursor', async () => {
    const stamps = live().map((a) => a.timestamp).sort((a, b) => a - b);
    const start = stamps[Math.floor(stamps.length * 0.6)]!;
    const body = { limit: 10, returnFormat: 'json', timestamp: String(start), includeDecayScore: true, order: 'timestamp' };
    const pages = await run('/attributes/restSearch', body, (j) => (j as { response: { Attribute: RestAttribute[] } }).response.Attribute);
    const got = pages.flat() as RestAttribute[];
    const want = live().filter((a) => a.timestamp >= start);
    expect(got.map((a) => a.uuid).sort()).toEqual(want.map((a) => a.uuid).sort());
    const ts = got.map((a) => Number(a.timestamp));
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(pages.slice(0, -1).every((p) => p.length === 10)).toBe(true);
    // cursor.timestamp = the last event's timestamp: the next run starts there (>=, so it repeats).
    const cursor = got.at(-1)!.timestamp;
    const next = (await run('/attributes/restSearch', { ...body, timestamp: cursor }, (j) => (j as { response: { Attribute: RestAttribute[] } }).response.Attribute)).flat() as RestAttribute[];
    expect(next.map((a) => a.uuid).sort()).toEqual(live().filter((a) => a.timestamp >= Number(cursor)).map((a) => a.uuid).sort());
  });

  it('the first cursor in Go\'s UnixDate format, on attributes and on events', async () => {
    const stamps = live().map((a) => a.timestamp).sort((a, b) => a - b);
    const start = stamps[Math.floor(stamps.length / 2)]!;
    const text = goUnixDate(start);
    expect(text).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}$/);
    const attrs = (await run('/attributes/restSearch', { limit: 10, returnFormat: 'json', timestamp: text }, (j) => (j as { response: { Attribute: RestAttribute[] } }).response.Attribute)).flat() as RestAttribute[];
    expect(attrs.map((a) => a.uuid).sort()).toEqual(live().filter((a) => a.timestamp >= start).map((a) => a.uuid).sort());
    const events = readOracleEvents(world.sim.dataDir);
    const evStart = events.map((e) => e.timestamp).sort((a, b) => a - b)[5]!;
    const got = (await run('/events/restSearch', { limit: 10, returnFormat: 'json', timestamp: goUnixDate(evStart) }, (j) => (j as { response: { Event: { uuid: string } }[] }).response)).flat() as { Event: { uuid: string } }[];
    expect(got.map((e) => e.Event.uuid).sort()).toEqual(events.filter((e) => e.timestamp >= evStart).map((e) => e.uuid).sort());
  });
});
