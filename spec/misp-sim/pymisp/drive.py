"""Drives PyMISP (from PyPI, unmodified) against a running misp-sim for spec/misp-sim/pymisp.spec.ts.

Usage: python drive.py '<plan JSON>'   (plan: {"url", "key", "event_id", "event_uuid", "md5", "tag", "since"})
Prints one JSON object: what each PyMISP call returned, reduced to what the spec checks.
"""
import json
import logging
import sys

from pymisp import MISPAttribute, MISPEvent, PyMISP

logging.getLogger("pymisp").setLevel(logging.CRITICAL)


def uuids(items):
    return [str(x["uuid"]) for x in items]


def main() -> None:
    plan = json.loads(sys.argv[1])
    out = {}
    misp = PyMISP(plan["url"], plan["key"], ssl=False)

    # Construction: getVersion, users/view/me (User, Role, UserSetting), describeTypes.
    out["version"] = misp.misp_instance_version["version"]
    out["recommended"] = misp.recommended_pymisp_version["version"]
    out["user_email"] = misp._current_user.email
    out["role_name"] = misp._current_role.name
    out["site_admin"] = bool(misp._current_role.perm_site_admin)
    out["describe_types_remote"] = misp.describe_types_remote.get("types", [])[:3]
    out["categories"] = len(misp.categories)

    # attributes: the usual filters, JSON and pythonified, and paging until a short page.
    md5 = misp.search(controller="attributes", type_attribute="md5", to_ids=1)
    out["md5_to_ids"] = uuids(md5["Attribute"])
    by_value = misp.search(controller="attributes", value=plan["md5"], pythonify=True)
    out["by_value"] = [[a.type, a.value, isinstance(a, MISPAttribute), isinstance(a.Event, MISPEvent)] for a in by_value]
    tagged = misp.search(controller="attributes", tags=[plan["tag"]], include_event_tags=True, include_context=True)
    out["tagged"] = uuids(tagged["Attribute"])
    out["tagged_has_inherited"] = all(any(t.get("inherited") == 1 for t in a.get("Tag", [])) for a in tagged["Attribute"])
    out["tagged_context_keys"] = sorted(tagged["Attribute"][0]["Event"].keys()) if tagged["Attribute"] else []
    since = misp.search(controller="attributes", timestamp=plan["since"], deleted=["0", "1"])
    out["since"] = uuids(since["Attribute"])
    pages = []
    page = 1
    while True:
        got = misp.search(controller="attributes", type_attribute=["ip-dst", "domain", "url"], limit=7, page=page)["Attribute"]
        pages.append(uuids(got))
        if len(got) < 7:
            break
        page += 1
    out["pages"] = pages
    out["unpaged"] = uuids(misp.search(controller="attributes", type_attribute=["ip-dst", "domain", "url"])["Attribute"])
    out["csv"] = misp.search(controller="attributes", return_format="csv", type_attribute="md5", to_ids=1)

    # events: restSearch with metadata, filters and paging; get_event; search_index.
    events = misp.search(controller="events", metadata=True, published=True)
    out["events_published"] = [[e["Event"]["id"], e["Event"]["uuid"]] for e in events]
    out["events_all"] = [[e["Event"]["id"], e["Event"]["uuid"]] for e in misp.search(controller="events", metadata=True)]
    one = misp.search(controller="events", eventid=plan["event_id"], pythonify=True)
    out["event_by_id"] = [[e.uuid, len(e.attributes) + sum(len(o.attributes) for o in e.objects)] for e in one]
    paged = misp.search(controller="events", metadata=True, limit=5, page=2)
    out["events_page2"] = [[e["Event"]["id"], e["Event"]["uuid"]] for e in paged]
    ev = misp.get_event(plan["event_id"], pythonify=True)
    out["get_event"] = [ev.uuid, ev.info, len(ev.attributes) + sum(len(o.attributes) for o in ev.objects), [t.name for t in ev.tags]]
    out["get_event_by_uuid"] = misp.get_event(plan["event_uuid"])["Event"]["uuid"]
    index = misp.search_index(published=True)
    out["index_published"] = [[e["id"], e["uuid"]] for e in index]
    out["index_minimal"] = sorted(misp.search_index(minimal=True, limit=100, page=1)[0].keys())
    out["index_sorted"] = [e["timestamp"] for e in misp.search_index(sort="timestamp", desc=True)]
    out["index_tag"] = [e.uuid for e in misp.search_index(tags=[plan["tag"]], pythonify=True) if isinstance(e, MISPEvent)]

    # warninglists: index, one list, checkValue.
    lists = misp.warninglists(pythonify=True)
    out["warninglists"] = len(lists)
    first = misp.get_warninglist(lists[0].id)
    out["warninglist_entries"] = len(first["Warninglist"]["WarninglistEntry"])
    out["in_warninglist"] = sorted(misp.values_in_warninglist(["8.8.8.8", "10.1.2.3", "nothing.invalid.example"]).keys())

    print(json.dumps(out))


if __name__ == "__main__":
    main()
