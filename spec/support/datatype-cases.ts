// One MISP attribute per datatype (and a CIDR network), and a log event that hits it, in the
// event's own spelling (case, trailing dot, subdomain), for the specs on the stand-in harness and
// on Logstash's own classes alike.
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
