// The TLP marking of an indicator from its MISP tags ("tlp:amber", "tlp:amber+strict"), upper
// case as ECS's marking.tlp expects (WHITE, CLEAR, GREEN, AMBER, AMBER+STRICT, RED). When tags
// disagree, the most restrictive wins: sharing less than allowed is safe, sharing more is not.

/** ECS's values, least restrictive first (WHITE is TLP 1.0's name for 2.0's CLEAR). */
export const TLP_ORDER: readonly string[] = ['WHITE', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];

function rankOf(value: string | undefined): number {
  return value === undefined ? -1 : TLP_ORDER.indexOf(value);
}

export function tlpOf(tags: readonly string[]): string | undefined {
  let best = -1;
  for (const tag of tags) {
    const text = tag.trim();
    // Most tags are not TLP: a prefix check before the expression (interpreted, a regex run
    // per tag of every hit costs).
    if (text.length < 5 || text.slice(0, 4).toLowerCase() !== 'tlp:') continue;
    const m = /^tlp:\s*([a-z+]+)$/i.exec(text);
    if (!m) continue;
    best = Math.max(best, rankOf(m[1]!.toUpperCase()));
  }
  return best >= 0 ? TLP_ORDER[best] : undefined;
}

/** The most restrictive of several markings already in ECS form. */
export function mostRestrictiveTlp(values: Iterable<string | undefined>): string | undefined {
  let best = -1;
  for (const v of values) best = Math.max(best, rankOf(v));
  return best >= 0 ? TLP_ORDER[best] : undefined;
}
