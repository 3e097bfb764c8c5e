// MISP assigns database ids on import, and many exported events (feeds, PyMISP fixtures) carry
// none. The registry plays the database: an object keeps its id across re-reads of the folder
// (keyed by uuid or name), an explicit id in a file is honoured when no other object holds it,
// and everything else gets the next id, so new attributes sort after old ones as in MISP.

export class IdRegistry {
  private readonly byKey = new Map<string, number>();
  private readonly owner = new Map<number, string>();
  private next = 1;

  /** Makes sure later allocations stay above ids that files claim explicitly. */
  reserveAbove(id: number): void {
    if (id >= this.next) this.next = id + 1;
  }

  idFor(key: string, explicit: number | null): number {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    let id: number;
    if (explicit !== null && explicit > 0 && !this.owner.has(explicit)) id = explicit;
    else {
      while (this.owner.has(this.next)) this.next++;
      id = this.next++;
    }
    this.reserveAbove(id);
    this.byKey.set(key, id);
    this.owner.set(id, key);
    return id;
  }
}
