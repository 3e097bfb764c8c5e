// The retro-hunt benchmark's data: 1,000 MISP indicators of every kind the filter matches, and a
// stream of ECS events from five log sources in which a few percent carry one of them in the
// spellings real logs have — the canonical form, subdomains, capitals, trailing dots, default
// ports and fragments, IPv4-mapped addresses, addresses inside networks (also as a proxy's
// url.domain), punycode for a Unicode name, fullwidth letters, upper-case hashes, display-name
// e-mail addresses — beside benign values. Names use
// .example, addresses the benchmarking range 198.18.0.0/15 (RFC 2544): nothing real.

import { seededRandom } from '../../tools/seeded-random.js';

export interface BenchIndicator {
  uuid: string;
  /** MISP attribute type and value, as MISP holds them. */
  type: string;
  value: string;
}

export interface BenchStream {
  indicators: BenchIndicator[];
  /** Generates event i (deterministic). */
  event(i: number): Record<string, unknown>;
}

const uuid = (n: number) => `b7000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const hex = (r: () => number, n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');

export function benchStream(opts: { seed?: number; hitRatio?: number; startMs: number; spanMs: number; count: number }): BenchStream {
  const ir = seededRandom(opts.seed ?? 7);
  const indicators: BenchIndicator[] = [];
  const add = (type: string, value: string) => indicators.push({ uuid: uuid(indicators.length + 1), type, value });
  for (let i = 0; i < 360; i++) add('domain', `d${i}.retro-bench.example`);
  for (let i = 0; i < 40; i++) add('domain', `bücher${i}.retro-bench.example`);
  for (let i = 0; i < 200; i++) add('ip-dst', `198.18.${i >> 6}.${(i & 63) + 1}`);
  for (let i = 0; i < 50; i++) add('ip-src', `198.19.${i}.0/24`);
  for (let i = 0; i < 150; i++) add('url', `http://u${i}.retro-bench.example/p/${i}?id=${i}`);
  for (let i = 0; i < 150; i++) add('sha256', hex(ir, 64));
  for (let i = 0; i < 50; i++) add('email-src', `x${i}@mail.retro-bench.example`);

  const hitRatio = opts.hitRatio ?? 0.05;
  const step = opts.spanMs / opts.count;
  const event = (i: number): Record<string, unknown> => {
    const r = seededRandom(1_000_003 * (i + 1));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const caps = (s: string) => [...s].map((c) => (r() < 0.3 ? c.toUpperCase() : c)).join('');
    const internal = `10.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
    const benignIp = `198.18.${128 + Math.floor(r() * 128)}.${1 + Math.floor(r() * 254)}`;
    const benignName = `h${Math.floor(r() * 200_000)}.benign-bench.example`;
    const base = { '@timestamp': new Date(opts.startMs + i * step).toISOString(), seq: i };
    if (r() >= hitRatio) {
      switch (Math.floor(r() * 5)) {
        case 0: return { ...base, event: { dataset: 'dns' }, source: { ip: internal }, dns: { question: { name: benignName } } };
        case 1: return { ...base, event: { dataset: 'proxy' }, source: { ip: internal }, destination: { ip: benignIp }, url: { domain: benignName, full: `https://${benignName}/${hex(r, 6)}` } };
        case 2: return { ...base, event: { dataset: 'firewall' }, source: { ip: internal }, destination: { ip: benignIp, port: 443 } };
        case 3: return { ...base, event: { dataset: 'edr' }, host: { name: `ws-${Math.floor(r() * 900)}` }, file: { hash: { sha256: hex(r, 64) } } };
        default: return { ...base, event: { dataset: 'email' }, email: { from: { address: `u${Math.floor(r() * 9_000)}@benign-bench.example` } } };
      }
    }
    const ind = pick(indicators);
    switch (ind.type) {
      case 'domain': {
        // A Unicode name half the time in its punycode spelling (WHATWG URL's IDNA).
        const name = ind.value.startsWith('bücher') && r() < 0.5 ? new URL(`http://${ind.value}/`).hostname : ind.value;
        const shown = (r() < 0.6 ? `${pick(['cdn', 'a7', 'static'])}.` : '') + name;
        // Now and then in fullwidth letters, which resolvers (and the filter, NFKC) read as ASCII.
        if (r() < 0.05) return { ...base, event: { dataset: 'dns' }, source: { ip: internal }, dns: { question: { name: [...shown].map((c) => (/[a-z]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('') } } };
        return { ...base, event: { dataset: 'dns' }, source: { ip: internal }, dns: { question: { name: (r() < 0.5 ? caps(shown) : shown) + (r() < 0.3 ? '.' : '') } } };
      }
      case 'ip-dst':
        return { ...base, event: { dataset: 'firewall' }, source: { ip: internal }, destination: { ip: r() < 0.2 ? `::ffff:${ind.value}` : ind.value, port: 8443 } };
      case 'ip-src': {
        const net = ind.value.split('/')[0]!.split('.');
        const address = `${net[0]}.${net[1]}.${net[2]}.${1 + Math.floor(r() * 254)}`;
        // A proxy request to an address inside the network: its host in url.domain.
        if (r() < 0.2) return { ...base, event: { dataset: 'proxy' }, source: { ip: internal }, url: { domain: address, full: `http://${address}/x` } };
        return { ...base, event: { dataset: 'firewall' }, source: { ip: `${net[0]}.${net[1]}.${net[2]}.${1 + Math.floor(r() * 254)}` }, destination: { ip: internal, port: 22 } };
      }
      case 'url': {
        const u = new URL(ind.value);
        const full = r() < 0.4 ? ind.value : `${pick(['HTTP://', 'http://'])}${caps(u.host)}${pick(['', ':80'])}${u.pathname}${u.search}${pick(['', '#top'])}`;
        return { ...base, event: { dataset: 'proxy' }, source: { ip: internal }, url: { full } };
      }
      case 'sha256':
        return { ...base, event: { dataset: 'edr' }, host: { name: 'ws-1' }, file: { hash: { sha256: r() < 0.5 ? ind.value.toUpperCase() : ind.value } } };
      default:
        return { ...base, event: { dataset: 'email' }, email: { from: { address: r() < 0.5 ? `"Billing" <${caps(ind.value)}>` : ind.value } } };
    }
  };
  return { indicators, event };
}
