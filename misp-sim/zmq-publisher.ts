// MISP's ZeroMQ publisher (app/files/scripts/mispzmq/mispzmq.py, MispZmq): one PUB socket, each
// message ONE frame, "<topic> <json>" (MispZmq::_pub_message), and a misp_json_self status
// message whenever nothing else was published for a while (mispzmq.py waits 10 s on its Redis
// queue, then publishes {"status": "...still alive.", "uptime": n}). For specs, it can drop the
// next messages (what a PUB socket does to a slow or absent subscriber) and be stopped and
// started again on the same port (a publisher restart).
import type { Publisher } from 'zeromq';

/** mispzmq.py's status lines, picked by uptime as it picks them. */
const STATUS = [
  "And when you're dead I will be still alive.",
  'And believe me I am still alive.',
  "I'm doing science and I'm still alive.",
  'I feel FANTASTIC and I\'m still alive.',
  "While you're dying I'll be still alive.",
];

export interface PublisherState {
  endpoint: string;
  running: boolean;
  heartbeat_s: number;
  /** Data messages sent on the socket (heartbeats not counted). */
  published: number;
  heartbeats: number;
  /** Data messages dropped: on request, or while stopped. */
  dropped: number;
  /** Messages still to drop on request. */
  drop_next: number;
  by_topic: Record<string, number>;
}

export class ZmqPublisher {
  private socket: Publisher | null = null;
  private readonly queue: Buffer[] = [];
  private sending = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly startedMs = Date.now();
  private dropNext = 0;
  private published = 0;
  private heartbeats = 0;
  private dropped = 0;
  private readonly byTopic: Record<string, number> = {};

  private constructor(
    private readonly host: string,
    private port: number,
    private heartbeatSeconds: number,
    private readonly log: (msg: string) => void,
  ) {}

  /** Binds tcp://host:port (0: a free port) and starts the heartbeat. */
  static async start(host: string, port: number, heartbeatSeconds: number, log: (msg: string) => void): Promise<ZmqPublisher> {
    const p = new ZmqPublisher(host, port, heartbeatSeconds, log);
    await p.open();
    return p;
  }

  get endpoint(): string {
    return `tcp://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  private async open(): Promise<void> {
    const { Publisher } = await import('zeromq');
    const socket = new Publisher({ linger: 0 });
    // A port just released by a restart may take a moment to be free again.
    for (let attempt = 0; ; attempt++) {
      try {
        await socket.bind(this.endpoint);
        break;
      } catch (err) {
        if (attempt >= 50) {
          socket.close();
          throw err;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const bound = socket.lastEndpoint ?? this.endpoint;
    this.port = Number(bound.slice(bound.lastIndexOf(':') + 1));
    this.socket = socket;
    this.armHeartbeat();
    this.log(`ZeroMQ publisher on ${this.endpoint}`);
  }

  private armHeartbeat(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.socket || this.heartbeatSeconds <= 0) return;
    this.timer = setTimeout(() => {
      const uptime = Math.floor((Date.now() - this.startedMs) / 1000);
      this.heartbeats++;
      this.enqueue('misp_json_self', { status: STATUS[Math.floor(uptime / 10) % 5], uptime });
    }, this.heartbeatSeconds * 1000);
    this.timer.unref();
  }

  /** Publishes one message (MISP's PubSubTool pushes the JSON, mispzmq.py prefixes the topic). */
  publish(topic: string, body: unknown): void {
    if (this.dropNext > 0 || !this.socket) {
      if (this.dropNext > 0) this.dropNext--;
      this.dropped++;
      return;
    }
    this.published++;
    this.byTopic[topic] = (this.byTopic[topic] ?? 0) + 1;
    this.enqueue(topic, body);
  }

  private enqueue(topic: string, body: unknown): void {
    this.queue.push(Buffer.from(`${topic} ${JSON.stringify(body)}`, 'utf8'));
    this.armHeartbeat();
    void this.flush();
  }

  /** One send at a time: a zeromq.js socket refuses a second send while one is in progress. */
  private async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && this.socket) {
        const msg = this.queue.shift()!;
        try {
          await this.socket.send(msg);
        } catch (err) {
          this.log(`ZeroMQ send failed: ${(err as Error).message}`);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** Applies POST /_sim/zmq: {"drop": n}, {"stop": true}, {"start": true}, {"heartbeat_s": n}. */
  async control(body: Record<string, unknown>): Promise<void> {
    if (typeof body.drop === 'number' && Number.isInteger(body.drop) && body.drop >= 0) this.dropNext = body.drop;
    if (typeof body.heartbeat_s === 'number' && body.heartbeat_s >= 0) {
      this.heartbeatSeconds = body.heartbeat_s;
      this.armHeartbeat();
    }
    if (body.stop === true) this.stop();
    if (body.start === true && !this.socket) await this.open();
  }

  state(): PublisherState {
    return {
      endpoint: this.endpoint,
      running: this.socket !== null,
      heartbeat_s: this.heartbeatSeconds,
      published: this.published,
      heartbeats: this.heartbeats,
      dropped: this.dropped,
      drop_next: this.dropNext,
      by_topic: { ...this.byTopic },
    };
  }

  /** Closes the socket (subscribers see the connection drop); messages meanwhile are dropped. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.socket?.close();
    this.socket = null;
    this.log('ZeroMQ publisher stopped');
  }

  close(): void {
    this.stop();
  }
}
