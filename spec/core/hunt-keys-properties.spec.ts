// The retro-hunt finds a log value by an indicator exactly when the filter would have matched
// them: an indicator's hunt term finds a value's hunt keys if and only if the indicator's key is
// among the keys the filter probes for that value with the indicator loaded (its network's prefix
// length in the plan). Checked for every datatype a field can have against every kind of
// indicator a MISP value becomes, on realistic values, their odd spellings and arbitrary text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  candidateProbes,
  DATATYPES,
  huntKeys,
  huntTerm,
  huntTermFinds,
  isLegalKey,
  normalizeIndicator,
  parseIp,
  type Datatype,
  type Indicator,
  type PrefixPlan,
} from '../../plugin/core/ioc/index.js';

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const tld = fc.constantFrom('example', 'test', 'com', 'lu', 'xn--p1ai');
const domainName = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), tld).map(([labels, t]) => [...labels, t].join('.'));
const spelled = (s: string) => fc.tuple(fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.boolean())
  .map(([upper, dot]) => [...s].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join('') + (dot ? '.' : ''));
const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const ip = fc.oneof(ipv4, ipv6, ipv4.map((a) => `::ffff:${a}`), ipv4.map((a) => `[${a}]`));
const url = fc.tuple(fc.constantFrom('', 'http://', 'HTTPS://'), domainName.chain(spelled), fc.constantFrom('', ':80', ':443', ':8080'), fc.webPath())
  .map((p) => p.join(''));

/** Log values of every datatype, with the spellings a log writes. */
const logValue: Record<Datatype, fc.Arbitrary<string>> = {
  ip,
  domain: fc.oneof(domainName.chain(spelled), ip),
  hostname: fc.oneof(domainName.chain(spelled), ipv4),
  url,
  md5: hex(32),
  sha1: hex(40),
  sha256: hex(64),
  sha512: hex(128),
  email: fc.tuple(fc.stringMatching(/^[a-zA-Z0-9._+-]{1,12}$/), domainName.chain(spelled)).map(([l, d]) => `${l}@${d}`),
};

/** The prefix plan under which the filter would have probed for this indicator. */
function planFor(ind: Indicator): PrefixPlan {
  if (ind.kind !== 'net') return { v4: [], v6: [] };
  const net = parseIp(ind.canonical)!;
  return net.family === 4 ? { v4: [net.prefix], v6: [] } : { v4: [], v6: [net.prefix] };
}

function filterMatches(d: Datatype, raw: string, ind: Indicator): boolean {
  return candidateProbes(d, raw, planFor(ind))?.keys.includes(ind.key) ?? false;
}

function huntFinds(d: Datatype, raw: string, ind: Indicator): boolean {
  return huntTermFinds(huntTerm(ind), huntKeys(d, raw) ?? []);
}

/** An indicator related to a log value: the value itself, a parent, a network around it, or another value. */
function relatedIndicator(d: Datatype, raw: string): fc.Arbitrary<Indicator | null> {
  const own = fc.constantFrom(...DATATYPES).map((md) => normalizeIndicator(md, raw));
  const parsed = parseIp(raw.replace(/^\[|\]$/g, ''));
  const network = parsed
    ? fc.nat(parsed.family === 4 ? 32 : 128).map((len) => normalizeIndicator('ip', `${raw.replace(/^\[|\]$/g, '')}/${len}`))
    : fc.constant(null);
  const labels = raw.replace(/\.$/, '').split('.');
  const parent = fc.nat(Math.max(0, labels.length - 1)).chain((i) => fc.constantFrom<Datatype>('domain', 'hostname').map((md) => normalizeIndicator(md, labels.slice(i).join('.'))));
  const other = fc.constantFrom(...DATATYPES).chain((md) => logValue[md].map((v) => normalizeIndicator(md, v)));
  return fc.oneof(own, network, parent, other);
}

describe('retro-hunt keys', () => {
  it('an indicator\'s hunt term finds a log value exactly when the filter, with that indicator loaded, matches it', () => {
    const cases = fc.constantFrom(...DATATYPES).chain((d) => logValue[d].chain((raw) => relatedIndicator(d, raw).map((ind) => [d, raw, ind] as const)));
    let matched = 0;
    fc.assert(
      fc.property(cases, ([d, raw, ind]) => {
        if (!ind) return;
        const expected = filterMatches(d, raw, ind);
        if (expected) matched++;
        expect(huntFinds(d, raw, ind), `${d} ${JSON.stringify(raw)} vs ${ind.key}`).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
    // The generators reach the interesting case often: values the indicator does match.
    expect(matched).toBeGreaterThan(1_000);
  });

  it('agrees with the filter on any text, and every hunt key is a legal keyword', () => {
    const any = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(fc.constantFrom(...DATATYPES), any, fc.constantFrom(...DATATYPES), any, (d, raw, md, value) => {
        const keys = huntKeys(d, raw);
        expect(keys === null).toBe(candidateProbes(d, raw, null) === null);
        for (const k of keys ?? []) expect(isLegalKey(k)).toBe(true);
        const ind = normalizeIndicator(md, value) ?? normalizeIndicator(md, raw);
        if (ind) expect(huntFinds(d, raw, ind)).toBe(filterMatches(d, raw, ind));
      }),
      { numRuns: 5_000 },
    );
  });

  it('writes an address as one fixed-width hex key, found by its own indicator and by the range of each network containing it', () => {
    expect(huntKeys('ip', '192.0.2.130')).toEqual(['me1:ipx4:c0000282']);
    expect(huntKeys('domain', '::ffff:192.0.2.130')).toEqual(huntKeys('ip', '192.0.2.130'));
    expect(huntTerm(normalizeIndicator('ip', '192.0.2.128/25')!)).toEqual({ range: ['me1:ipx4:c0000280', 'me1:ipx4:c00002ff'] });
    expect(huntTerm(normalizeIndicator('ip', '0.0.0.0/0')!)).toEqual({ range: ['me1:ipx4:00000000', 'me1:ipx4:ffffffff'] });
    expect(huntTerm(normalizeIndicator('ip', '2001:db8::/33')!)).toEqual({ range: [`me1:ipx6:20010db8${'0'.repeat(24)}`, `me1:ipx6:20010db87fff${'f'.repeat(20)}`] });
    expect(huntKeys('ip', '2001:db8::1')).toEqual([`me1:ipx6:20010db8${'0'.repeat(23)}1`]);
    expect(huntKeys('domain', 'A.Evil.Example.')).toEqual(['me1:domain:a.evil.example', 'me1:domain:evil.example', 'me1:hostname:a.evil.example']);
    expect(huntTerm(normalizeIndicator('domain', 'evil.example')!)).toEqual({ term: 'me1:domain:evil.example' });
  });
});
