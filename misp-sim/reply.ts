// A response as the routes build it (status, headers, body chunks) and how it is written,
// including the faults that corrupt the body on its way out.
import type { ServerResponse } from 'node:http';
import type { FaultState } from './faults.js';
import { writeChunks } from './http-io.js';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  chunks: Iterable<string>;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers, chunks: [JSON.stringify(body)] };
}

/** MISP's error body: {"name", "message", "url"}, name and message alike. */
export function apiError(status: number, name: string, url: string): Reply {
  return json(status, { name, message: name, url });
}

export async function sendReply(res: ServerResponse, reply: Reply, fault: FaultState | null): Promise<void> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=UTF-8', ...reply.headers };
  if (fault?.mode === 'truncated' || fault?.mode === 'malformed') {
    const full = [...reply.chunks].join('');
    if (fault.mode === 'truncated') {
      // Announce the whole body, send half of it, then drop the connection mid-transfer.
      res.writeHead(reply.status, { ...headers, 'Content-Length': String(Buffer.byteLength(full)) });
      res.write(full.slice(0, Math.floor(full.length / 2)));
      await new Promise((r) => setImmediate(r));
      res.socket?.destroy();
      res.destroy();
      return;
    }
    // What a PHP fatal error in the middle of a response looks like to an API client.
    const broken =
      full.slice(0, Math.floor(full.length / 2)) +
      '<br />\n<b>Fatal error</b>:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in <b>/var/www/MISP/app/Model/AppModel.php</b> on line <b>3077</b><br />\n';
    res.writeHead(reply.status, { ...headers, 'Content-Length': String(Buffer.byteLength(broken)) });
    res.end(broken);
    return;
  }
  res.writeHead(reply.status, headers);
  await writeChunks(res, reply.chunks);
}
