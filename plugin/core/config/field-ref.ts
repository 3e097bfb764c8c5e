// Logstash field references: "[destination][ip]" or a bare top-level name "message".
// The core needs them parsed only to validate configuration and to name the field in
// matched.field the ECS way ("destination.ip"); reading and writing is the host's job.

const SEGMENT = /\[([^\[\]]+)\]/g;
const BARE = /^[^\[\],]+$/;

/** The path segments of a field reference, or null if it is not valid reference syntax. */
export function parseFieldRef(ref: string): string[] | null {
  if (BARE.test(ref)) return [ref];
  if (!ref.startsWith('[')) return null;
  const segments: string[] = [];
  let consumed = 0;
  for (const m of ref.matchAll(SEGMENT)) {
    if (m.index !== consumed) return null;
    segments.push(m[1]!);
    consumed += m[0].length;
  }
  return consumed === ref.length && segments.length > 0 ? segments : null;
}

export function dottedName(segments: readonly string[]): string {
  return segments.join('.');
}
