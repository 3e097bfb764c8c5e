// What a client learns about the instance and its user: servers/getVersion,
// servers/getPyMISPVersion, users/view/me and attributes/describeTypes. PyMISP's constructor
// calls the first three (and describeTypes right after). The simulator has one user, MISP's
// default site admin (user 1, admin@admin.test, role 1 "admin" of INSTALL/MYSQL.sql, org 1).
import { readFileSync } from 'node:fs';
import { isRecord } from './coerce.js';
import type { StoreSnapshot } from './event-store.js';
import type { SyntheticSource } from './synthetic.js';

export const MISP_VERSION = '2.5.1';
/** AppController::$pyMispVersion at MISP 2.5.1. */
export const PYMISP_RECOMMENDED = '2.5.1';

/** ServersController::getVersion for the admin key. */
export function versionBody(): Record<string, unknown> {
  return {
    version: MISP_VERSION,
    pymisp_recommended_version: PYMISP_RECOMMENDED,
    perm_sync: true,
    perm_sighting: true,
    perm_galaxy_editor: true,
    perm_analyst_data: true,
    uuid: '5ce29ac4-3b54-459e-a6ee-00acac110001',
    // The simulator does not decode compressed request bodies, so it advertises none.
    request_encoding: [],
    filter_sightings: true,
  };
}

const ROLE_PERMS = [
  'perm_add', 'perm_modify', 'perm_modify_org', 'perm_publish', 'perm_delegate', 'perm_sync', 'perm_admin', 'perm_audit',
  'perm_full', 'perm_auth', 'perm_site_admin', 'perm_regexp_access', 'perm_tagger', 'perm_template', 'perm_sharing_group',
  'perm_tag_editor', 'perm_sighting', 'perm_object_template', 'perm_publish_zmq', 'perm_publish_kafka', 'perm_decaying',
  'perm_galaxy_editor', 'perm_warninglist', 'perm_view_feed_correlations', 'perm_analyst_data',
];

/** UsersController::view('me') → __massageUserObject: User, Role, UserSetting, Organisation. */
export function currentUserBody(): Record<string, unknown> {
  const role: Record<string, unknown> = { id: '1', name: 'admin', created: '2024-10-21 00:00:00', modified: '2024-10-21 00:00:00' };
  for (const p of ROLE_PERMS) role[p] = true;
  Object.assign(role, {
    perm_skip_otp: false,
    default_role: false,
    memory_limit: '',
    max_execution_time: '',
    restricted_to_site_admin: false,
    enforce_rate_limit: false,
    rate_limit_count: '0',
    permission: '3',
    permission_description: 'publish',
  });
  return {
    User: {
      id: '1',
      org_id: '1',
      email: 'admin@admin.test',
      autoalert: false,
      invited_by: '0',
      gpgkey: null,
      certif_public: null,
      nids_sid: '4000000',
      termsaccepted: true,
      newsread: '0',
      role_id: '1',
      change_pw: '0',
      contactalert: false,
      disabled: false,
      expiration: null,
      current_login: '0',
      last_login: '0',
      force_logout: false,
      date_created: '1729468800',
      date_modified: '1729468800',
      sub: null,
      external_auth_required: false,
      external_auth_key: null,
      last_api_access: '0',
      notification_daily: false,
      notification_weekly: false,
      notification_monthly: false,
      last_pw_change: '1729468800',
      password: '*****',
      totp: '*****',
    },
    Role: role,
    UserSetting: [],
    Organisation: {
      id: '1',
      name: 'ORGNAME',
      date_created: '2024-10-21 00:00:00',
      date_modified: '2024-10-21 00:00:00',
      description: 'Automatically generated admin organisation',
      type: 'ADMIN',
      nationality: '',
      sector: '',
      created_by: '0',
      uuid: '5ce29ac4-3b54-459e-a6ee-00acac110002',
      contacts: null,
      local: true,
      restricted_to_domain: [],
      landingpage: null,
    },
  };
}

/**
 * AttributesController::describeTypes: {"result": {sane_defaults, types, categories,
 * category_type_mappings}} from MispAttribute::$typeDefinitions. The simulator does not carry
 * MISP's type table: with --describe-types FILE it answers that file (MISP's or PyMISP's
 * describeTypes.json); without, a table of the types and categories its data holds.
 */
export function describeTypesBody(file: string | null, store: StoreSnapshot, synthetic: SyntheticSource | null): unknown {
  if (file) {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isRecord(raw) && isRecord(raw.result) ? raw : { result: raw };
  }
  const byType = new Map<string, Map<string, number>>();
  const toIds = new Map<string, number>();
  const note = (type: string, category: string, ids: boolean): void => {
    const cats = byType.get(type) ?? new Map<string, number>();
    cats.set(category, (cats.get(category) ?? 0) + 1);
    byType.set(type, cats);
    toIds.set(type, (toIds.get(type) ?? 0) + (ids ? 1 : -1));
  };
  for (const a of store.attributes) note(a.type, a.category, a.toIds);
  if (synthetic && synthetic.count > 0) {
    for (let i = 0; i < Math.min(100, synthetic.count); i++) note(synthetic.type(i), synthetic.slot(i).category, synthetic.toIds(i));
  }
  const types = [...byType.keys()].sort();
  const mappings: Record<string, string[]> = {};
  const saneDefaults: Record<string, { default_category: string; to_ids: number }> = {};
  for (const t of types) {
    const cats = [...byType.get(t)!].sort((a, b) => b[1] - a[1]);
    saneDefaults[t] = { default_category: cats[0]![0], to_ids: (toIds.get(t) ?? 0) > 0 ? 1 : 0 };
    for (const [c] of cats) (mappings[c] ??= []).push(t);
  }
  return { result: { sane_defaults: saneDefaults, types, categories: Object.keys(mappings).sort(), category_type_mappings: mappings } };
}
