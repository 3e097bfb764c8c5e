// The simulator's normalized view of MISP data. Files are parsed once into these shapes (see
// event-store.ts); the JSON that MISP would send is produced from them in render.ts.

export interface SimTag {
  id: string;
  name: string;
  colour: string;
  exportable: boolean;
  hideTag: boolean;
  numericalValue: string | null;
  isGalaxy: boolean;
  local: boolean;
}

export interface SimObjectRef {
  id: string;
  distribution: string;
  sharingGroupId: string;
  /** The object's own soft-delete flag (MISP's deleted filter also looks at Object.deleted). */
  deleted: boolean;
  uuid: string;
  name: string;
  metaCategory: string;
}

export interface SimEventSummary {
  id: number;
  uuid: string;
  info: string;
  orgId: string;
  orgcId: string;
  distribution: string;
  published: boolean;
  timestamp: number;
  publishTimestamp: number;
  tags: readonly SimTag[];
}

/** The columns MISP's attributes and objects both have, with the same meaning. */
export interface SimSharedColumns {
  id: number;
  uuid: string;
  timestamp: number;
  distribution: string;
  sharingGroupId: string;
  comment: string;
  deleted: boolean;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface SimAttribute extends SimSharedColumns {
  eventId: number;
  objectId: number;
  objectRelation: string | null;
  category: string;
  type: string;
  value: string;
  toIds: boolean;
  /** Soft-deleted itself, or inside a soft-deleted object (MISP deletes those with the object). */
  deleted: boolean;
  disableCorrelation: boolean;
  tags: readonly SimTag[];
  object: SimObjectRef | null;
  event: SimEvent;
}

export interface SimOrg {
  id: string;
  name: string;
  uuid: string;
}

export interface SimObject extends SimSharedColumns {
  name: string;
  metaCategory: string;
  description: string;
  templateUuid: string;
  templateVersion: string;
  attributes: SimAttribute[];
  references: unknown[];
}

export interface SimEvent extends SimEventSummary {
  /** Live attributes (MISP's events.attribute_count), objects' attributes included. */
  attributeCount: number;
  date: string;
  threatLevelId: string;
  analysis: string;
  sharingGroupId: string;
  locked: boolean;
  proposalEmailLock: boolean;
  disableCorrelation: boolean;
  extendsUuid: string;
  org: SimOrg;
  orgc: SimOrg;
  attributes: SimAttribute[];
  objects: SimObject[];
  galaxies: unknown[];
  /** Which file the event came from (for logs only). */
  file: string;
}
