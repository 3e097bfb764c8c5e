// Warninglist endpoints over the real lists in ../shared/misp/warninglists: every matching mode
// (cidr v4/v6, string, hostname with subdomains, substring, regex), the index and view shapes,
// and enforceWarninglist on composite values.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventDoc, writeEvent } from './event-files.js';
import { searchAttributes, SHARED_MISP, startMispSim, type SimProcess } from './sim-process.js';

let sim: SimProcess;
const dir = join(SHARED_MISP, 'warninglists');
const files = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
const source = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { name: string; type: string; list: string[]; matching_attributes: string[] });

beforeAll(async () => {
  sim = await startMispSim({ events: [], warninglists: true });
});
afterAll(async () => {
  await sim.stop();
});

const check = async (values: string[]): Promise<Record<string, { id: string; name: string; matched: string }[]>> =>
  (await (await sim.api('/warninglists/checkValue', values)).json()) as Record<string, { id: string; name: string; matched: string }[]>;
const listNames = (hits: { name: string }[] | undefined): string[] => (hits ?? []).map((h) => h.name);

describe('warninglists', () => {
  it('index lists every file with its type, entry count and attribute types', async () => {
    const body = (await (await sim.api('/warninglists')).json()) as { Warninglists: { Warninglist: Record<string, unknown> }[] };
    expect(body.Warninglists.map((w) => w.Warninglist.name)).toEqual(source.map((s) => s.name));
    body.Warninglists.forEach((w, n) => {
      expect(w.Warninglist.type).toBe(source[n]!.type);
      expect(w.Warninglist.warninglist_entry_count).toBe(String(source[n]!.list.length));
      expect(w.Warninglist.valid_attributes).toBe(source[n]!.matching_attributes.join(', '));
      expect(w.Warninglist.enabled).toBe(true);
    });
  });

  it('view returns every entry of a list', async () => {
    const n = files.indexOf('rfc1918.json');
    const body = (await (await sim.api(`/warninglists/view/${n + 1}`)).json()) as { Warninglist: { WarninglistEntry: { value: string }[] } };
    expect(body.Warninglist.WarninglistEntry.map((e) => e.value)).toEqual(source[n]!.list);
    expect((await sim.api('/warninglists/view/999')).status).toBe(404);
  });

  it('checkValue matches each list type as MISP does', async () => {
    const hits = await check(['192.168.7.7', '2001:db8::1', 'fe80::abcd', 'www.google.com', 'deep.sub.dyndns.org', 'xn--nothing-here.invalid', 'd41d8cd98f00b204e9800998ecf8427e', 'someone@mailinator.com', '125.212.132.222']);
    expect(listNames(hits['192.168.7.7'])).toContain('List of RFC 1918 CIDR blocks');
    expect(listNames(hits['2001:db8::1'])).toContain('List of RFC 3849 CIDR blocks');
    expect(listNames(hits['fe80::abcd'])).toContain('List of IPv6 link local blocks');
    expect(listNames(hits['www.google.com'])).toContain('List of known google domains');
    expect(listNames(hits['deep.sub.dyndns.org'])).toContain('List of known dynamic DNS domains');
    expect(listNames(hits['d41d8cd98f00b204e9800998ecf8427e'])).toContain('List of known hashes for empty files');
    expect(listNames(hits['someone@mailinator.com'])).toContain('List of disposable email domains');
    expect(hits['125.212.132.222']).toBeUndefined();
    expect(hits['192.168.7.7']![0]!.matched).toMatch(/^192\.168\.0\.0\/16$/);
  });

  it('enforceWarninglist checks each part of a composite, only with lists naming the type', async () => {
    writeEvent(
      sim.dataDir,
      'composites.json',
      eventDoc({
        attributes: [
          { type: 'ip-dst|port', value: '8.8.8.8|53' }, // public DNS: dropped
          { type: 'ip-dst|port', value: '125.212.132.222|443' }, // kept
          { type: 'domain|ip', value: 'evil.invalid|192.168.1.1' }, // RFC 1918 part: dropped
          { type: 'filename|md5', value: 'empty.txt|d41d8cd98f00b204e9800998ecf8427e' }, // empty file hash: dropped
          { type: 'text', value: '8.8.8.8' }, // no list names "text": kept
        ],
      }),
    );
    const kept = (await searchAttributes(sim, { enforceWarninglist: 1 })).attrs.map((a) => a.value);
    expect(kept).toEqual(['125.212.132.222|443', '8.8.8.8']);
    expect((await searchAttributes(sim, {})).attrs).toHaveLength(5);
  });
});
