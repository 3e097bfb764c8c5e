// An HTTP proxy's CONNECT, as enterprise networks put one in front of MISP or a search cluster:
// the TLS inside the tunnel is the client's own, end to end.
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Answers one CONNECT host:port: opens a TCP connection there, says 200 and pipes both ways;
 * an error on either side closes the other.
 */
export function tunnel(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const [host, port] = (req.url ?? '').split(':');
  const upstream = connect(Number(port), host!, () => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
}
