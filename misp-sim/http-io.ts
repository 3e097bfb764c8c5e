// Small node:http helpers: bounded body reading and chunked writing with back-pressure, so an
// unpaged response over a million synthetic attributes streams instead of being built in memory.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class BodyError extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new BodyError(`request body larger than ${MAX_BODY_BYTES} bytes`);
    parts.push(b);
  }
  return Buffer.concat(parts).toString('utf8');
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export async function writeChunks(res: ServerResponse, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    if (chunk.length === 0) continue;
    if (!res.write(chunk)) await waitDrain(res);
  }
  if (!res.destroyed) res.end();
}

/** JSON text of a list, produced piece by piece and coalesced into ~64 KiB chunks. */
export function* jsonList<T>(open: string, items: Iterable<T>, render: (item: T) => unknown, close: string): Generator<string> {
  yield* jsonTextList(open, items, (item) => JSON.stringify(render(item)), close);
}

/** The same, for items already rendered as JSON text. */
export function* jsonTextList<T>(open: string, items: Iterable<T>, text: (item: T) => string, close: string): Generator<string> {
  let buf = open;
  let first = true;
  for (const item of items) {
    buf += (first ? '' : ',') + text(item);
    first = false;
    if (buf.length >= 65536) {
      yield buf;
      buf = '';
    }
  }
  yield buf + close;
}
