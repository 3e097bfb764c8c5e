// Which MISP holds the event of a matched attribute, as far as this filter knows: the main one
// (misp_url) for an attribute naming no source, a further instance (misp_sources) for one naming
// it, and none for a feed's attribute or an instance the filter was not given. Event ids are
// each instance's own (event 42 of a partner is not event 42 of the main MISP), so the context a
// host fetches is asked for by reference: the id for the main MISP, "<instance>:<id>" for
// another (instance names have no ':').
import type { EnricherConfig } from '../config/options.js';
import type { AttributeSummary } from '../ioc/index.js';

/** True for an attribute of the main MISP: the one the filter reports sightings to. */
export function inMainMisp(attr: AttributeSummary): boolean {
  return attr.source === undefined;
}

/** The base URL of the MISP instance holding the attribute's event, or null when there is none. */
function instanceUrl(attr: AttributeSummary, config: EnricherConfig): string | null {
  if (inMainMisp(attr)) return config.mispUrl;
  if (attr.feed === true) return null;
  for (const instance of config.instances) if (instance.name === attr.source) return instance.mispUrl;
  return null;
}

/**
 * What the host fetches the attribute's event context by (MatchResponse.event_ids), or null for
 * nothing to fetch. The main MISP is asked whenever fetch_context is on, unless the filter names
 * further instances and no main one (hosts without a misp_url setting still fetch by id).
 */
export function contextRef(attr: AttributeSummary, config: EnricherConfig): string | null {
  if (!config.fetchContext) return null;
  // A main id with a ':' (MISP's are numbers or uuids) is not asked for: the host reads the
  // text before the first ':' as an instance's name.
  if (inMainMisp(attr)) return (config.mispUrl === null && config.instances.length > 0) || attr.event_id.includes(':') ? null : attr.event_id;
  return instanceUrl(attr, config) === null ? null : `${attr.source}:${attr.event_id}`;
}

/** The event's page in the MISP that holds it; undefined when there is none or the id cannot be put in a URL (a lone surrogate). */
export function eventPage(attr: AttributeSummary, config: EnricherConfig): string | undefined {
  const base = instanceUrl(attr, config);
  if (base === null) return undefined;
  try {
    return `${base}/events/view/${encodeURIComponent(attr.event_id)}`;
  } catch {
    return undefined;
  }
}
