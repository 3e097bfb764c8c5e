// The TLP marking of an indicator from its MISP tags ("tlp:amber", "tlp:amber+strict"), upper
// case as ECS expects. When tags disagree, the most restrictive wins: sharing less than allowed
// is safe, sharing more is not.

const ORDER = ['WHITE', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];

export function tlpOf(tags: readonly string[]): string | undefined {
  let best = -1;
  for (const tag of tags) {
    const m = /^tlp:\s*([a-z+]+)$/i.exec(tag.trim());
    if (!m) continue;
    const rank = ORDER.indexOf(m[1]!.toUpperCase());
    if (rank > best) best = rank;
  }
  return best >= 0 ? ORDER[best] : undefined;
}
