// Request counters for GET /_sim/stats: specs count what a client actually asked for (pages,
// retries) instead of timing it.

export interface StatsView {
  total: number;
  by_path: Record<string, number>;
  by_status: Record<string, number>;
  by_path_status: Record<string, Record<string, number>>;
}

export class Stats {
  private view: StatsView = Stats.empty();

  private static empty(): StatsView {
    return { total: 0, by_path: {}, by_status: {}, by_path_status: {} };
  }

  record(path: string, status: number): void {
    const v = this.view;
    const s = String(status);
    v.total++;
    v.by_path[path] = (v.by_path[path] ?? 0) + 1;
    v.by_status[s] = (v.by_status[s] ?? 0) + 1;
    const per = (v.by_path_status[path] ??= {});
    per[s] = (per[s] ?? 0) + 1;
  }

  get(): StatsView {
    return structuredClone(this.view);
  }

  reset(): void {
    this.view = Stats.empty();
  }
}
