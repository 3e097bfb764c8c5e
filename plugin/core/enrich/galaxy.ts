// MISP galaxy clusters attached to an attribute or its event arrive as tags,
//   misp-galaxy:threat-actor="Sofacy"
//   misp-galaxy:mitre-attack-pattern="Spearphishing Attachment - T1566.001"
// (the value is quoted in current MISP, bare in some older events). They are written as
// `<galaxy>=<cluster>` strings, and the MITRE ATT&CK ids in the clusters of MITRE's galaxies
// (techniques T…, groups G…, software S…) as their own lists, so an analyst can search for
// T1566.001 without knowing which galaxy or cluster name carried it.

export interface GalaxyInfo {
  /** `<galaxy type>=<cluster value>`, e.g. `threat-actor=Sofacy`, in tag order, no duplicates. */
  clusters: string[];
  /** ATT&CK technique ids (T1566, T1566.001). */
  techniques: string[];
  /** ATT&CK group ids (G0007). */
  groups: string[];
  /** ATT&CK software ids (S0045). */
  software: string[];
}

const GALAXY_TAG = /^misp-galaxy:([A-Za-z0-9_.-]+)=(.+)$/;
// The id closes the cluster name ("Name - T1566.001"), or is the whole value ("T1103").
const ATTACK_ID = /(?:^|\s-\s)([TGS]\d{4}(?:\.\d{3})?)$/;

/** Which ATT&CK id a MITRE galaxy carries; other galaxies (and a course-of-action's T id) none. */
function idKind(galaxy: string): keyof Omit<GalaxyInfo, 'clusters'> | null {
  if (!galaxy.startsWith('mitre-')) return null;
  if (/attack-pattern$|-techniques$/.test(galaxy)) return 'techniques';
  if (/intrusion-set$/.test(galaxy)) return 'groups';
  if (/(malware|tool)$/.test(galaxy)) return 'software';
  return null;
}

const PREFIX: Record<keyof Omit<GalaxyInfo, 'clusters'>, string> = { techniques: 'T', groups: 'G', software: 'S' };

export function galaxiesOf(tags: readonly string[]): GalaxyInfo {
  const out: GalaxyInfo = { clusters: [], techniques: [], groups: [], software: [] };
  const add = (list: string[], value: string) => {
    if (!list.includes(value)) list.push(value);
  };
  for (const tag of tags) {
    const m = GALAXY_TAG.exec(tag.trim());
    if (!m) continue;
    const galaxy = m[1]!;
    let value = m[2]!.trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).trim();
    if (value === '') continue;
    add(out.clusters, `${galaxy}=${value}`);
    const kind = idKind(galaxy);
    const id = kind ? ATTACK_ID.exec(value)?.[1] : undefined;
    if (kind && id && id.startsWith(PREFIX[kind])) add(out[kind], id);
  }
  return out;
}
