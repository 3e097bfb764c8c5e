// One match: a log value in one field, an indicator key that held something, and one of the
// MISP attributes stored under that key. Output formats are built from these.
import type { FieldSpec } from '../config/options.js';
import type { AttributeSummary, Candidate, Indicator } from '../ioc/index.js';

export interface Hit {
  field: FieldSpec;
  /** The value exactly as it was in the event (matched.atomic). */
  raw: string;
  candidate: Candidate;
  indicator: Indicator;
  attr: AttributeSummary;
}

export function uniqueStrings(values: Iterable<string>): string[] {
  return [...new Set(values)];
}
