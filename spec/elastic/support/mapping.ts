// Mappings as flat tables: every field of a mapping (object, nested and leaf) by its dotted path,
// with the parameters the specs compare. Multi-fields appear as `<path>.<name>`.

export interface MappedField {
  path: string;
  type: string;
  ignore_above?: number;
  /** The path of the nearest enclosing nested field, if any. */
  nestedIn?: string;
  copy_to?: string | string[];
  params: Record<string, unknown>;
}

type Json = Record<string, any>;

export function flattenMapping(properties: Json, prefix = '', nestedIn?: string, out = new Map<string, MappedField>()): Map<string, MappedField> {
  for (const [name, def] of Object.entries(properties)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const { properties: children, fields, type, ...params } = def as Json;
    const resolved = type ?? (children ? 'object' : 'object');
    const field: MappedField = { path, type: resolved, params };
    if (params.ignore_above !== undefined) field.ignore_above = params.ignore_above as number;
    if (params.copy_to !== undefined) field.copy_to = params.copy_to as string | string[];
    if (nestedIn) field.nestedIn = nestedIn;
    out.set(path, field);
    if (fields) {
      for (const [sub, subDef] of Object.entries(fields as Json)) {
        const { type: subType, ...subParams } = subDef as Json;
        out.set(`${path}.${sub}`, { path: `${path}.${sub}`, type: subType, params: subParams, ...(nestedIn ? { nestedIn } : {}) });
      }
    }
    if (children) flattenMapping(children, path, resolved === 'nested' ? path : nestedIn, out);
  }
  return out;
}

/** Leaf paths of a JSON document (arrays of objects walked into, arrays of scalars are leaves). */
export function documentLeaves(doc: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(doc)) {
    for (const item of doc) documentLeaves(item, prefix, out);
  } else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) documentLeaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.add(prefix);
  }
  return out;
}
