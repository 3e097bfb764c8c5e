// Builds small MISP event files for specs that need precise control over the data.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AttrSpec {
  type: string;
  value: string;
  to_ids?: unknown;
  deleted?: unknown;
  timestamp?: unknown;
  uuid?: string;
  Tag?: { name: string }[];
}

export function eventDoc(opts: { uuid?: string; info?: string; published?: unknown; timestamp?: unknown; tags?: string[]; attributes: AttrSpec[]; id?: unknown }): Record<string, unknown> {
  const ev: Record<string, unknown> = {
    uuid: opts.uuid ?? randomUUID(),
    info: opts.info ?? 'spec event',
    published: opts.published ?? true,
    timestamp: opts.timestamp ?? '1700000000',
    date: '2023-11-14',
    threat_level_id: '2',
    analysis: '1',
    Tag: (opts.tags ?? []).map((name) => ({ name, colour: '#123456', exportable: true })),
    Attribute: opts.attributes.map((a) => ({
      category: 'Network activity',
      to_ids: true,
      timestamp: opts.timestamp ?? '1700000000',
      uuid: randomUUID(),
      comment: '',
      ...a,
    })),
  };
  if (opts.id !== undefined) ev.id = opts.id;
  return { Event: ev };
}

export function writeEvent(dir: string, name: string, doc: unknown): void {
  writeFileSync(join(dir, name), JSON.stringify(doc, null, 1));
}
