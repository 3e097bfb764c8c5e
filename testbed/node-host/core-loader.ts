// Loads the esbuild bundle of the core the way GraalJS does: one script evaluated in a fresh
// context that has no Node globals at all, so what passes here passes for the same reason there.
import { readFileSync } from 'node:fs';
import { createContext, Script } from 'node:vm';

import type { EnricherHandle } from '../../plugin/core/main.js';

export type { EnricherHandle };

export interface CoreModule {
  version(): string;
  createEnricher(optionsJson: string): EnricherHandle;
  describeValue(datatype: string, raw: string): string;
}

export const DEFAULT_BUNDLE = new URL('../../dist/core/misp-enrich-core.js', import.meta.url);

export function loadCore(bundlePath: string | URL = DEFAULT_BUNDLE): CoreModule {
  const source = readFileSync(bundlePath, 'utf8');
  const context = createContext({});
  new Script(source, { filename: 'misp-enrich-core.js' }).runInContext(context);
  const core = (context as { MispEnrichCore?: CoreModule }).MispEnrichCore;
  if (!core) throw new Error(`MISP_ENRICH_BUNDLE: ${String(bundlePath)} does not define MispEnrichCore`);
  return core;
}
