// Event::set_filter_eventid, which both restSearch endpoints apply to the event of what they
// return: the eventid parameter's ids or uuids, with OR, AND and NOT.
import { convertFilters } from './generic-filter.js';
import { isPhpArray, isUuid, mysqlNumber, phpValues, strval, type Php } from './php.js';

/** The event fields the filter reads. */
export interface EventIdentity {
  id: number;
  uuid: string;
}

export interface EventIdFilter {
  matches: (e: EventIdentity) => boolean;
  /** The only event ids that can match, when the filter is plain OR'd ids; else null. */
  ids: number[] | null;
}

interface IdsAndUuids {
  ids: number[];
  uuids: string[];
}

/** One branch (OR, AND or NOT) split into ids and uuids, or null when the branch is absent. */
function split(x: Php | undefined): IdsAndUuids | null {
  if (x === undefined) return null;
  const out: IdsAndUuids = { ids: [], uuids: [] };
  for (const item of isPhpArray(x) ? phpValues(x) : [x]) {
    if (isUuid(item)) out.uuids.push(strval(item));
    else out.ids.push(mysqlNumber(item));
  }
  return out;
}

export function compileEventIdFilter(raw: Php): EventIdFilter {
  const f = convertFilters(raw);
  const or = split(f.OR);
  const and = split(f.AND);
  const not = split(f.NOT);
  const matches = (e: EventIdentity): boolean => {
    if (or && (or.ids.length > 0 || or.uuids.length > 0) && !or.ids.includes(e.id) && !or.uuids.includes(e.uuid)) return false;
    if (and && and.ids.length > 0 && !and.ids.includes(e.id)) return false;
    if (and && and.uuids.length > 0 && !and.uuids.includes(e.uuid)) return false;
    if (not && (not.ids.includes(e.id) || not.uuids.includes(e.uuid))) return false;
    return true;
  };
  const ids = or && or.uuids.length === 0 && !and && or.ids.length > 0 ? or.ids : null;
  return { matches, ids };
}
