// --warninglists: the agent reads MISP's enabled warninglists through the API and drops matching
// values itself (MISP's enforceWarninglist would break paging). Here: the real RFC 5735 list
// (special-use IPv4, which holds the documentation ranges of the fixture) and RFC 6761 names.
import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keysOf, readFixture, ROOT } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

type Attr = { uuid: string; type: string; value: string; to_ids: boolean };

describe('misp-enrich-agent --warninglists', () => {
  const world = useAgentWorld({
    data: ['event-every-type.json'],
    sim: {
      warninglists: (dir) => {
        for (const f of ['rfc5735.json', 'rfc6761.json']) cpSync(resolve(ROOT, '../shared/misp/warninglists', f), join(dir, f));
      },
    },
  });

  it('drops every value on an enabled list, keeps the others, and counts them', async () => {
    const { code, stdout } = await world.once(['--warninglists']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { skipped: Record<string, number> };
    const attrs = (readFixture('event-every-type.json').Event.Attribute as Attr[]).filter((a) => a.to_ids);
    // IPv4 parts in 192.0.2.0/24, 198.51.100.0/24 or 203.0.113.0/24: the whole attribute goes.
    const listed = attrs.filter((a) => /(^|\|)(192\.0\.2|198\.51\.100|203\.0\.113)\./.test(a.value));
    expect(listed.length).toBeGreaterThan(3);
    expect(summary.skipped.warninglist).toBe(listed.length);
    for (const a of attrs) {
      for (const k of keysOf(a)) {
        if (listed.includes(a)) expect(await world.reader.get(k), `${a.value} is on RFC 5735`).toBeNull();
        else expect(await world.reader.get(k), `${a.value} is on no list`).not.toBeNull();
      }
    }
  });
});
