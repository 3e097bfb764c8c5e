// Composite MISP types split into their atomic parts, on golden cases and on every attribute of
// the real MISP events in ../shared/misp/events (objects included).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLegalKey, mispIndicators, SUPPORTED_MISP_TYPES } from '../../plugin/core/ioc/index.js';

const kinds = (type: string, value: string) =>
  mispIndicators(type, value)?.indicators.map((i) => `${i.kind}:${i.canonical}`);

describe('MISP type splitting', () => {
  it.each([
    ['ip-dst|port', '125.212.132.222|443', ['ip:125.212.132.222']],
    ['ip-src|port', '2001:db8::1|8080', ['ip:2001:db8::1']],
    ['domain|ip', 'www.circl.lu|1.2.3.4', ['domain:www.circl.lu', 'ip:1.2.3.4']],
    ['hostname|port', 'akm.epac.to|8080', ['hostname:akm.epac.to']],
    ['filename|sha256', 'IEChecker.exe|7A200C4DF99887991C638FE625D07A4A3FC2BDC887112437752B3DF5C8DA79B6', ['sha256:7a200c4df99887991c638fe625d07a4a3fc2bdc887112437752b3df5c8da79b6']],
    ['filename|md5', 'brochure .doc|835fee42132feebe9b3231297e5e71a8', ['md5:835fee42132feebe9b3231297e5e71a8']],
    ['filename|sha1', 'a|b.exe|08d7b5b8c9375e6d8ed7201dcb40d741d4d7866c', ['sha1:08d7b5b8c9375e6d8ed7201dcb40d741d4d7866c']],
    ['malware-sample', 'oui|8764605c6f388c89096b534d33565802', ['md5:8764605c6f388c89096b534d33565802']],
    ['ip-dst', '10.0.0.0/8', ['net:10.0.0.0/8']],
    ['email-reply-to', 'Oui@To.LU', ['email:oui@to.lu']],
  ])('%s %s', (type, value, expected) => {
    expect(kinds(type, value)).toEqual(expected);
  });

  it('counts a malformed part as invalid and keeps the good one', () => {
    expect(mispIndicators('domain|ip', 'evil.example|not-an-ip')).toMatchObject({ invalid: 1, indicators: [{ kind: 'domain' }] });
    expect(mispIndicators('ip-dst|port', '192.0.2.1')).toEqual({ indicators: [], invalid: 1 });
  });

  it('returns null for types it does not match', () => {
    expect(mispIndicators('regkey|value', 'HKLM\\x|1')).toBeNull();
    expect(mispIndicators('link', 'https://www.circl.lu')).toBeNull();
    expect(mispIndicators('filename', 'igfxtray.exe')).toBeNull();
  });

  it('handles every attribute of the real MISP events without throwing', () => {
    const dir = new URL('../../../shared/misp/events/', import.meta.url);
    let supported = 0;
    let indicators = 0;
    for (const file of readdirSync(dir)) {
      const doc = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
      const ev = doc.Event ?? doc;
      const attrs = [...(ev.Attribute ?? []), ...(ev.Object ?? []).flatMap((o: { Attribute?: unknown[] }) => o.Attribute ?? [])];
      for (const a of attrs as { type: string; value: string }[]) {
        const r = mispIndicators(a.type, a.value);
        if (!r) continue;
        supported++;
        indicators += r.indicators.length;
        for (const i of r.indicators) expect(isLegalKey(i.key)).toBe(true);
      }
    }
    expect(supported).toBeGreaterThan(500);
    expect(indicators).toBeGreaterThan(supported * 0.9);
    expect(SUPPORTED_MISP_TYPES).toContain('ip-dst|port');
  });
});

describe('stored value bounds', () => {
  it('keeps a summary under MAX_SUMMARY_BYTES however many tags and attributes share a value', async () => {
    const { decodeSummary, encodeSummary, MAX_SUMMARY_BYTES } = await import('../../plugin/core/ioc/index.js');
    const tags = Array.from({ length: 170 }, (_, i) => `misp-galaxy:threat-actor="Actor number ${i} with a long galaxy cluster name"`);
    const attrs = Array.from({ length: 100 }, (_, i) => ({
      uuid: `u${i}`, type: 'domain', category: 'Network activity', value: 'evil.com', to_ids: true,
      event_id: String(i), event_uuid: `e${i}`, event_info: 'x'.repeat(200), tags, timestamp: i,
    }));
    const json = encodeSummary(attrs);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    const decoded = decodeSummary(json)!;
    expect(decoded.attrs[0]!.uuid).toBe('u99');
    expect(decoded.attrs.length + (decoded.omitted ?? 0)).toBe(100);

    const huge = [{ ...attrs[0]!, tags: Array.from({ length: 20000 }, (_, i) => `tag-${i}-${'y'.repeat(40)}`) }];
    expect(Buffer.byteLength(encodeSummary(huge))).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
  });
});
