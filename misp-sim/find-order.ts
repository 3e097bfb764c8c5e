// AppModel::findOrder: the "order" parameter ("timestamp desc", "Event.publish_timestamp",
// a list of such rules, or "a,b") checked against the fields a scope may be sorted on. Any rule
// that is not a string or names another field makes the whole order null, and MISP then sends
// no ORDER BY at all.
import { isPhpArray, phpValues, type Php } from './php.js';

export interface OrderRule {
  /** "Attribute.timestamp", "Event.publish_timestamp", … */
  field: string;
  descending: boolean;
}

export function findOrder(order: Php, orderModel: string, valid: readonly string[] | Readonly<Record<string, readonly string[]>>): OrderRule[] | null {
  let rules: Php[];
  if (typeof order === 'string') rules = order.split(',');
  else if (isPhpArray(order)) rules = phpValues(order);
  else return null;
  const out: OrderRule[] = [];
  for (const rule of rules) {
    if (typeof rule !== 'string') return null;
    const items = rule.trim().split(' ');
    let descending = false;
    if (items.length === 2) {
      const dir = items[1]!.toLowerCase();
      if (dir === 'desc') descending = true;
    }
    const path = items[0]!.split('.');
    let model: string;
    let field: string;
    if (path.length === 1) {
      model = orderModel;
      field = path[0]!.toLowerCase();
    } else if (path.length === 2) {
      model = path[0]!;
      field = path[1]!.toLowerCase();
    } else return null;
    const ok = Array.isArray(valid)
      ? model === orderModel && valid.includes(field)
      : Object.prototype.hasOwnProperty.call(valid, model) && (valid as Record<string, readonly string[]>)[model]!.includes(field);
    if (!ok) return null;
    out.push({ field: `${model}.${field}`, descending });
  }
  return out.length > 0 ? out : null;
}

/** MispAttribute::restSearch's sortable fields. */
export const ATTRIBUTE_ORDER_FIELDS = {
  Attribute: ['id', 'event_id', 'object_id', 'type', 'category', 'value', 'distribution', 'timestamp', 'object_relation'],
  Event: ['publish_timestamp'],
} as const;

/** Event::filterEventIds' sortable fields. */
export const EVENT_ORDER_FIELDS = ['id', 'info', 'analysis', 'threat_level_id', 'distribution', 'timestamp', 'publish_timestamp'] as const;

