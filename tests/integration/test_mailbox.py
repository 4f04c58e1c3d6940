"""Mailbox, RFC 8621 §2: get, changes, query, queryChanges, set and their
rules (issue 2, item 10). Every test gets a fresh account."""
import pytest

import tern

ROLES = ["inbox", "drafts", "sent", "trash", "junk", "archive"]
PROPS = {"id", "name", "parentId", "role", "sortOrder", "totalEmails", "unreadEmails",
         "totalThreads", "unreadThreads", "myRights", "isSubscribed"}
RIGHTS = {"mayReadItems", "mayAddItems", "mayRemoveItems", "maySetSeen", "maySetKeywords",
          "mayCreateChild", "mayRename", "mayDelete", "maySubmit"}
COUNTS = ("totalEmails", "unreadEmails", "totalThreads", "unreadThreads")


def all_mailboxes(acct):
    return {m["id"]: m for m in acct.ok("Mailbox/get", {"ids": None})["list"]}


def by_role(acct, role):
    return next(m for m in all_mailboxes(acct).values() if m["role"] == role)


def create(acct, **objs):
    """Creates each creation id -> object; returns creation id -> id."""
    out = acct.ok("Mailbox/set", {"create": objs})
    assert not out.get("notCreated"), out
    return {k: v["id"] for k, v in out["created"].items()}


def create_one(acct, **obj):
    return create(acct, x=obj)["x"]


def set_error(acct, kind, key, payload, **extra):
    """Runs one create/update/destroy expected to fail; returns the SetError."""
    args = dict(extra)
    args[kind] = payload
    out = acct.ok("Mailbox/set", args)
    field = {"create": "notCreated", "update": "notUpdated", "destroy": "notDestroyed"}[kind]
    errors = out.get(field) or {}
    assert key in errors, out
    err = errors[key]
    assert isinstance(err.get("type"), str), err
    return err


def state(acct):
    return acct.ok("Mailbox/get", {"ids": []})["state"]


def query_ids(acct, **args):
    return acct.ok("Mailbox/query", args)["ids"]


# ---------------------------------------------------------------- get

def test_new_account_has_six_role_mailboxes(account):
    boxes = list(all_mailboxes(account).values())
    assert sorted(m["role"] for m in boxes) == sorted(ROLES)
    assert len({m["name"] for m in boxes}) == 6
    for m in boxes:
        assert set(m) == PROPS, m
        assert tern.jmap_id_ok(m["id"])
        assert m["parentId"] is None
        assert isinstance(m["name"], str) and m["name"]
        assert isinstance(m["sortOrder"], int) and 0 <= m["sortOrder"] < 2 ** 31
        assert all(m[c] == 0 for c in COUNTS), m
        assert set(m["myRights"]) == RIGHTS and all(
            isinstance(v, bool) for v in m["myRights"].values())
        assert m["myRights"]["mayReadItems"] and m["myRights"]["mayAddItems"]
        assert isinstance(m["isSubscribed"], bool)
    inbox = next(m for m in boxes if m["role"] == "inbox")
    assert inbox["name"].lower() == "inbox"


def test_get_with_properties_and_not_found(account):
    inbox = by_role(account, "inbox")["id"]
    out = account.ok("Mailbox/get", {"ids": [inbox, "m999999999", "zzz", inbox],
                                     "properties": ["name", "role"]})
    assert out["list"] == [{"id": inbox, "name": by_role(account, "inbox")["name"],
                            "role": "inbox"}]
    assert sorted(out["notFound"]) == ["m999999999", "zzz"]
    assert out["accountId"] == account.id
    assert isinstance(out["state"], str) and out["state"]
    only_id = account.ok("Mailbox/get", {"ids": [inbox], "properties": []})["list"]
    assert only_id == [{"id": inbox}]
    empty = account.ok("Mailbox/get", {"ids": []})
    assert empty["list"] == [] and empty["notFound"] == []


# ---------------------------------------------------------------- set: create

def test_create_returns_server_set_and_defaulted_properties(account):
    old = state(account)
    out = account.ok("Mailbox/set", {"create": {"k": {"name": "Projects"}}})
    made = out["created"]["k"]
    assert tern.jmap_id_ok(made["id"])
    for p in ("parentId", "role", "sortOrder", "isSubscribed", "myRights") + COUNTS:
        assert p in made, (p, made)
    assert "name" not in made or made["name"] == "Projects"
    assert made["parentId"] is None and made["role"] is None and made["sortOrder"] == 0
    assert all(made[c] == 0 for c in COUNTS)
    assert out["oldState"] == old and out["newState"] != old
    assert out["newState"] == state(account)
    got = account.ok("Mailbox/get", {"ids": [made["id"]]})["list"][0]
    assert got["name"] == "Projects"
    assert got["isSubscribed"] is True, "RFC 8621: true for mailboxes the user creates"
    assert all(got["myRights"][r] for r in ("mayReadItems", "mayAddItems", "mayRemoveItems",
                                           "maySetSeen", "maySetKeywords", "mayCreateChild",
                                           "mayRename", "mayDelete"))


def test_create_with_every_settable_property(account):
    inbox = by_role(account, "inbox")["id"]
    out = account.ok("Mailbox/set", {"create": {"k": {
        "name": "Full", "parentId": inbox, "role": None, "sortOrder": 42, "isSubscribed": False}}})
    mid = out["created"]["k"]["id"]
    got = account.ok("Mailbox/get", {"ids": [mid]})["list"][0]
    assert (got["name"], got["parentId"], got["role"], got["sortOrder"], got["isSubscribed"]) == \
        ("Full", inbox, None, 42, False)


@pytest.mark.parametrize("obj, prop", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"name": 5}, "name"),
    ({"name": "x" * 10000}, "name"),
    ({"name": "Bad", "parentId": "m999999999"}, "parentId"),
    ({"name": "Bad", "parentId": 5}, "parentId"),
    ({"name": "Bad", "sortOrder": -1}, "sortOrder"),
    ({"name": "Bad", "sortOrder": 2 ** 31}, "sortOrder"),
    ({"name": "Bad", "sortOrder": "first"}, "sortOrder"),
    ({"name": "Bad", "isSubscribed": "yes"}, "isSubscribed"),
    ({"name": "Bad", "role": "bogus"}, "role"),
    ({"name": "Bad", "role": 5}, "role"),
    ({"name": "Bad", "totalEmails": 5}, "totalEmails"),
    ({"name": "Bad", "myRights": {"mayDelete": False}}, "myRights"),
    ({"name": "Bad", "id": "m1"}, "id"),
    ({"name": "Bad", "noSuchProperty": 1}, "noSuchProperty"),
])
def test_create_invalid_properties(account, obj, prop):
    err = set_error(account, "create", "k", {"k": obj})
    assert err["type"] == "invalidProperties", err
    assert prop in err.get("properties", [prop]), err
    assert "Bad" not in [m["name"] for m in all_mailboxes(account).values()]


def test_server_set_properties_with_their_value_are_accepted(account):
    mid = create_one(account, name="Whole")
    whole = account.ok("Mailbox/get", {"ids": [mid]})["list"][0]
    whole["name"] = "Whole Renamed"
    out = account.ok("Mailbox/set", {"update": {mid: whole}})
    assert mid in out["updated"], out
    assert account.ok("Mailbox/get", {"ids": [mid]})["list"][0]["name"] == "Whole Renamed"


# ---------------------------------------------------------------- names and parents

def test_names_unique_among_siblings(account):
    a = create_one(account, name="Dup")
    err = set_error(account, "create", "k", {"k": {"name": "Dup"}})
    assert err["type"] in ("invalidProperties", "alreadyExists"), err
    if err["type"] == "alreadyExists":
        assert err["existingId"] == a
    # the same name under another parent is fine
    child = create_one(account, name="Dup", parentId=a)
    # renaming onto a sibling's name is refused
    b = create_one(account, name="Other")
    err = set_error(account, "update", b, {b: {"name": "Dup"}})
    assert err["type"] in ("invalidProperties", "alreadyExists"), err
    # moving next to a same-named sibling is refused too
    err = set_error(account, "update", child, {child: {"parentId": None}})
    assert err["type"] in ("invalidProperties", "alreadyExists"), err
    # the role mailboxes' names count as siblings
    inbox_name = by_role(account, "inbox")["name"]
    err = set_error(account, "create", "k", {"k": {"name": inbox_name}})
    assert err["type"] in ("invalidProperties", "alreadyExists"), err


def test_swap_names_in_one_call(account):
    ids = create(account, a={"name": "Left"}, b={"name": "Right"})
    out = account.ok("Mailbox/set", {"update": {ids["a"]: {"name": "Right"},
                                                ids["b"]: {"name": "Left"}}})
    # RFC 8620 §5.3 allows the swap if the final state is valid; a server
    # that processes one by one may refuse the first. Either way the end
    # state must be valid.
    names = [m["name"] for m in all_mailboxes(account).values() if m["parentId"] is None]
    assert len(names) == len(set(names)), names
    if not out.get("notUpdated"):
        got = account.ok("Mailbox/get", {"ids": [ids["a"], ids["b"]], "properties": ["name"]})
        assert {m["id"]: m["name"] for m in got["list"]} == {ids["a"]: "Right", ids["b"]: "Left"}


def test_parent_cycles_are_refused(account):
    ids = create(account, a={"name": "A"})
    ids.update(create(account, b={"name": "B", "parentId": ids["a"]}))
    ids.update(create(account, c={"name": "C", "parentId": ids["b"]}))
    for target in ("a", "b", "c"):
        err = set_error(account, "update", ids["a"], {ids["a"]: {"parentId": ids[target]}})
        assert err["type"] == "invalidProperties", err
        assert "parentId" in err.get("properties", ["parentId"])
    got = account.ok("Mailbox/get", {"ids": [ids["a"]], "properties": ["parentId"]})["list"]
    assert got[0]["parentId"] is None


def test_move_and_unparent(account):
    ids = create(account, a={"name": "A"}, b={"name": "B"})
    out = account.ok("Mailbox/set", {"update": {ids["b"]: {"parentId": ids["a"]}}})
    assert ids["b"] in out["updated"]
    assert all_mailboxes(account)[ids["b"]]["parentId"] == ids["a"]
    account.ok("Mailbox/set", {"update": {ids["b"]: {"parentId": None}}})
    assert all_mailboxes(account)[ids["b"]]["parentId"] is None


def test_max_depth(account):
    session = account.jmap.session()
    depth = session["accounts"][account.id]["accountCapabilities"][tern.MAIL]["maxMailboxDepth"]
    if depth is None:
        pytest.skip("no maxMailboxDepth")
    assert depth < 1000
    parent = None
    for i in range(depth):
        obj = {"name": f"L{i}"}
        if parent:
            obj["parentId"] = parent
        parent = create_one(account, **obj)
    err = set_error(account, "create", "k", {"k": {"name": "TooDeep", "parentId": parent}})
    assert err["type"] == "invalidProperties", err


def test_max_name_size(account):
    session = account.jmap.session()
    size = session["accounts"][account.id]["accountCapabilities"][tern.MAIL]["maxSizeMailboxName"]
    create_one(account, name="é" * (size // 2))
    err = set_error(account, "create", "k", {"k": {"name": "é" * (size // 2 + 1)}})
    assert err["type"] == "invalidProperties", err


def test_names_that_are_not_net_unicode_are_refused(account):
    for bad in ("nul\u0000", "bare\nline feed", "escape\u001b"):
        err = set_error(account, "create", "k", {"k": {"name": bad}})
        assert err["type"] == "invalidProperties", (bad, err)


# ---------------------------------------------------------------- roles

def test_one_mailbox_per_role(account):
    err = set_error(account, "create", "k", {"k": {"name": "Inbox2", "role": "inbox"}})
    assert err["type"] == "invalidProperties", err
    mid = create_one(account, name="Plain")
    err = set_error(account, "update", mid, {mid: {"role": "trash"}})
    assert err["type"] == "invalidProperties", err
    assert sorted(m["role"] for m in all_mailboxes(account).values() if m["role"]) == \
        sorted(ROLES)


def test_registered_roles_are_accepted_and_move(account):
    # "flagged" is in the IANA IMAP Mailbox Name Attributes registry
    fid = create_one(account, name="Starred", role="flagged")
    assert all_mailboxes(account)[fid]["role"] == "flagged"
    # take the junk role off its mailbox and give it to another
    junk = by_role(account, "junk")["id"]
    account.ok("Mailbox/set", {"update": {junk: {"role": None}}})
    spam = create_one(account, name="Spam", role="junk")
    boxes = all_mailboxes(account)
    assert boxes[junk]["role"] is None and boxes[spam]["role"] == "junk"
    assert query_ids(account, filter={"role": "junk"}) == [spam]


@pytest.mark.parametrize("role", ["Inbox", "bogus", "", "\\Sent"])
def test_invalid_roles_are_refused(account, role):
    err = set_error(account, "create", "k", {"k": {"name": "R", "role": role}})
    assert err["type"] == "invalidProperties", err


# ---------------------------------------------------------------- update

def test_update_name_sort_order_subscription(account):
    mid = create_one(account, name="Before")
    old = state(account)
    out = account.ok("Mailbox/set", {"update": {mid: {
        "name": "After", "sortOrder": 3, "isSubscribed": False}}})
    assert mid in out["updated"]
    assert out["oldState"] == old and out["newState"] != old
    got = all_mailboxes(account)[mid]
    assert (got["name"], got["sortOrder"], got["isSubscribed"]) == ("After", 3, False)
    account.ok("Mailbox/set", {"update": {mid: {"isSubscribed": True}}})
    assert all_mailboxes(account)[mid]["isSubscribed"] is True
    # a role mailbox can be renamed and unsubscribed too
    inbox = by_role(account, "inbox")["id"]
    account.ok("Mailbox/set", {"update": {inbox: {"isSubscribed": False}}})
    assert all_mailboxes(account)[inbox]["isSubscribed"] is False


@pytest.mark.parametrize("patch, kind", [
    ({"name": None}, "invalidProperties"),
    ({"name": ""}, "invalidProperties"),
    ({"sortOrder": -5}, "invalidProperties"),
    ({"myRights": {"mayDelete": False}}, "invalidProperties"),
    ({"myRights/mayDelete": False}, "invalidProperties"),
    ({"totalEmails": 9}, "invalidProperties"),
    ({"id": "m1"}, "invalidProperties"),
    ({"noSuchProperty": 1}, "invalidProperties"),
    ({"name/first": "x"}, "invalidPatch"),
    ({"myRights/mayDelete": False, "myRights": None}, "invalidPatch"),
])
def test_update_errors(account, patch, kind):
    mid = create_one(account, name="Target")
    err = set_error(account, "update", mid, {mid: patch})
    if kind == "invalidPatch":
        assert err["type"] in ("invalidPatch", "invalidProperties"), err
    else:
        assert err["type"] == kind, err
    assert all_mailboxes(account)[mid]["name"] == "Target"


def test_patch_null_resets_to_default(account):
    mid = create_one(account, name="Defaults", sortOrder=9, isSubscribed=False)
    account.ok("Mailbox/set", {"update": {mid: {"sortOrder": None, "parentId": None}}})
    assert all_mailboxes(account)[mid]["sortOrder"] == 0


def test_update_and_destroy_unknown_ids(account):
    err = set_error(account, "update", "m999999999", {"m999999999": {"name": "qq"}})
    assert err["type"] == "notFound"
    err = set_error(account, "destroy", "m999999999", ["m999999999"])
    assert err["type"] == "notFound"


# ---------------------------------------------------------------- destroy

def test_destroy(account):
    mid = create_one(account, name="Doomed")
    old = state(account)
    out = account.ok("Mailbox/set", {"destroy": [mid]})
    assert out["destroyed"] == [mid]
    assert out["oldState"] == old
    assert mid not in all_mailboxes(account)
    assert account.ok("Mailbox/get", {"ids": [mid]})["notFound"] == [mid]
    err = set_error(account, "destroy", mid, [mid])
    assert err["type"] == "notFound"


def test_mailbox_has_child(account):
    ids = create(account, p={"name": "Parent"})
    ids.update(create(account, c={"name": "Child", "parentId": ids["p"]}))
    err = set_error(account, "destroy", ids["p"], [ids["p"]])
    assert err["type"] == "mailboxHasChild", err
    assert ids["p"] in all_mailboxes(account)
    out = account.ok("Mailbox/set", {"destroy": [ids["c"], ids["p"]]})
    assert sorted(out["destroyed"]) == sorted([ids["c"], ids["p"]]), out


def test_on_destroy_remove_emails_argument(account):
    mid = create_one(account, name="Emptied")
    out = account.ok("Mailbox/set", {"destroy": [mid], "onDestroyRemoveEmails": True})
    assert out["destroyed"] == [mid]
    mid = create_one(account, name="Emptied2")
    out = account.ok("Mailbox/set", {"destroy": [mid], "onDestroyRemoveEmails": False})
    assert out["destroyed"] == [mid]
    assert account.error("Mailbox/set", {"destroy": [], "onDestroyRemoveEmails": "yes"}) == \
        "invalidArguments"


def test_role_mailboxes_can_be_destroyed_when_empty(account):
    """RFC 8621 puts no rule against it: an account needs no role."""
    archive = by_role(account, "archive")["id"]
    out = account.ok("Mailbox/set", {"destroy": [archive]})
    assert out.get("destroyed") == [archive] or \
        (out.get("notDestroyed") or {})[archive]["type"] == "forbidden", out


def test_create_update_destroy_in_one_call(account):
    doomed = create_one(account, name="Old")
    keep = create_one(account, name="Keep")
    out = account.ok("Mailbox/set", {"create": {"n": {"name": "New", "parentId": keep}},
                                     "update": {keep: {"sortOrder": 1}},
                                     "destroy": [doomed]})
    assert "n" in out["created"] and keep in out["updated"] and out["destroyed"] == [doomed]
    assert out.get("notCreated") in (None, {})
    boxes = all_mailboxes(account)
    assert boxes[out["created"]["n"]["id"]]["parentId"] == keep and doomed not in boxes


# ---------------------------------------------------------------- changes

def _changes(acct, since, **kw):
    out = acct.ok("Mailbox/changes", dict(sinceState=since, **kw))
    assert out["oldState"] == since
    for k in ("created", "updated", "destroyed"):
        assert len(out[k]) == len(set(out[k])), out
    return out


def test_changes(account):
    s0 = state(account)
    ids = create(account, a={"name": "A"}, b={"name": "B"}, c={"name": "C"})
    account.ok("Mailbox/set", {"update": {ids["b"]: {"name": "B2"}}})
    s1 = state(account)
    account.ok("Mailbox/set", {"destroy": [ids["c"]]})
    s2 = state(account)
    assert len({s0, s1, s2}) == 3

    out = _changes(account, s0)
    assert out["newState"] == s2 and out["hasMoreChanges"] is False
    # RFC 8620 §5.2: created+updated is reported as created (updated MAY
    # repeat it); created+destroyed as nothing, destroyed, or both.
    created, updated, destroyed = map(set, (out["created"], out["updated"], out["destroyed"]))
    assert {ids["a"], ids["b"]} <= created <= {ids["a"], ids["b"], ids["c"]}, out
    assert updated <= {ids["b"]} and destroyed <= {ids["c"]}, out
    assert ids["c"] not in created or ids["c"] in destroyed, out
    # a name changed, so not only counts: null (RFC 8620 §3.5 lets a
    # server omit an argument whose value is the default, null)
    assert out.get("updatedProperties") is None, out

    out = _changes(account, s1)
    assert out["created"] == [] and out["updated"] == [] and out["destroyed"] == [ids["c"]]

    account.ok("Mailbox/set", {"update": {ids["a"]: {"sortOrder": 4}}})
    out = _changes(account, s2)
    assert out["updated"] == [ids["a"]] and out["created"] == [] and out["destroyed"] == []

    now = state(account)
    out = _changes(account, now)
    assert out == dict(out, created=[], updated=[], destroyed=[], newState=now,
                       hasMoreChanges=False)


def test_changes_paging(account):
    s0 = state(account)
    made = [create_one(account, name=f"P{i}") for i in range(5)]
    seen, since, rounds = [], s0, 0
    while True:
        out = _changes(account, since, maxChanges=2)
        got = out["created"] + out["updated"] + out["destroyed"]
        assert len(got) <= 2, out
        seen += out["created"]
        since = out["newState"]
        rounds += 1
        assert rounds <= 10
        if not out["hasMoreChanges"]:
            break
    assert rounds >= 3
    assert sorted(seen) == sorted(made)
    assert since == state(account)


def test_changes_cover_role_changes(account):
    s0 = state(account)
    junk = by_role(account, "junk")["id"]
    account.ok("Mailbox/set", {"update": {junk: {"role": None}}})
    out = _changes(account, s0)
    assert out["updated"] == [junk]


def test_changes_chain_into_get(account):
    s0 = state(account)
    mid = create_one(account, name="Chained")
    out = account.jmap.request([
        ["Mailbox/changes", {"accountId": account.id, "sinceState": s0}, "c"],
        ["Mailbox/get", {"accountId": account.id, "#ids": {
            "resultOf": "c", "name": "Mailbox/changes", "path": "/created"}}, "g"]])
    got = out["methodResponses"][1][1]["list"]
    assert [m["id"] for m in got] == [mid] and got[0]["name"] == "Chained"


# ---------------------------------------------------------------- query

@pytest.fixture
def tree(account):
    """Alpha(10) > {Zed, Apple}; Beta(5) > Mid; a filter tree qqroot > qqchild,
    plain > qqorphan. Returns name -> id."""
    ids = create(account, alpha={"name": "Alpha", "sortOrder": 10},
                 beta={"name": "Beta", "sortOrder": 5, "isSubscribed": False},
                 qqroot={"name": "qqroot"}, plain={"name": "plain"})
    ids.update(create(account, zed={"name": "Zed", "parentId": ids["alpha"]},
                      apple={"name": "Apple", "parentId": ids["alpha"], "isSubscribed": False},
                      mid={"name": "Mid", "parentId": ids["beta"]},
                      qqchild={"name": "qqchild", "parentId": ids["qqroot"]},
                      qqorphan={"name": "qqorphan", "parentId": ids["plain"]}))
    return ids


def test_query_filters(account, tree):
    boxes = all_mailboxes(account)
    roles = {m["role"]: i for i, m in boxes.items() if m["role"]}

    def q(filt):
        return sorted(query_ids(account, filter=filt))

    assert q({"parentId": tree["alpha"]}) == sorted([tree["zed"], tree["apple"]])
    top = q({"parentId": None})
    assert sorted(top) == sorted(list(roles.values()) + [tree[k] for k in (
        "alpha", "beta", "qqroot", "plain")])
    assert q({"name": "qqroot"}) == [tree["qqroot"]]
    assert q({"name": "qq"}) == sorted([tree["qqroot"], tree["qqchild"], tree["qqorphan"]])
    assert q({"role": "inbox"}) == [roles["inbox"]]
    assert q({"role": None}) == sorted(tree.values())
    assert q({"hasAnyRole": True}) == sorted(roles.values())
    assert q({"hasAnyRole": False}) == sorted(tree.values())
    unsub = [i for i, m in boxes.items() if not m["isSubscribed"]]
    assert q({"isSubscribed": False}) == sorted(unsub)
    assert tree["beta"] in unsub and tree["apple"] in unsub
    assert q({"isSubscribed": True}) == sorted(set(boxes) - set(unsub))
    assert q({}) == sorted(boxes)
    # several properties in one condition all have to match
    assert q({"parentId": tree["alpha"], "isSubscribed": True}) == [tree["zed"]]


def test_query_filter_operators(account, tree):
    def q(filt):
        return sorted(query_ids(account, filter=filt))

    assert q({"operator": "AND", "conditions": [{"hasAnyRole": False}, {"name": "qq"}]}) == \
        sorted([tree["qqroot"], tree["qqchild"], tree["qqorphan"]])
    assert q({"operator": "OR", "conditions": [{"name": "Zed"}, {"name": "Mid"}]}) == \
        sorted([tree["zed"], tree["mid"]])
    assert q({"operator": "NOT", "conditions": [{"hasAnyRole": True}, {"name": "qq"}]}) == \
        sorted(tree[k] for k in ("alpha", "beta", "plain", "zed", "apple", "mid"))
    assert q({"operator": "AND", "conditions": [
        {"operator": "OR", "conditions": [{"parentId": tree["alpha"]},
                                          {"parentId": tree["beta"]}]},
        {"operator": "NOT", "conditions": [{"name": "Zed"}]}]}) == \
        sorted([tree["apple"], tree["mid"]])


def test_query_sorts(account, tree):
    nonrole = {"hasAnyRole": False}
    by_name = query_ids(account, filter=nonrole, sort=[{"property": "name"}])
    names = [all_mailboxes(account)[i]["name"] for i in by_name]
    assert names == sorted(names, key=str.lower) or names == sorted(names)
    desc = query_ids(account, filter=nonrole, sort=[{"property": "name", "isAscending": False}])
    assert desc == list(reversed(by_name))
    by_order = query_ids(account, filter={"parentId": None, "hasAnyRole": False},
                         sort=[{"property": "sortOrder"}, {"property": "name"}])
    assert by_order == [tree["plain"], tree["qqroot"], tree["beta"], tree["alpha"]]


def test_query_sort_as_tree(account, tree):
    out = query_ids(account, filter={"hasAnyRole": False}, sort=[{"property": "name"}],
                    sortAsTree=True)
    expected_case_insensitive = [tree[k] for k in (
        "alpha", "apple", "zed", "beta", "mid", "plain", "qqorphan", "qqroot", "qqchild")]
    assert out == expected_case_insensitive
    by_order = query_ids(account, filter={"hasAnyRole": False},
                         sort=[{"property": "sortOrder"}, {"property": "name"}], sortAsTree=True)
    assert by_order == [tree[k] for k in ("plain", "qqorphan", "qqroot", "qqchild", "beta", "mid",
                                          "alpha", "apple", "zed")]


def test_query_filter_as_tree(account, tree):
    flat = sorted(query_ids(account, filter={"name": "qq"}))
    assert flat == sorted([tree["qqroot"], tree["qqchild"], tree["qqorphan"]])
    as_tree = query_ids(account, filter={"name": "qq"}, filterAsTree=True,
                        sort=[{"property": "name"}], sortAsTree=True)
    assert as_tree == [tree["qqroot"], tree["qqchild"]]


def test_query_window(account, tree):
    full_args = {"filter": {"hasAnyRole": False}, "sort": [{"property": "name"}]}
    full = account.ok("Mailbox/query", full_args)
    ids = full["ids"]
    assert len(ids) == 9 and full["position"] == 0 and "total" not in full
    assert isinstance(full["queryState"], str) and isinstance(full["canCalculateChanges"], bool)

    def window(**kw):
        return account.ok("Mailbox/query", dict(full_args, **kw))

    out = window(position=2, limit=3, calculateTotal=True)
    assert out["ids"] == ids[2:5] and out["position"] == 2 and out["total"] == 9
    out = window(position=-2)
    assert out["ids"] == ids[-2:] and out["position"] == 7
    out = window(position=-100, limit=1)
    assert out["ids"] == ids[:1] and out["position"] == 0
    out = window(position=50, calculateTotal=True)
    assert out["ids"] == [] and out["total"] == 9
    out = window(anchor=ids[4], anchorOffset=-1, limit=2)
    assert out["ids"] == ids[3:5] and out["position"] == 3
    out = window(anchor=ids[1], anchorOffset=-5, limit=2)
    assert out["ids"] == ids[0:2] and out["position"] == 0
    out = window(anchor=ids[2], position=7)
    assert out["ids"] == ids[2:] and out["position"] == 2
    out = window(anchorOffset=3)
    assert out["ids"] == ids, "anchorOffset without anchor must be ignored"
    out = window(limit=0)
    assert out["ids"] == []
    not_matching = by_role(account, "inbox")["id"]
    assert account.error("Mailbox/query", dict(full_args, anchor=not_matching)) == \
        "anchorNotFound"


def test_query_state_changes_with_results(account, tree):
    args = {"filter": {"hasAnyRole": False}, "sort": [{"property": "name"}]}
    q1 = account.ok("Mailbox/query", args)["queryState"]
    assert account.ok("Mailbox/query", args)["queryState"] == q1
    create_one(account, name="Newcomer")
    assert account.ok("Mailbox/query", args)["queryState"] != q1


# ---------------------------------------------------------------- queryChanges

def _apply(old, changes):
    """RFC 8620 §5.6: splice out removed, splice in added, in order."""
    out = [i for i in old if i not in set(changes["removed"])]
    indexes = [a["index"] for a in changes["added"]]
    assert indexes == sorted(indexes), "added must be sorted by index"
    for a in changes["added"]:
        out.insert(a["index"], a["id"])
    return out


@pytest.mark.parametrize("args", [
    {"filter": {"hasAnyRole": False}, "sort": [{"property": "name"}]},
    {"sort": [{"property": "sortOrder"}, {"property": "name", "isAscending": False}]},
    {"filter": {"parentId": None}},
    {},
])
def test_query_changes(account, tree, args):
    first = account.ok("Mailbox/query", args)
    if not first["canCalculateChanges"]:
        assert account.error("Mailbox/queryChanges", dict(
            args, sinceQueryState=first["queryState"])) == "cannotCalculateChanges"
        return
    new = create(account, n1={"name": "Aardvark"}, n2={"name": "zz top", "sortOrder": 99})
    account.ok("Mailbox/set", {"destroy": [tree["mid"]],
                               "update": {tree["zed"]: {"name": "Yak"}}})
    now = account.ok("Mailbox/query", dict(args, calculateTotal=True))
    ch = account.ok("Mailbox/queryChanges", dict(args, sinceQueryState=first["queryState"],
                                                 calculateTotal=True))
    assert ch["oldQueryState"] == first["queryState"]
    assert ch["newQueryState"] == now["queryState"]
    assert ch["total"] == now["total"]
    assert tree["mid"] in ch["removed"] if tree["mid"] in first["ids"] else True
    added = [a["id"] for a in ch["added"]]
    for nid in new.values():
        assert nid in added or nid not in now["ids"]
    assert _apply(first["ids"], ch) == now["ids"]

    same = account.ok("Mailbox/queryChanges", dict(args, sinceQueryState=now["queryState"]))
    assert same["removed"] == [] and same["added"] == []
    assert same["newQueryState"] == now["queryState"]


def test_query_changes_too_many(account, tree):
    args = {"filter": {"hasAnyRole": False}, "sort": [{"property": "name"}]}
    first = account.ok("Mailbox/query", args)
    if not first["canCalculateChanges"]:
        pytest.skip("this query cannot calculate changes")
    create(account, a={"name": "T1"}, b={"name": "T2"}, c={"name": "T3"})
    assert account.error("Mailbox/queryChanges", dict(
        args, sinceQueryState=first["queryState"], maxChanges=1)) == "tooManyChanges"


def test_query_changes_tree_queries(account, tree):
    for extra in ({"sortAsTree": True}, {"filterAsTree": True}):
        args = dict({"filter": {"name": "qq"}, "sort": [{"property": "name"}]}, **extra)
        first = account.ok("Mailbox/query", args)
        if first["canCalculateChanges"]:
            account.ok("Mailbox/set", {"update": {tree["plain"]: {"name": "qqplain"}}})
            now = account.ok("Mailbox/query", args)
            ch = account.ok("Mailbox/queryChanges", dict(
                args, sinceQueryState=first["queryState"]))
            assert _apply(first["ids"], ch) == now["ids"]
            account.ok("Mailbox/set", {"update": {tree["plain"]: {"name": "plain"}}})
        else:
            assert account.error("Mailbox/queryChanges", dict(
                args, sinceQueryState=first["queryState"])) == "cannotCalculateChanges"


# ---------------------------------------------------------------- isolation and states

def test_accounts_are_isolated(account, other_account):
    mine = create_one(account, name="Mine Only")
    theirs = all_mailboxes(other_account)
    assert mine not in theirs and "Mine Only" not in [m["name"] for m in theirs.values()]
    err = set_error(other_account, "update", mine, {mine: {"name": "Stolen"}})
    assert err["type"] == "notFound"
    err = set_error(other_account, "destroy", mine, [mine])
    assert err["type"] == "notFound"
    assert all_mailboxes(account)[mine]["name"] == "Mine Only"


def test_failed_set_leaves_state_alone(account):
    s0 = state(account)
    out = account.ok("Mailbox/set", {"create": {"k": {"name": ""}},
                                     "update": {"m999999999": {"name": "qq"}},
                                     "destroy": ["m999999998"]})
    assert out.get("created") in (None, {}) and out.get("updated") in (None, {})
    assert out.get("destroyed") in (None, [])
    assert out["newState"] == s0 and state(account) == s0
