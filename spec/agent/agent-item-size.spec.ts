// A memcached whose item size limit (-I) refuses some values: those keys are skipped and
// reported, every other key and the meta key are still written, and --once still succeeds. A
// refused item must never count as a dead server (which would stop every reload at that key).
import { describe, expect, it } from 'vitest';
import { indicatorKey } from '../../plugin/core/ioc/index.js';
import { API_KEY, writeEvent } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

const tag = (name: string) => ({ id: '1', name, colour: '#000000', exportable: true });
const attr = (id: number, type: string, value: string, tags: string[] = []) => ({
  id: String(id), event_id: '900', object_id: '0', object_relation: null, category: 'Network activity', type, value,
  to_ids: true, uuid: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`, timestamp: '1763800000', distribution: '5',
  sharing_group_id: '0', comment: '', deleted: false, disable_correlation: false, first_seen: null, last_seen: null,
  Tag: tags.map(tag),
});

function writeEvent900(dir: string): void {
  writeEvent(dir, 'event-900.json', {
    Event: {
      id: '900', orgc_id: '1', org_id: '1', date: '2026-11-01', threat_level_id: '2', info: 'item size', published: true,
      uuid: '00000000-0000-4000-8000-000000000900', analysis: '2', timestamp: '1763800000', distribution: '1',
      publish_timestamp: '1763800060', sharing_group_id: '0', Orgc: { id: '1', name: 'ORG' }, Org: { id: '1', name: 'ORG' }, Tag: [],
      Attribute: [
        attr(901, 'domain', 'small.example'),
        attr(902, 'domain', 'heavily-tagged.example', Array.from({ length: 80 }, (_, i) => `misp-galaxy:cluster="a long galaxy cluster name ${i}"`)),
      ],
      Object: [],
    },
  });
}

const world = useAgentWorld({ data: writeEvent900, memcached: { extraArgs: ['-I', '2k', '-o', 'slab_chunk_max=2048'] } });

describe('memcached refusing values as too large', () => {
  it('writes every other key and the meta key, warns with a code, and exits 0', async () => {
    const { code, stdout, stderr } = await world.once();
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('too large');
    expect(stderr).toContain('MISP_ENRICH_AGENT_MEMCACHED_MEMORY');
    expect(stdout + stderr).not.toContain(API_KEY);
    expect(await world.reader.get(indicatorKey('domain', 'small.example'))).not.toBeNull();
    expect(await world.reader.get(indicatorKey('domain', 'heavily-tagged.example'))).toBeNull();
    expect(await world.reader.get('me1:meta')).not.toBeNull();
  });
});
