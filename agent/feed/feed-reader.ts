// Reading a MISP feed as MISP publishes one (its "MISP Feed" format, written by
// `app/Console/Command/...` feed generation and read by app/Model/Feed.php): a `manifest.json`
// naming every event by uuid with its timestamp, and one `<uuid>.json` per event
// ({"Event": {..., "Attribute": [...], "Object": [{"Attribute": [...]}]}}). The feed is an
// http(s) URL (read with the agent's HTTP client: TLS verification, --ca-file, --proxy,
// timeouts, retries and the --max-response-mb bound, and no API key) or a local directory
// (files over the same bound are refused before they are read).
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { AgentError, ErrorCodes } from '../ops/errors.js';
import type { MispHttp } from '../misp/http.js';
import { parseJson } from '../misp/http.js';

/** What the manifest says of one event. */
export interface ManifestEntry {
  uuid: string;
  timestamp: number;
}

/** A uuid as MISP writes them (also the only file names the agent will read). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class FeedReader {
  constructor(
    readonly name: string,
    private readonly location: string,
    private readonly http: MispHttp | null,
    private readonly maxBytes: number,
  ) {}

  private async read(file: string): Promise<unknown> {
    if (this.http) return this.http.json('GET', `/${file}`);
    const path = join(this.location, file);
    let text: string;
    try {
      const st = await fs.stat(path);
      if (st.size > this.maxBytes) throw new AgentError(ErrorCodes.FEED, `feed ${this.name}: ${file} is ${st.size} bytes, over --max-response-mb`);
      text = await fs.readFile(path, 'utf8');
    } catch (err) {
      if (err instanceof AgentError) throw err;
      throw new AgentError(ErrorCodes.FEED, `feed ${this.name}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { transient: true });
    }
    try {
      return parseJson(text, 'GET', file);
    } catch {
      throw new AgentError(ErrorCodes.FEED, `feed ${this.name}: ${file} is not JSON`, { transient: true });
    }
  }

  /** Every event of the feed with its timestamp. */
  async manifest(): Promise<ManifestEntry[]> {
    const raw = await this.read('manifest.json');
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new AgentError(ErrorCodes.FEED, `feed ${this.name}: manifest.json is not an object of events`, { transient: true });
    const out: ManifestEntry[] = [];
    for (const [uuid, head] of Object.entries(raw as Record<string, unknown>)) {
      if (!UUID.test(uuid)) continue;
      const ts = head && typeof head === 'object' ? Number((head as Record<string, unknown>).timestamp) : NaN;
      out.push({ uuid: uuid.toLowerCase(), timestamp: Number.isFinite(ts) ? ts : 0 });
    }
    return out;
  }

  /** One event file, as MISP wrote it. */
  async event(uuid: string): Promise<Record<string, unknown>> {
    if (!UUID.test(uuid)) throw new AgentError(ErrorCodes.FEED, `feed ${this.name}: not an event uuid: ${uuid}`);
    const raw = await this.read(`${uuid}.json`);
    const ev = raw && typeof raw === 'object' && 'Event' in raw ? (raw as { Event: unknown }).Event : null;
    if (!ev || typeof ev !== 'object') throw new AgentError(ErrorCodes.FEED, `feed ${this.name}: ${uuid}.json holds no Event`, { transient: true });
    return ev as Record<string, unknown>;
  }
}
