// indicator.confidence from a MISP event's threat level, in ECS's vocabulary for that field
// (the None/Low/Medium/High scale of STIX 2.1, Appendix A, plus "Not Specified").
//
// MISP's threat_level_id: 1 High, 2 Medium, 3 Low, 4 Undefined. "Undefined" means nobody rated
// the event, which is ECS's "Not Specified"; STIX's "None" would claim the indicator is believed
// to be wrong, which MISP never says. Any other value writes no confidence at all.

export type EcsConfidence = 'Not Specified' | 'None' | 'Low' | 'Medium' | 'High';

/** Every ECS value, lowest first: the order used to pick the highest of several. */
export const ECS_CONFIDENCE: readonly EcsConfidence[] = ['Not Specified', 'None', 'Low', 'Medium', 'High'];

const BY_THREAT_LEVEL: Record<string, EcsConfidence> = { '1': 'High', '2': 'Medium', '3': 'Low', '4': 'Not Specified' };

export function confidenceOfThreatLevel(threatLevelId: string | undefined): EcsConfidence | undefined {
  return threatLevelId === undefined ? undefined : BY_THREAT_LEVEL[threatLevelId.trim()];
}

/** The highest of the given confidences (undefined when none is given). */
export function highestConfidence(values: Iterable<EcsConfidence | undefined>): EcsConfidence | undefined {
  let best = -1;
  for (const v of values) {
    const rank = v === undefined ? -1 : ECS_CONFIDENCE.indexOf(v);
    if (rank > best) best = rank;
  }
  return best >= 0 ? ECS_CONFIDENCE[best] : undefined;
}
