// The Node host's memory of (datatype, value) → lookup keys, as the Java shell keeps one (see
// ValueMemory.java): a value it holds never goes to the core again. Valid for one meta value;
// when the meta value changes, the remembered keys are kept only if the core's plan is the same.
// Bounded by entries, with O(1) eviction: two generations of Maps, the older dropped whole.

/** Keys of a value that does not parse as its datatype (counted as invalid). */
export const INVALID: readonly string[] = Object.freeze([]);
/** Keys of a value with nothing to look up (blank): not counted. */
export const NOTHING: readonly string[] = Object.freeze([]);

const MAX_VALUE_LENGTH = 8192;
const NEVER = Symbol('never looked');

/** What the core said of one value: its lookup keys and, with retro_keys, its hunt keys. */
export interface Remembered {
  keys: readonly string[];
  hunt: readonly string[] | null;
}

export class ValueMemory {
  private meta: string | null | typeof NEVER = NEVER;
  private plan: string | null = null;
  private young = new Map<string, Remembered>();
  private old = new Map<string, Remembered>();

  constructor(private readonly size: number) {}

  /** True if the remembered keys were computed for this meta value. */
  isFor(meta: string | null): boolean {
    return this.meta !== NEVER && this.meta === meta;
  }

  get(datatype: string, raw: string): Remembered | undefined {
    const key = `${datatype}\u0000${raw}`;
    const found = this.young.get(key);
    if (found !== undefined) return found;
    const older = this.old.get(key);
    if (older !== undefined) this.remember(key, older);
    return older;
  }

  /** Keys the core just computed for `meta` under `plan`: forgets everything if the plan changed. */
  moveTo(meta: string | null, plan: string): void {
    if (plan !== this.plan) {
      this.young = new Map();
      this.old = new Map();
    }
    this.meta = meta;
    this.plan = plan;
  }

  put(datatype: string, raw: string, answer: Remembered): void {
    if (this.size > 0 && raw.length <= MAX_VALUE_LENGTH) this.remember(`${datatype}\u0000${raw}`, answer);
  }

  private remember(key: string, answer: Remembered): void {
    if (this.young.size >= Math.ceil(this.size / 2)) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, answer);
  }
}
