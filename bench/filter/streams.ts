// The benchmark's event streams: ECS events from five log sources, as a SOC's Logstash sees them.
//
// realistic: firewall, DNS, proxy, EDR and mail events with 2 to 6 looked-up fields each; every
//   field draws its values Zipf-like (alpha 1.0) from its own pool of ~1M values, as real logs
//   repeat the same clients, resolvers and sites; ~1 % of the events carry an indicator the agent
//   loaded (its exact MISP value, so the old recipe's raw-value lookups find it too).
// every-new: the same sources and fields, but no value is ever seen twice.
//
// Benign values stay out of the ranges and names misp-sim's synthetic indicators use (10.0/15,
// 100.64/10, 172.16/12, 2001:db8::/32, *.example, *.srv.test), so only the planted ones hit.

import { seededRandom } from '../../tools/seeded-random.js';

export interface Indicators {
  ip: string[];
  domain: string[];
  url: string[];
  md5: string[];
  sha1: string[];
  sha256: string[];
  email: string[];
}

export type StreamKind = 'realistic' | 'every-new';

const POOL = 1_000_000;
const EULER = 0.5772156649;

/** A rank in 1..n drawn with P(rank) ∝ 1/rank (inverse of the harmonic CDF, H(k) ≈ ln k + γ). */
function zipf(rand: () => number, n: number): number {
  const k = Math.exp(rand() * (Math.log(n) + EULER) - EULER);
  return Math.min(n, Math.max(1, Math.floor(k)));
}

/** Spreads ranks over the value space so neighbouring ranks do not look alike. */
function scramble(x: number, salt: number): number {
  let h = Math.imul(x ^ salt, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

const hex = (n: number, len: number) => n.toString(16).padStart(8, '0').repeat(Math.ceil(len / 8)).slice(0, len);
const WORDS = ['cloud', 'media', 'shop', 'news', 'data', 'cdn', 'mail', 'portal', 'apps', 'static', 'api', 'img'];
const TLDS = ['com', 'net', 'org', 'io', 'de', 'fr', 'co.uk'];

/** The values of each field's pool, by index (a rank, or a counter for every-new). */
const values = {
  client: (i: number) => `10.${128 + ((i >>> 16) & 127)}.${(i >>> 8) & 255}.${i & 255}`,
  external: (i: number) => {
    const h = scramble(i, 0x51);
    let a = 20 + (h % 180);
    if (a === 100 || a === 172) a++;
    return `${a}.${(h >>> 8) & 255}.${(h >>> 16) & 255}.${(i & 0xff) ^ ((h >>> 24) & 0xff)}`;
  },
  resolver: (i: number) => `${203 - (i & 1)}.${(i >>> 1) & 255}.${(i >>> 9) & 255}.53`,
  site: (i: number) => {
    const h = scramble(i, 0x5e);
    return `${WORDS[h % WORDS.length]}${i.toString(36)}.${TLDS[(h >>> 8) % TLDS.length]}`;
  },
  host: (i: number) => {
    const h = scramble(i, 0x40);
    const site = values.site(h % 200_000);
    return (h >>> 20) % 3 === 0 ? site : `${['www', 'cdn', 'api', 'login', 'static'][(h >>> 8) % 5]}.${site}`;
  },
  url: (i: number) => {
    const h = scramble(i, 0x17);
    return `https://${values.host(h % 400_000)}/${['assets', 'api/v2', 'news', 'img'][h % 4]}/${i.toString(36)}${(h >>> 4) % 3 === 0 ? `?id=${h % 9973}` : ''}`;
  },
  md5: (i: number) => hex(scramble(i, 0x01), 32),
  sha1: (i: number) => hex(scramble(i, 0x02), 40),
  sha256: (i: number) => hex(scramble(i, 0x03), 64),
  mailbox: (i: number) => `user${i.toString(36)}@${values.site(scramble(i, 0x4d) % 50_000)}`,
};

type Source = 'firewall' | 'dns' | 'proxy' | 'edr' | 'mail';
const SOURCES: [Source, number][] = [['firewall', 0.35], ['dns', 0.25], ['proxy', 0.25], ['edr', 0.1], ['mail', 0.05]];

export interface StreamOptions {
  kind: StreamKind;
  events: number;
  indicators: Indicators;
  hitRate?: number;
  seed?: number;
  /** every-new: where its counter starts (BEYOND_POOL: past every rank a realistic stream draws). */
  counterFrom?: number;
}

/**
 * A counter start for an every-new stream to follow a realistic one (whose ranks end at POOL):
 * its client addresses, URLs, hashes and mailboxes are none a realistic stream draws (up to some
 * 6M draws: client addresses wrap at 2^23), its external addresses come from a hash and may
 * rarely collide, resolvers and host names come from small pools by design and do repeat. The
 * run's new_values says how many were new.
 */
export const BEYOND_POOL = 2 * POOL;

export interface Stream {
  lines: string[];
  /** Events that carry a planted indicator. */
  planted: number;
  /** Looked-up field values in the stream. */
  values: number;
}

export function generateStream(opts: StreamOptions): Stream {
  const rand = seededRandom(opts.seed ?? 20261128);
  const hitRate = opts.hitRate ?? 0.01;
  let counter = opts.counterFrom ?? 0;
  // Each field its own pool and draw: a Zipf rank, or the next counter value (every-new).
  const draw = (pool: number): number => (opts.kind === 'every-new' ? ++counter : zipf(rand, pool));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lines: string[] = [];
  let planted = 0;
  let valueCount = 0;
  const t0 = Date.UTC(2026, 10, 28, 8);
  for (let n = 0; n < opts.events; n++) {
    let u = rand();
    let source: Source = 'firewall';
    for (const [s, p] of SOURCES) {
      if (u < p) {
        source = s;
        break;
      }
      u -= p;
    }
    const ev: Record<string, any> = { '@timestamp': new Date(t0 + n * 7).toISOString(), event: { dataset: source }, seq: n };
    switch (source) {
      case 'firewall':
        ev.source = { ip: values.client(draw(POOL)), port: 1024 + (n % 60000) };
        ev.destination = { ip: values.external(draw(POOL)), port: 443 };
        break;
      case 'dns':
        ev.source = { ip: values.client(draw(POOL)) };
        ev.destination = { ip: values.resolver(draw(POOL)) };
        ev.dns = { question: { name: values.host(draw(POOL)), type: 'A' } };
        break;
      case 'proxy': {
        const url = values.url(draw(POOL));
        const host = url.slice(8, url.indexOf('/', 8));
        ev.source = { ip: values.client(draw(POOL)) };
        ev.destination = { ip: values.external(draw(POOL)) };
        ev.url = { full: url, domain: host, original: url };
        break;
      }
      case 'edr': {
        const i = draw(POOL);
        ev.host = { name: `ws-${i % 5000}` };
        ev.file = { hash: { md5: values.md5(i), sha1: values.sha1(i), sha256: values.sha256(i) } };
        ev.source = { ip: values.client(draw(POOL)) };
        break;
      }
      case 'mail':
        ev.email = { from: { address: values.mailbox(draw(POOL)) }, to: { address: values.mailbox(draw(POOL)) } };
        ev.source = { ip: values.external(draw(POOL)) };
        if (rand() < 0.5) ev.url = { full: values.url(draw(POOL)) };
        break;
    }
    if (rand() < hitRate) {
      planted++;
      const ind = opts.indicators;
      switch (source) {
        case 'firewall':
          ev.destination.ip = pick(ind.ip);
          break;
        case 'dns':
          ev.dns.question.name = pick(ind.domain);
          break;
        case 'proxy':
          ev.url.full = ev.url.original = pick(ind.url);
          break;
        case 'edr':
          ev.file.hash.sha256 = pick(ind.sha256);
          break;
        case 'mail':
          ev.email.from.address = pick(ind.email);
          break;
      }
    }
    valueCount += countValues(ev);
    lines.push(JSON.stringify(ev));
  }
  return { lines, planted, values: valueCount };
}

function countValues(ev: Record<string, any>): number {
  let n = 0;
  for (const v of [ev.source?.ip, ev.destination?.ip, ev.dns?.question?.name, ev.url?.full, ev.url?.domain, ev.url?.original,
    ev.file?.hash?.md5, ev.file?.hash?.sha1, ev.file?.hash?.sha256, ev.email?.from?.address, ev.email?.to?.address]) {
    if (typeof v === 'string') n++;
  }
  return n;
}
