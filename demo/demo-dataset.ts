// The demo's MISP dataset (demo/misp-data, made by this project: documentation address ranges
// and reserved .example names only) read as pools of indicators: the live ones the agent will
// load (to_ids on, not deleted, event published) and the decoys it must not (to_ids off or
// soft-deleted). The stream generator draws log values from these pools.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mispIndicators, type Indicator } from '../plugin/core/ioc/index.js';

export const DEMO_DATA_DIR = new URL('./misp-data/', import.meta.url);

export interface DemoIndicator extends Indicator {
  attrUuid: string;
  mispType: string;
  mispValue: string;
}

export interface DemoDataset {
  live: DemoIndicator[];
  decoys: DemoIndicator[];
}

interface RawAttribute {
  uuid: string;
  type: string;
  value: string;
  to_ids: boolean | string | number;
  deleted?: boolean | string | number;
}

const truthy = (x: unknown) => x === true || x === 1 || x === '1';

export function loadDemoDataset(dir: string = DEMO_DATA_DIR.pathname): DemoDataset {
  const out: DemoDataset = { live: [], decoys: [] };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const ev = JSON.parse(readFileSync(join(dir, file), 'utf8')).Event;
    const attrs: RawAttribute[] = [...ev.Attribute, ...ev.Object.flatMap((o: { Attribute: RawAttribute[] }) => o.Attribute)];
    for (const a of attrs) {
      const found = mispIndicators(a.type, a.value);
      if (!found) continue;
      if (found.invalid > 0) throw new Error(`demo dataset: ${file} has an invalid ${a.type} value ${a.value}`);
      const live = truthy(ev.published) && truthy(a.to_ids) && !truthy(a.deleted);
      for (const ind of found.indicators) {
        (live ? out.live : out.decoys).push({ ...ind, attrUuid: a.uuid, mispType: a.type, mispValue: a.value });
      }
    }
  }
  return out;
}
