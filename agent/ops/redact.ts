// Removes secrets from text that leaves the process (log lines, /healthz, /metrics). Not only the
// whole key: any piece of it of PIECE characters or more, since a server may reflect part of a
// key (a truncated header, an error excerpt), and a long enough piece helps an attacker guess or
// recognise it. Every such piece found is replaced, and overlapping pieces merge into one mark.

export const REDACTED = '[REDACTED]';
/** The shortest piece of a secret that is removed (shorter pieces would hit ordinary words). */
export const PIECE = 8;

export class Redactor {
  private readonly pieces = new Set<string>();

  /** Registers a secret: every PIECE-character window of it (a shorter secret: all of it) is removed from now on. */
  add(secret: string): void {
    if (secret.length === 0) return;
    if (secret.length < PIECE) this.pieces.add(secret);
    for (let i = 0; i + PIECE <= secret.length; i++) this.pieces.add(secret.slice(i, i + PIECE));
  }

  redact(text: string): string {
    if (this.pieces.size === 0) return text;
    let marks: Uint8Array | null = null;
    for (const piece of this.pieces) {
      for (let at = text.indexOf(piece); at >= 0; at = text.indexOf(piece, at + 1)) {
        marks ??= new Uint8Array(text.length);
        marks.fill(1, at, at + piece.length);
      }
    }
    if (!marks) return text;
    let out = '';
    for (let i = 0; i < text.length; ) {
      if (marks[i]) {
        out += REDACTED;
        while (i < text.length && marks[i]) i++;
      } else {
        const start = i;
        while (i < text.length && !marks[i]) i++;
        out += text.slice(start, i);
      }
    }
    return out;
  }
}
