// Properties that must hold for every string, not just the golden ones: normalization is
// idempotent, never throws, always yields legal memcached keys, and the key the agent writes
// for a MISP value is always among the keys the filter probes for the same value in a log.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DATATYPES,
  candidateKeys,
  candidateProbes,
  formatIp,
  networkOf,
  isLegalKey,
  normalizeIndicator,
  parseIp,
  type Datatype,
} from '../../plugin/core/ioc/index.js';

const datatype = fc.constantFrom(...DATATYPES);
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const domainName = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.constantFrom('example', 'test', 'com', 'net', 'lu'))
  .map(([labels, tld]) => [...labels, tld].join('.'));
const mixedCase = (s: string) => fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((b) =>
  [...s].map((ch, i) => (b[i] ? ch.toUpperCase() : ch)).join(''));
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));

const realisticByType: Record<Datatype, fc.Arbitrary<string>> = {
  ip: fc.oneof(ipv4, ipv6, ipv4.map((a) => `::ffff:${a}`)),
  domain: domainName.chain(mixedCase),
  hostname: domainName.chain(mixedCase),
  url: fc.tuple(fc.constantFrom('', 'http://', 'HTTPS://'), domainName, fc.constantFrom('', ':80', ':8080', ':443'), fc.webPath(), fc.constantFrom('', '?a=1', '#frag'))
    .map((p) => p.join('')),
  md5: hex(32),
  sha1: hex(40),
  sha256: hex(64),
  sha512: hex(128),
  email: fc.tuple(fc.stringMatching(/^[a-zA-Z0-9._+-]{1,20}$/), domainName).map(([l, d]) => `${l}@${d}`),
};

describe('normalization properties', () => {
  it('never throws, on any string for any datatype, and every key is legal', () => {
    fc.assert(
      fc.property(datatype, anyText, (d, text) => {
        const ind = normalizeIndicator(d, text);
        if (ind) expect(isLegalKey(ind.key)).toBe(true);
        const cand = candidateProbes(d, text, null);
        for (const k of cand?.keys ?? []) expect(isLegalKey(k)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent', () => {
    const cases = fc.oneof(...DATATYPES.map((d) => fc.tuple(fc.constant(d), fc.oneof(realisticByType[d], anyText))));
    fc.assert(
      fc.property(cases, ([d, text]) => {
        const once = normalizeIndicator(d, text);
        if (!once) return;
        const again = normalizeIndicator(d, once.canonical);
        expect(again?.canonical).toBe(once.canonical);
        const cand = candidateProbes(d, text, { v4: [], v6: [] });
        if (cand) expect(candidateProbes(cand.datatype, cand.canonical, { v4: [], v6: [] })?.canonical).toBe(cand.canonical);
      }),
      { numRuns: 3000 },
    );
  });

  it('agent-side and filter-side keys always agree', () => {
    const cases = fc.oneof(...DATATYPES.map((d) => fc.tuple(fc.constant(d), realisticByType[d])));
    fc.assert(
      fc.property(cases, ([d, text]) => {
        const stored = normalizeIndicator(d, text);
        expect(stored, `${d} ${text}`).not.toBeNull();
        const probes = candidateProbes(d, text, { v4: [], v6: [] })!.keys;
        expect(probes).toContain(stored!.key);
      }),
      { numRuns: 3000 },
    );
  });

  it('an address matches every network indicator that contains it, and only those', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4, ipv6), fc.nat(128), fc.oneof(ipv4, ipv6), (addr, len, other) => {
        const family = parseIp(addr)!.family;
        const prefix = family === 4 ? len % 33 : len;
        const network = normalizeIndicator('ip', `${addr}/${prefix}`)!;
        const plan = family === 4 ? { v4: [prefix], v6: [] } : { v4: [], v6: [prefix] };
        expect(candidateProbes('ip', addr, plan)!.keys).toContain(network.key);
        // Another address is inside the network exactly when its own network of that length is it.
        const otherProbes = candidateProbes('ip', other, plan)!.keys;
        const inside = normalizeIndicator('ip', `${other}/${prefix}`)?.canonical === network.canonical;
        expect(otherProbes.includes(network.key)).toBe(inside || (network.kind === 'ip' && otherProbes.includes(network.key)));
      }),
      { numRuns: 2000 },
    );
  });

  it('a domain indicator matches its subdomains on label boundaries only', () => {
    fc.assert(
      fc.property(domainName, label, (domain, prefix) => {
        const stored = normalizeIndicator('domain', domain)!.key;
        expect(candidateProbes('domain', `${prefix}.${domain}`, null)!.keys).toContain(stored);
        const glued = candidateProbes('domain', `${prefix}${domain}`, null);
        if (glued && glued.canonical !== domain) expect(glued.keys).not.toContain(stored);
      }),
      { numRuns: 2000 },
    );
  });

  it('cuts an IPv4 address\'s network keys from its text exactly as the general parser formats them, with or without kinds and texts', () => {
    // candidateProbes takes a shortcut for a bare dotted quad (slices of its own text); the same
    // address with a space around it goes through parseIp, networkOf and formatIp instead.
    // A plan's lengths are ascending and unique, as decodeMeta makes them.
    const lengths = fc.uniqueArray(fc.integer({ min: 0, max: 32 }), { maxLength: 12 }).map((l) => l.sort((a, b) => a - b));
    fc.assert(
      fc.property(fc.ipV4(), lengths, (address, v4) => {
        const fast = candidateProbes('ip', address, { v4, v6: [] })!;
        const general = candidateProbes('ip', ` ${address} `, { v4, v6: [] })!;
        const ip = parseIp(address)!;
        const expected = [`me1:ip:${formatIp(ip)}`, ...v4.filter((l) => l < 32).map((l) => `me1:net:${formatIp(networkOf(ip, l))}`)];
        expect(fast.keys).toEqual(expected);
        expect(general.keys).toEqual(expected);
        // The keys() call's keys-only path, and the kinds and texts the match call reads.
        expect(candidateKeys('ip', address, { v4, v6: [] })).toEqual(expected);
        expect(fast.canonicals).toEqual(expected.map((k) => k.replace(/^me1:(ip|net):/, '')));
        expect(fast.kinds).toEqual(expected.map((k) => (k.startsWith('me1:ip:') ? 'ip' : 'net')));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses dotted quads with an octet over 255 or a leading zero, whatever path reads them', () => {
    const octet = fc.oneof(fc.integer({ min: 256, max: 999 }).map(String), fc.integer({ min: 0, max: 99 }).map((n) => `0${n}`));
    fc.assert(
      fc.property(fc.ipV4(), octet, fc.integer({ min: 0, max: 3 }), (address, bad, at) => {
        const parts = address.split('.');
        parts[at] = bad;
        const text = parts.join('.');
        expect(parseIp(text)).toBeNull();
        expect(candidateProbes('ip', text, null)).toBeNull();
        expect(candidateProbes('domain', text, null)).toBeNull();
      }),
      { numRuns: 3000 },
    );
  });
});

