// Which values of an event the filter looks at: for each configured field in order, a string is
// one value; an array gives its strings, each once, up to max_values_per_field items; anything
// else (a number, a boolean, an object, an array inside the array) is an invalid value; a value
// longer than max_value_length is skipped. The Java shell reads Logstash events by these rules
// (BatchEnricher.collect, written against Logstash's Event API for speed); hosts that read JSON
// events (the Node host, the agent's retro-hunt) take them from here, so a retro-hunt reads an
// indexed event exactly as the filter read it at ingest.

export interface ValueLimits {
  /** Longer values (UTF-16 units, as Java's String.length) are skipped and counted. */
  maxValueLength: number;
  /** Items of one array field past this many are skipped and counted. */
  maxValuesPerField: number;
}

/** The filter's defaults (max_value_length, max_values_per_field). */
export const DEFAULT_VALUE_LIMITS: ValueLimits = { maxValueLength: 8192, maxValuesPerField: 100 };

export interface EventValues {
  /** [index of the field, value], in field order, then in the order of the field's array. */
  values: [field: number, raw: string][];
  /** Values that are not strings. */
  invalid: number;
  /** Values past the limits. */
  skipped: number;
}

/**
 * The values to look up in one event. `read(i)` is the content of the i-th configured field
 * (undefined or null when absent).
 */
export function eventValues(fieldCount: number, read: (field: number) => unknown, limits: ValueLimits = DEFAULT_VALUE_LIMITS): EventValues {
  const out: EventValues = { values: [], invalid: 0, skipped: 0 };
  const add = (field: number, raw: string) => {
    if (raw.length > limits.maxValueLength) out.skipped++;
    else out.values.push([field, raw]);
  };
  for (let f = 0; f < fieldCount; f++) {
    const value = read(f);
    if (value === null || value === undefined) continue;
    if (!Array.isArray(value)) {
      if (typeof value === 'string') add(f, value);
      else out.invalid++;
      continue;
    }
    const seen = new Set<string>();
    let n = 0;
    for (const item of value as unknown[]) {
      if (item === null || item === undefined) continue;
      if (++n > limits.maxValuesPerField) {
        out.skipped++;
        continue;
      }
      if (typeof item !== 'string') out.invalid++;
      else if (!seen.has(item)) {
        seen.add(item);
        add(f, item);
      }
    }
  }
  return out;
}
