import { readFileSync } from 'node:fs';

export interface GoldenCase {
  rule: string;
  datatype: string;
  input: string;
  canonical: string | null;
  keys?: string[];
  indicator: { kind: string; canonical: string } | null;
}

export const GOLDEN: GoldenCase[] = JSON.parse(
  readFileSync(new URL('../fixtures/normalization-golden.json', import.meta.url), 'utf8'),
).cases;
