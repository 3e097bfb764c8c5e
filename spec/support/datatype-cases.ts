// One MISP attribute per datatype (and a CIDR network), and a log event that hits it, in the
// event's own spelling (case, trailing dot, subdomain), for the specs on the stand-in harness and
// on Logstash's own classes alike.
import { expect } from 'vitest';

export interface DatatypeCase {
  name: string;
  type: string;
  value: string;
  event: Record<string, unknown>;
  /** The field the hit is reported on (matched.field). */
  field: string;
}

export const CASES: DatatypeCase[] = [
  { name: 'ip', type: 'ip-dst', value: '203.0.113.77', event: { destination: { ip: '203.0.113.77' } }, field: 'destination.ip' },
  { name: 'ip in a CIDR network', type: 'ip-src', value: '198.51.100.0/24', event: { source: { ip: '198.51.100.9' } }, field: 'source.ip' },
  { name: 'domain (suffix match)', type: 'domain', value: 'evil-example.test', event: { dns: { question: { name: 'cdn.evil-example.test' } } }, field: 'dns.question.name' },
  { name: 'hostname', type: 'hostname', value: 'c2.bad-example.test', event: { destination: { domain: 'C2.Bad-Example.test.' } }, field: 'destination.domain' },
  { name: 'url', type: 'url', value: 'http://malware-example.test/payload.exe', event: { url: { full: 'http://MALWARE-example.test/payload.exe' } }, field: 'url.full' },
  { name: 'md5', type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e', event: { file: { hash: { md5: 'D41D8CD98F00B204E9800998ECF8427E' } } }, field: 'file.hash.md5' },
  { name: 'sha1', type: 'sha1', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', event: { file: { hash: { sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' } } }, field: 'file.hash.sha1' },
  { name: 'sha256', type: 'sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', event: { file: { hash: { sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } } }, field: 'file.hash.sha256' },
  { name: 'sha512', type: 'sha512', value: 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e', event: { file: { hash: { sha512: 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e' } } }, field: 'file.hash.sha512' },
  { name: 'email', type: 'email-src', value: 'phish@bad-example.test', event: { email: { from: { address: 'Phish@Bad-Example.test' } } }, field: 'email.from.address' },
];

export const TS = '2026-01-02T03:04:05.678Z';

/** The case's event, with the @timestamp a Logstash input gives it. */
export const hitEvent = (c: DatatypeCase): Record<string, unknown> => ({ '@timestamp': TS, ...c.event });

/** Events nothing can match: text, non-indicator values, arrays, nested values, an existing tag. */
export const MISSES: Record<string, unknown>[] = [
  { '@timestamp': TS, message: 'nothing to look at' },
  { '@timestamp': TS, source: { ip: '192.0.2.200' }, destination: { ip: ['192.0.2.201', '2001:db8::1'] } },
  { '@timestamp': TS, url: { full: 'https://benign.example/index.html' }, tags: ['existing'] },
  { '@timestamp': TS, source: { ip: 'not-an-ip' }, file: { hash: { md5: 'xyz' } }, count: 3, ratio: 0.5, ok: true },
  { '@timestamp': TS, '@version': '7', dns: { question: { name: 'example.org' } }, nested: { a: [1, { b: null }] } },
];

/** Each case's event (in CASES order) holds one enrichment of its attribute, on its field. */
export function expectEveryDatatypeMatched(events: Record<string, any>[]): void {
  expect(events).toHaveLength(CASES.length);
  CASES.forEach((c, i) => {
    const enrichments = events[i]!.threat?.enrichments;
    expect(Array.isArray(enrichments), `${c.name}: ${JSON.stringify(events[i])}`).toBe(true);
    expect(enrichments[0].matched.field, c.name).toBe(c.field);
    expect(enrichments[0].misp.attribute.value, c.name).toBe(c.value);
    expect(enrichments[0].misp.attribute.type, c.name).toBe(c.type);
  });
}
