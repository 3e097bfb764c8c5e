// The host-side ports: what a host must provide between the core's calls. The Java shell
// implements the same two interfaces inside Logstash (KeyValuePort, ContextPort).

export interface KeyValuePort {
  /** Values for the keys, in order (null on a miss). Rejects if no server could answer. */
  getMulti(keys: string[]): Promise<(string | null)[]>;
  close(): Promise<void>;
}

export interface ContextPort {
  /** MISP events by id; a missing or null entry means that event's context could not be had. */
  fetchEvents(ids: string[]): Promise<Record<string, unknown | null>>;
  close(): Promise<void>;
}
