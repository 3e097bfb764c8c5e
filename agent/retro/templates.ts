// What the alerts index needs before its first alert: the component template misp-enrich (the
// mappings of threat.enrichments and misp_enrich.*, shipped in docs/elasticsearch/) and an index
// template composed of it (docs/elasticsearch/retro-index-template.json), named after the alerts
// index and pointed at it. Created where missing and
// never replaced, so an admin's own versions stay as they are; without them an alert written into
// a new index would map threat.enrichments as a plain object, which no query of the project reads.
import componentTemplate from '../../docs/elasticsearch/component-template.json' with { type: 'json' };
import retroTemplate from '../../docs/elasticsearch/retro-index-template.json' with { type: 'json' };
import { asAgentError, ErrorCodes } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { SearchEngine } from './search-engine.js';

export const COMPONENT_TEMPLATE = 'misp-enrich';

export async function ensureRetroTemplates(engine: SearchEngine, alertsIndex: string, log: Logger): Promise<void> {
  const wanted: ['component' | 'index', string, unknown][] = [
    ['component', COMPONENT_TEMPLATE, componentTemplate],
    // Named after the alerts index (misp-enrich-retro by default), so an agent given another
    // alerts index creates the template that index needs instead of finding another one there.
    ['index', alertsIndex, { ...retroTemplate, index_patterns: [alertsIndex] }],
  ];
  for (const [kind, name, body] of wanted) {
    try {
      const r = await engine.createTemplate(kind, name, body);
      if (r === 'created') log.info(`installed the ${kind} template ${name} for the retro-hunt's alerts`, { template: name });
    } catch (err) {
      const e = asAgentError(err);
      log.warn(`could not install the ${kind} template ${name}: ${e.message}; install docs/elasticsearch/ by hand (README, "Elasticsearch and Kibana") before the first alert`, {
        code: ErrorCodes.RETRO_TEMPLATE,
      });
      return;
    }
  }
  // Another template of a higher priority can win over ours for the alerts index: said now,
  // before alerts land in an index no query of the project can read.
  try {
    const mapping = await engine.ensureIndex(alertsIndex);
    const typeOf = (path: string): string | undefined => {
      let props: Record<string, unknown> | undefined = mapping;
      let node: { type?: string; properties?: Record<string, unknown> } | undefined;
      for (const segment of path.split('.')) {
        node = props?.[segment] as typeof node;
        props = node?.properties;
      }
      return node?.type;
    };
    const wrong = [['threat.enrichments', 'nested'], ['misp_enrich.retro.source.id', 'keyword']].filter(([path, type]) => typeOf(path!) !== type);
    if (wrong.length > 0) {
      log.warn(`the alerts index ${alertsIndex} is not mapped as docs/elasticsearch/retro-index-template.json says (${wrong.map(([p, t]) => `${p} should be ${t}`).join(', ')}): another index template of a higher priority matches it; give ours a higher priority or the alerts another index name`, {
        code: ErrorCodes.RETRO_TEMPLATE,
      });
    }
  } catch (err) {
    log.warn(`could not check the alerts index ${alertsIndex}: ${asAgentError(err).message}`, { code: ErrorCodes.RETRO_TEMPLATE });
  }
}
