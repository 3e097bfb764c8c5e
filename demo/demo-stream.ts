// A deterministic stream of ECS events from five log sources (DNS, proxy, firewall, EDR file
// events, mail), mostly benign, some carrying live indicators in realistic variants (sub-
// domains, upper case, trailing dots, default ports, schemes, addresses inside networks) and a
// few carrying decoys. Each event's intended hits are recorded beside it: the demo's known
// answers, derived from how each event was built rather than from the matcher under test.
import type { DemoDataset, DemoIndicator } from './demo-dataset.js';
import { seededRandom } from '../tools/seeded-random.js';

export interface IntendedHit {
  attrUuid: string;
  field: string;
  datatype: string;
}

export interface DemoEvent {
  event: Record<string, unknown>;
  intended: IntendedHit[];
}

export interface StreamOptions {
  count: number;
  seed?: number;
  hitRatio?: number;
  decoyRatio?: number;
}

const BENIGN_DOMAINS = ['intranet.corp.example', 'cdn.benign.example', 'news.example', 'mail.corp.example', 'updates.vendor.example', 'search.example', 'docs.example', 'api.partner.example'];
const WORDS = ['alpha', 'bravo', 'cdn', 'static', 'img', 'eu', 'us', 'a7', 'node', 'edge', 'px'];
const DATASETS = ['dns', 'proxy', 'firewall', 'edr', 'email'] as const;

export function generateStream(data: DemoDataset, opts: StreamOptions): DemoEvent[] {
  const rand = seededRandom(opts.seed ?? 20261122);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
  const mixCase = (s: string) => [...s].map((c) => (rand() < 0.3 ? c.toUpperCase() : c)).join('');
  const internalIp = () => `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
  // Outside every demo indicator: 192.0.2.0/26 and .77, 198.51.100.23 and .128/25, 203.0.113.66/.77/.88/.99.
  const benignIp = () => pick([`192.0.2.${int(100, 199)}`, `198.51.100.${int(30, 100)}`, `203.0.113.${int(1, 50)}`, `2001:db8:1::${int(1, 999).toString(16)}`]);
  const benignDomain = () => (rand() < 0.5 ? pick(BENIGN_DOMAINS) : `${pick(WORDS)}.${pick(BENIGN_DOMAINS)}`);
  const liveDomains = data.live.filter((i) => i.kind === 'domain');
  const liveHostnames = data.live.filter((i) => i.kind === 'hostname');
  const ts = (i: number) => new Date(Date.UTC(2026, 10, 22, 8, 0, 0) + i * 250).toISOString();

  /** Hits a host name gets through url.domain/dns fields (domain parents, hostname exact). */
  const hostHits = (host: string, field: string): IntendedHit[] => {
    const h = host.toLowerCase().replace(/\.$/, '');
    const out: IntendedHit[] = [];
    for (const d of liveDomains) if (h === d.canonical || h.endsWith(`.${d.canonical}`)) out.push({ attrUuid: d.attrUuid, field, datatype: 'domain' });
    for (const d of liveHostnames) if (h === d.canonical) out.push({ attrUuid: d.attrUuid, field, datatype: 'hostname' });
    return out;
  };

  const addressIn = (cidr: string): string => {
    const [base, lenText] = cidr.split('/');
    const len = Number(lenText);
    if (base!.includes(':')) {
      // The demo's IPv6 networks are /48s: vary the low groups.
      return `${base!.replace(/::$/, '')}:${int(1, 0xfff).toString(16)}::${int(1, 0xfff).toString(16)}`;
    }
    const n = base!.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const host = int(1, 2 ** (32 - len) - 2);
    const v = n + host;
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  };

  function fromIndicator(ind: DemoIndicator, live: boolean): DemoEvent {
    const hit = (field: string, datatype: string): IntendedHit[] => (live ? [{ attrUuid: ind.attrUuid, field, datatype }] : []);
    switch (ind.kind) {
      case 'ip': {
        const value = !ind.canonical.includes(':') && rand() < 0.2 ? `::ffff:${ind.canonical}` : mixCase(ind.canonical);
        return { event: { event: { dataset: 'firewall' }, source: { ip: internalIp() }, destination: { ip: value, port: int(1, 65535) } }, intended: hit('destination.ip', 'ip') };
      }
      case 'net':
        return { event: { event: { dataset: 'firewall' }, source: { ip: addressIn(ind.canonical) }, destination: { ip: internalIp(), port: 22 } }, intended: hit('source.ip', 'ip') };
      case 'domain': {
        const name = rand() < 0.6 ? `${pick(WORDS)}.${ind.canonical}` : ind.canonical;
        const shown = mixCase(name) + (rand() < 0.3 ? '.' : '');
        return { event: { event: { dataset: 'dns' }, source: { ip: internalIp() }, dns: { question: { name: shown } } }, intended: live ? hostHits(name, 'dns.question.name') : [] };
      }
      case 'hostname':
        return { event: { event: { dataset: 'proxy' }, source: { ip: internalIp() }, url: { domain: mixCase(ind.canonical), full: `https://${ind.canonical}/${hex(8)}` } }, intended: live ? hostHits(ind.canonical, 'url.domain') : [] };
      case 'url': {
        const slash = ind.canonical.indexOf('/');
        const host = ind.canonical.slice(0, slash);
        const full = `${pick(['http://', 'https://', 'HTTP://'])}${mixCase(host)}${pick(['', ':80', ':443'])}${ind.canonical.slice(slash)}${rand() < 0.3 ? '#frag' : ''}`;
        return { event: { event: { dataset: 'proxy' }, source: { ip: internalIp() }, url: { full, domain: host } }, intended: [...hit('url.full', 'url'), ...(live ? hostHits(host, 'url.domain') : [])] };
      }
      case 'email':
        return { event: { event: { dataset: 'email' }, email: { from: { address: mixCase(ind.canonical) }, to: { address: ['finance@corp.example', 'ap@corp.example'] } } }, intended: hit('email.from.address', 'email') };
      default:
        return { event: { event: { dataset: 'edr' }, host: { name: `ws-${int(100, 999)}` }, file: { name: 'sample.bin', hash: { [ind.kind]: rand() < 0.5 ? ind.canonical.toUpperCase() : ind.canonical } } }, intended: hit(`file.hash.${ind.kind}`, ind.kind) };
    }
  }

  function benign(): DemoEvent {
    switch (pick(DATASETS)) {
      case 'dns':
        return { event: { event: { dataset: 'dns' }, source: { ip: internalIp() }, dns: { question: { name: benignDomain() } } }, intended: [] };
      case 'proxy': {
        const host = benignDomain();
        return { event: { event: { dataset: 'proxy' }, source: { ip: internalIp() }, destination: { ip: benignIp() }, url: { domain: host, full: `https://${host}/${hex(6)}?q=${hex(4)}` } }, intended: [] };
      }
      case 'firewall':
        return { event: { event: { dataset: 'firewall' }, source: { ip: internalIp() }, destination: { ip: benignIp(), port: pick([53, 80, 443, 8080]) } }, intended: [] };
      case 'edr':
        return { event: { event: { dataset: 'edr' }, host: { name: `ws-${int(100, 999)}` }, file: { name: 'report.pdf', hash: { sha256: hex(64), md5: hex(32) } } }, intended: [] };
      default:
        return { event: { event: { dataset: 'email' }, email: { from: { address: `${pick(WORDS)}@${pick(BENIGN_DOMAINS)}` }, to: { address: 'staff@corp.example' } } }, intended: [] };
    }
  }

  const out: DemoEvent[] = [];
  for (let i = 0; i < opts.count; i++) {
    const r = rand();
    let item: DemoEvent;
    if (r < (opts.hitRatio ?? 0.08)) item = fromIndicator(pick(data.live), true);
    else if (r < (opts.hitRatio ?? 0.08) + (opts.decoyRatio ?? 0.02)) item = fromIndicator(pick(data.decoys), false);
    else item = benign();
    item.event['@timestamp'] = ts(i);
    item.event.message = `demo event ${i}`;
    out.push(item);
  }
  return out;
}
