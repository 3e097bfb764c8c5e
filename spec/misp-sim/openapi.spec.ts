// The simulator's responses, validated against MISP's OpenAPI description: every endpoint the
// agent uses, on every real event, plus synthetic data and the error responses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMispOpenApi, type OpenApiChecker } from './openapi-validator.js';
import { startMispSim, type SimProcess } from './sim-process.js';

let sim: SimProcess;
let openapi: OpenApiChecker;

beforeAll(async () => {
  openapi = loadMispOpenApi();
  sim = await startMispSim({ synthetic: 3000, warninglists: true });
});
afterAll(async () => {
  await sim.stop();
});

async function validated(pathTemplate: string, method: string, path: string, body?: unknown, init?: { headers?: Record<string, string> }): Promise<{ res: Response; json: unknown }> {
  const res = await sim.api(path, body, { method, ...init });
  const json: unknown = await res.json();
  expect(openapi.check(pathTemplate, method, res.status, json), `${method} ${path} → ${res.status}`).toEqual([]);
  for (const [name, schema] of Object.entries(openapi.headers(pathTemplate, method, res.status))) {
    const v = res.headers.get(name);
    if (v !== null && schema.type === 'integer') expect(v, name).toMatch(/^\d+$/);
  }
  return { res, json };
}

describe('the OpenAPI checker itself', () => {
  it('rejects what MISP would never send, so passing it means something', () => {
    const sample = { id: '44', event_id: '30', type: 'comment', to_ids: false, uuid: '7a5d856c-048a-4dbd-8e6d-41d1790c5ad0', value: 'x' };
    expect(openapi.check('/attributes/restSearch', 'POST', 200, { response: { Attribute: [sample] } })).toEqual([]);
    for (const broken of [{ to_ids: '1' }, { type: 'not-a-misp-type' }, { id: 44 }, { uuid: 'nope' }, { first_seen: 5 }]) {
      const errors = openapi.check('/attributes/restSearch', 'POST', 200, { response: { Attribute: [{ ...sample, ...broken }] } });
      expect(errors.length, JSON.stringify(broken)).toBeGreaterThan(0);
    }
    expect(openapi.check('/events/restSearch', 'POST', 200, { response: [{ Event: { id: '1' } }] }).length).toBeGreaterThan(0);
    expect(openapi.check('/attributes/restSearch', 'POST', 403, { name: 'x' }).length).toBeGreaterThan(0);
  });
});

describe('responses match openapi.yaml', () => {
  it('attributes/restSearch: every real and synthetic attribute, with event tags', async () => {
    const { res, json } = await validated('/attributes/restSearch', 'POST', '/attributes/restSearch', {
      returnFormat: 'json',
      includeEventTags: true,
      deleted: [0, 1],
    });
    expect(res.status).toBe(200);
    const attrs = (json as { response: { Attribute: unknown[] } }).response.Attribute;
    expect(attrs.length).toBeGreaterThan(1200 + 2900);
    expect(Number(res.headers.get('x-result-count'))).toBe(attrs.length);
  });

  it('attributes/restSearch: a filtered page', async () => {
    const { json } = await validated('/attributes/restSearch', 'POST', '/attributes/restSearch', {
      returnFormat: 'json',
      type: ['ip-dst', 'domain|ip', 'filename|sha256'],
      to_ids: 1,
      limit: 50,
      page: 2,
    });
    expect((json as { response: { Attribute: unknown[] } }).response.Attribute).toHaveLength(50);
  });

  it('events/restSearch, full and metadata', async () => {
    const full = await validated('/events/restSearch', 'POST', '/events/restSearch', { returnFormat: 'json' });
    expect((full.json as { response: unknown[] }).response.length).toBe(13 + 3);
    await validated('/events/restSearch', 'POST', '/events/restSearch', { returnFormat: 'json', metadata: true, published: true });
  });

  it('events/index, full and minimal', async () => {
    const { json } = await validated('/events/index', 'POST', '/events/index', {});
    expect((json as unknown[]).length).toBe(16);
    // EventTag is not part of ExtendedEvent in openapi.yaml: check its items on their own.
    const eventTags = (json as { EventTag: unknown[] }[]).flatMap((e) => e.EventTag);
    expect(eventTags.length).toBeGreaterThan(16);
    for (const t of eventTags) expect(openapi.checkSchema('EventTag', t)).toEqual([]);
    const minimal = await validated('/events/index', 'POST', '/events/index', { minimal: 1 });
    expect((minimal.json as unknown[]).length).toBe(16);
    // minimal=1 answers MISP's SlimEvent shape, which openapi.yaml documents with required fields.
    for (const e of minimal.json as unknown[]) {
      expect(openapi.check('/events/restSearch', 'POST', 200, { response: [{ Event: e }] }).filter((m) => /required/.test(m))).toEqual([]);
    }
  });

  it('events/view of every event, and a 404 for an unknown one', async () => {
    const index = (await (await sim.api('/events/index', {})).json()) as { id: string }[];
    for (const e of index) {
      const { res } = await validated('/events/view/{eventId}', 'GET', `/events/view/${e.id}`);
      expect(res.status).toBe(200);
    }
    const missing = await validated('/events/view/{eventId}', 'GET', '/events/view/987654');
    expect(missing.res.status).toBe(404);
  });

  it('servers/getVersion, servers/getPyMISPVersion, attributes/describeTypes', async () => {
    const { json } = await validated('/servers/getVersion', 'GET', '/servers/getVersion');
    expect((json as { version: string }).version).toMatch(/^2\.5\./);
    const py = await validated('/servers/getPyMISPVersion', 'GET', '/servers/getPyMISPVersion');
    expect(py.json).toEqual({ version: '2.5.1' });
    const types = await validated('/attributes/describeTypes', 'GET', '/attributes/describeTypes');
    expect((types.json as { result: { types: string[] } }).result.types).toContain('ip-dst');
  });

  it('warninglists index, view, checkValue', async () => {
    const { json } = await validated('/warninglists', 'GET', '/warninglists');
    const lists = (json as { Warninglists: { Warninglist: { id: string; name: string } }[] }).Warninglists;
    expect(lists).toHaveLength(29);
    for (const l of lists) await validated('/warninglists/view/{warninglistId}', 'GET', `/warninglists/view/${l.Warninglist.id}`);
    const check = await validated('/warninglists/checkValue', 'POST', '/warninglists/checkValue', ['8.8.8.8', '10.1.2.3', 'nothing.invalid.example']);
    expect(Object.keys(check.json as object).sort()).toEqual(['10.1.2.3', '8.8.8.8']);
  });

  it('error bodies: a 500 fault, a non-JSON body and an unknown returnFormat match ApiError', async () => {
    await sim.admin('/_sim/faults', { mode: 'error500', times: 1 });
    const failed = await validated('/attributes/restSearch', 'POST', '/attributes/restSearch', {});
    expect(failed.res.status).toBe(500);
    const bad = await validated('/attributes/restSearch', 'POST', '/attributes/restSearch', { returnFormat: 'not-a-format' });
    expect(bad.res.status).toBe(404);
    const raw = await fetch(sim.url + '/events/restSearch', {
      method: 'POST',
      headers: { Authorization: sim.apiKey, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: 'not json',
    });
    expect(raw.status).toBe(405);
    expect(openapi.check('/events/restSearch', 'POST', 405, await raw.json())).toEqual([]);
  });

  it('403 for a wrong key, on each endpoint', async () => {
    for (const [tpl, method, path] of [
      ['/attributes/restSearch', 'POST', '/attributes/restSearch'],
      ['/events/restSearch', 'POST', '/events/restSearch'],
      ['/events/view/{eventId}', 'GET', '/events/view/1'],
      ['/servers/getVersion', 'GET', '/servers/getVersion'],
      ['/warninglists', 'GET', '/warninglists'],
    ] as const) {
      const { res } = await validated(tpl, method, path, method === 'POST' ? {} : undefined, { headers: { Authorization: 'wrong' } });
      expect(res.status).toBe(403);
    }
  });
});
