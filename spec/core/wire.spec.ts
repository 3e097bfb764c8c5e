// The flat wire encoding of the per-batch messages (plugin/core/wire.ts) carries exactly what the
// JSON encoding carries: any log text round-trips (separators, escapes, line breaks, lone
// surrogates), and the enricher answers a wire request as it answers the same request in JSON.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATATYPES, encodeMeta, type Datatype } from '../../plugin/core/ioc/index.js';
import {
  decodeFinishRequest,
  decodeKeysRequest,
  decodeKeysResponse,
  decodeMatchRequest,
  encodeFinishRequest,
  encodeKeysRequest,
  encodeKeysResponse,
  encodeMatchRequest,
} from '../../plugin/core/wire.js';
import { loadCore } from '../../testbed/node-host/core-loader.js';
import type { KeysRequest, MatchRequest } from '../../plugin/core/protocol.js';
import { attribute, entriesFor } from '../support/summaries.js';

const core = loadCore();
// Log text as it comes: any code unit, the wire's own separator and escape among them.
const logText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0001', '0', '1', '\n', ' ', 'a', '\ud800', 'é') }),
  fc.constantFrom('10.0.0.1', 'Evil.Example', 'http://u.example/p?q=1', '', ' ', '!', '-', '='),
);
const meta = fc.oneof(fc.constant(null), fc.constant(''), logText);
const keysRequest: fc.Arbitrary<KeysRequest> = fc.record({
  meta,
  values: fc.dictionary(fc.constantFrom(...DATATYPES), fc.array(logText, { maxLength: 6 }), { maxKeys: 4 }) as fc.Arbitrary<Partial<Record<Datatype, string[]>>>,
});

describe('the wire encoding', () => {
  it('carries any keys request whole', () => {
    fc.assert(fc.property(keysRequest, (r) => {
      expect(decodeKeysRequest(encodeKeysRequest(r))).toEqual(r);
    }), { numRuns: 500 });
  });

  it('carries any match and finish request whole', () => {
    const match: fc.Arbitrary<MatchRequest> = fc.record({
      meta,
      now: logText,
      events: fc.array(fc.record({ index: fc.nat(500), values: fc.array(fc.tuple(fc.nat(20), logText), { maxLength: 4 }) }), { maxLength: 4 }),
      found: fc.dictionary(logText, logText, { maxKeys: 4 }),
    });
    fc.assert(fc.property(match, (r) => {
      expect(decodeMatchRequest(encodeMatchRequest(r))).toEqual(r);
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.dictionary(logText, fc.oneof(fc.constant(null), logText), { maxKeys: 4 }), (contexts) => {
      expect(decodeFinishRequest(encodeFinishRequest(contexts))).toEqual({ contexts });
    }), { numRuns: 500 });
  });

  it('answers a keys request as the JSON call does, hunt keys included', () => {
    for (const retro of [false, true]) {
      const e = core.createEnricher(JSON.stringify({ retro_keys: retro }));
      fc.assert(fc.property(keysRequest, (r) => {
        const json = JSON.parse(e.keys(JSON.stringify(r)));
        expect(decodeKeysResponse(r, e.keysWire(encodeKeysRequest(r)), retro)).toEqual(json);
      }), { numRuns: 300 });
    }
  });

  it('writes the keys answer straight from the values exactly as from the keys response, for any plan', () => {
    // The filter's path (valueKeysAnswer) against the general writer over valueKeys, text for text,
    // with plans an agent publishes: networks in the last octet only (the fast cut), across
    // octets, none, and no meta value yet (every length).
    const plans = fc.oneof(
      fc.constant(null),
      fc.constant(''),
      fc.record({
        v4: fc.uniqueArray(fc.integer({ min: 0, max: 32 }), { maxLength: 6 }).map((xs) => xs.sort((a, b) => a - b)),
        v6: fc.uniqueArray(fc.integer({ min: 0, max: 128 }), { maxLength: 3 }).map((xs) => xs.sort((a, b) => a - b)),
      }).map((prefixes) => encodeMeta({ prefixes })),
      fc.constant(encodeMeta({ prefixes: { v4: [24, 25, 26, 28], v6: [48] } })),
    );
    const address = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
    const request: fc.Arbitrary<KeysRequest> = fc.record({
      meta: plans,
      values: fc.dictionary(fc.constantFrom(...DATATYPES), fc.array(fc.oneof(address, logText), { maxLength: 6 }), { maxKeys: 4 }) as fc.Arbitrary<Partial<Record<Datatype, string[]>>>,
    });
    const e = core.createEnricher('{}');
    fc.assert(fc.property(request, (r) => {
      expect(e.keysWire(encodeKeysRequest(r))).toBe(encodeKeysResponse(r, JSON.parse(e.keys(JSON.stringify(r)))));
    }), { numRuns: 500 });
  });

  it('answers a keys request of 300,000 values (more than a call can take as arguments)', () => {
    const e = core.createEnricher('{}');
    const values = Array.from({ length: 300_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const r: KeysRequest = { meta: null, values: { ip: values } };
    const answer = decodeKeysResponse(r, e.keysWire(encodeKeysRequest(r)), false);
    expect(answer.keys.ip).toHaveLength(values.length);
    expect(answer.keys.ip![299_999]).toEqual(JSON.parse(e.keys(JSON.stringify({ meta: null, values: { ip: [values[299_999]] } }))).keys.ip[0]);
  });

  it('answers match and finish as the JSON calls do, contexts given as MISP\'s text or as objects', () => {
    const store = entriesFor([attribute('domain', 'evil.example', { event_id: '7' }), attribute('ip-dst', '198.51.100.9', { event_id: '8' })]);
    const request = (now: string): MatchRequest => ({
      meta: '',
      now,
      events: [{ index: 0, values: [[0, 'A.Evil.example']] }, { index: 3, values: [[1, '198.51.100.9'], [0, 'x.evil.example']] }],
      found: Object.fromEntries([...store].filter(([k]) => k !== 'me1:meta')),
    });
    const options = JSON.stringify({ fields: { '[d]': 'domain', '[ip]': 'ip' } });
    const contexts = { 7: { Event: { info: 'seven', Orgc: { name: 'CERT' }, Tag: [{ name: 'tlp:green' }] } }, 8: null };
    const byJson = core.createEnricher(options);
    const byWire = core.createEnricher(options);
    // Twice: the second time the wire enricher answers from what it remembered of the same texts.
    for (const now of ['2026-12-04T10:00:00.000Z', '2026-12-04T10:00:01.000Z']) {
      const m = byJson.match(JSON.stringify(request(now)));
      expect(byWire.matchWire(encodeMatchRequest(request(now)))).toBe(m);
      expect(JSON.parse(m).event_ids).toEqual(['7', '8']);
      const texts = Object.fromEntries(Object.entries(contexts).map(([id, c]) => [id, c && JSON.stringify(c)]));
      expect(byWire.finishWire(encodeFinishRequest(texts))).toBe(byJson.finish(JSON.stringify({ contexts })));
    }
    // A changed context is read again: the memory holds a text, not an id.
    byWire.matchWire(encodeMatchRequest(request('2026-12-04T10:00:02.000Z')));
    const changed = JSON.parse(byWire.finishWire(encodeFinishRequest({ 7: JSON.stringify({ Event: { info: 'seven, edited' } }), 8: null })));
    expect(JSON.stringify(changed)).toContain('seven, edited');
  });

  it('refuses what is not a wire message with MISP_ENRICH_PROTOCOL', () => {
    const e = core.createEnricher('{}');
    for (const bad of ['', '{"meta":null}', 'w1p\u0000-\u0000ipv4\u00001\u0000x', 'w1p\u0000-\u0000ip\u00005\u0000x', 'w1p\u0000?']) {
      expect(() => e.keysWire(bad), JSON.stringify(bad)).toThrow(/MISP_ENRICH_PROTOCOL/);
    }
    expect(() => e.matchWire('w1p\u0000-\u0000now\u00001\u00000\u00002\u00000\u0000x')).toThrow(/MISP_ENRICH_PROTOCOL/);
    expect(() => e.finishWire('w1p\u00007')).toThrow(/MISP_ENRICH_PROTOCOL/);
  });
});
