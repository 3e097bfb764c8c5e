// The agent's subscription to MISP's ZeroMQ publisher (--zmq tcp://misp:50000), with the
// zeromq package (loaded only when --zmq is set). PUB/SUB loses messages without telling:
// while the subscriber is disconnected, when the publisher restarts, past a high-water mark. So
// the feed reports the moments something may have been lost, and the agent then syncs
// incrementally, which finds every change by its timestamp:
//   - a reconnect (the socket's "connect" event after the first one);
//   - a silence longer than --zmq-heartbeat: MISP's mispzmq.py publishes misp_json_self after
//     10 s without other messages, so a longer silence is a connection that died without a
//     word (ZMTP heartbeats also make libzmq drop such a connection and reconnect);
//   - each misp_json_self heartbeat: MISP was quiet for 10 s, the cheapest moment to catch up
//     on a message dropped in between (reported as "heartbeat").
import type { Subscriber } from 'zeromq';
import { AgentError, ErrorCodes } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import { readFeedMessage, splitFrame, type LiveChange } from './zmq-message.js';

export type GapReason = 'reconnect' | 'silence' | 'heartbeat';

export interface FeedHandlers {
  change(c: LiveChange): void;
  /** Something may have been missed: an incremental sync catches up. */
  gap(reason: GapReason): void;
  /** Every message, by topic (for metrics); `result` says what became of it. */
  counted(topic: string, result: 'applied' | 'heartbeat' | 'ignored' | 'malformed'): void;
  connected(up: boolean): void;
}

export interface FeedOptions {
  endpoint: string;
  /** Seconds of silence after which the feed is taken as lost. */
  heartbeatSeconds: number;
  maxMessageBytes: number;
  decay: boolean;
}

export class ZmqFeed {
  private socket: Subscriber | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastMessageMs = Date.now();
  private connects = 0;
  private silent = false;
  private closed = false;

  private constructor(
    private readonly opts: FeedOptions,
    private readonly on: FeedHandlers,
    private readonly log: Logger,
  ) {}

  static async open(opts: FeedOptions, on: FeedHandlers, log: Logger): Promise<ZmqFeed> {
    const feed = new ZmqFeed(opts, on, log);
    await feed.start();
    return feed;
  }

  private async start(): Promise<void> {
    let zmq: typeof import('zeromq');
    try {
      // A plain import: the Node install resolves it from node_modules (dist/agent keeps every
      // package external), and the single executable's bundle carries the package with a loader
      // of its own for the native addon (packaging/sea-zeromq-addon.cjs).
      zmq = await import('zeromq');
    } catch (err) {
      throw new AgentError(ErrorCodes.ZMQ, `--zmq: cannot load the zeromq module and its native addon (${(err as Error).message})`);
    }
    const socket = new zmq.Subscriber({
      linger: 0,
      maxMessageSize: this.opts.maxMessageBytes,
      reconnectInterval: 500,
      reconnectMaxInterval: 10_000,
      // ZMTP heartbeats: a peer that stops answering is dropped and reconnected by libzmq.
      heartbeatInterval: 5_000,
      heartbeatTimeout: 15_000,
    });
    socket.events.on('connect', () => {
      this.connects++;
      this.lastMessageMs = Date.now();
      this.on.connected(true);
      this.log.info(`ZeroMQ feed connected to ${this.opts.endpoint}`);
      // The first connection comes with the start-up full sync; a later one may have missed some.
      if (this.connects > 1) this.on.gap('reconnect');
    });
    socket.events.on('disconnect', () => {
      this.on.connected(false);
      this.log.warn(`ZeroMQ feed lost its connection to ${this.opts.endpoint}; reconnecting`, { code: ErrorCodes.ZMQ });
    });
    try {
      socket.connect(this.opts.endpoint);
    } catch (err) {
      socket.close();
      throw new AgentError(ErrorCodes.CONFIG, `--zmq ${this.opts.endpoint}: ${(err as Error).message}`);
    }
    // Every topic MISP publishes starts with misp_json.
    socket.subscribe('misp_json');
    this.socket = socket;
    this.watchdog = setInterval(() => this.checkSilence(), Math.min(1000, this.opts.heartbeatSeconds * 250));
    this.watchdog.unref();
    void this.receive(socket);
  }

  private checkSilence(): void {
    if (Date.now() - this.lastMessageMs <= this.opts.heartbeatSeconds * 1000) return;
    if (!this.silent) {
      this.log.warn(`ZeroMQ feed silent for more than --zmq-heartbeat ${this.opts.heartbeatSeconds} s; syncing`, { code: ErrorCodes.ZMQ });
    }
    this.silent = true;
    // Once per period of silence, not at every tick.
    this.lastMessageMs = Date.now();
    this.on.gap('silence');
  }

  private async receive(socket: Subscriber): Promise<void> {
    try {
      for await (const [frame] of socket) {
        this.lastMessageMs = Date.now();
        if (this.silent) {
          this.silent = false;
          this.log.info('ZeroMQ feed is talking again');
        }
        const parts = frame ? splitFrame(frame) : null;
        if (!parts) {
          this.on.counted('unknown', 'malformed');
          continue;
        }
        const m = readFeedMessage(parts.topic, parts.body, this.opts.decay);
        if (!m) this.on.counted(parts.topic, 'malformed');
        else if (m.kind === 'heartbeat') {
          this.on.counted(parts.topic, 'heartbeat');
          this.on.gap('heartbeat');
        } else if (m.kind === 'ignored') this.on.counted(parts.topic, 'ignored');
        else {
          this.on.counted(parts.topic, 'applied');
          this.on.change(m);
        }
      }
    } catch (err) {
      if (!this.closed) this.log.error(`ZeroMQ feed stopped receiving: ${(err as Error).message}`, { code: ErrorCodes.ZMQ });
    }
  }

  close(): void {
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.socket?.close();
    this.socket = null;
  }
}
