// The text-built restSearch attribute JSON (render-fast.ts, used for every restSearch answer)
// must equal the object-built reference (render.ts) on every real attribute and on synthetic
// ones, with and without includeEventTags/includeEventUuid/includeContext.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventStore } from '../../misp-sim/event-store.js';
import { restSearchAttributeJson } from '../../misp-sim/render-fast.js';
import { renderRestSearchAttribute } from '../../misp-sim/render.js';
import { SyntheticSource } from '../../misp-sim/synthetic.js';
import { SHARED_MISP } from './sim-process.js';

describe('render-fast', () => {
  it('equals the reference rendering, key order included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'misp-sim-render-'));
    try {
      for (const f of readdirSync(join(SHARED_MISP, 'events'))) cpSync(join(SHARED_MISP, 'events', f), join(dir, f));
      const store = new EventStore(dir, () => undefined);
      const syn = new SyntheticSource(3000);
      const attrs = [...store.current().attributes, ...Array.from({ length: 3000 }, (_, i) => syn.attribute(i))];
      expect(attrs.length).toBeGreaterThan(4000);
      for (const a of attrs) {
        for (const [tags, uuid, context] of [[false, false, false], [true, false, false], [false, true, false], [true, true, false], [true, true, true]] as const) {
          const opts = { includeEventTags: tags, includeEventUuid: uuid, includeContext: context, includeAllTags: false };
          expect(restSearchAttributeJson(a, opts)).toBe(JSON.stringify(renderRestSearchAttribute(a, opts)));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
