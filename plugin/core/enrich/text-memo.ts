// What the core reads from a text it is handed again and again: a MISP event's context (the host
// caches it and sends the same text with every batch that hits the event) and a stored summary
// (the same value under the same key until the agent changes it). Parsing them was a fifth of
// the core's time in a warm worker (bench/filter/profile.ts, GraalVM's CPU sampler); remembering
// the result per id and text makes it once per change. Pure: the answer for a text is always
// what `read` makes of it, the same text compared whole; bounded, forgotten all at once when full.
// Whatever it holds is shared by later batches, so callers never modify it.

export class TextMemo<T> {
  private readonly entries = new Map<string, { text: string; value: T }>();

  constructor(private readonly capacity: number) {}

  get(id: string, text: string, read: (text: string) => T): T {
    const known = this.entries.get(id);
    if (known !== undefined && known.text === text) return known.value;
    const value = read(text);
    if (this.entries.size >= this.capacity && known === undefined) this.entries.clear();
    this.entries.set(id, { text, value });
    return value;
  }
}
