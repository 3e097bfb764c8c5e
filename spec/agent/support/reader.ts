// A memjs reader for one memcached server: the specs read what the filter would read.
import memjs from 'memjs';
import { decodeSummary, type AttributeSummary } from '../../../plugin/core/ioc/index.js';

export class Reader {
  private readonly client: memjs.Client;
  constructor(address: string) {
    this.client = memjs.Client.create(address, { retries: 1, timeout: 2, logger: { log: () => undefined } });
  }
  async get(key: string): Promise<string | null> {
    const r = await this.client.get(key);
    return r.value ? r.value.toString('utf8') : null;
  }
  /** The attributes stored under key, decoded as the filter decodes them; none when the key is absent. */
  async attributesAt(key: string): Promise<AttributeSummary[]> {
    const v = await this.get(key);
    return v === null ? [] : (decodeSummary(v)?.attrs ?? []);
  }
  async flush(): Promise<void> {
    await this.client.flush();
  }
  close(): void {
    this.client.close();
  }
}
