"""VacationResponse (RFC 8621 §8) and Quota (RFC 9425): the singleton,
Quota/get, Quota/changes, Quota/query, and overQuota at import and at
create for an account given a small quota through the admin API.
Issue 3, items 4 and 5."""
import pytest

from tern_mail import (QUOTA, VACATION, account_with, create_error, email_set, import_raw,
                       mailbox, message, upload)
from tern import CORE, MAIL

V_USING = [CORE, MAIL, VACATION]
Q_USING = [CORE, MAIL, QUOTA]
VACATION_PROPS = {"id", "isEnabled", "fromDate", "toDate", "subject", "textBody", "htmlBody"}
QUOTA_REQUIRED = {"id", "resourceType", "used", "hardLimit", "scope", "name", "types"}
QUOTA_OPTIONAL = {"warnLimit", "softLimit", "description"}
LIMIT = 20000


# ---------------------------------------------------------------- VacationResponse

def vget(acct, ids=None):
    return acct.ok("VacationResponse/get", {"ids": ids}, using=V_USING)


def vset(acct, **args):
    return acct.ok("VacationResponse/set", args, using=V_USING)


def test_session_advertises_vacation_response(account):
    s = account.jmap.session()
    assert s["capabilities"][VACATION] == {}
    assert s["accounts"][account.id]["accountCapabilities"][VACATION] == {}
    assert s["primaryAccounts"][VACATION] == account.id


def test_vacation_response_is_a_singleton(account):
    out = vget(account)
    assert out["accountId"] == account.id and isinstance(out["state"], str)
    assert len(out["list"]) == 1
    v = out["list"][0]
    assert set(v) == VACATION_PROPS, v
    assert v["id"] == "singleton" and v["isEnabled"] is False
    for k in ("fromDate", "toDate", "subject", "textBody", "htmlBody"):
        assert v[k] is None or isinstance(v[k], str), (k, v)
    out = vget(account, ["singleton", "other"])
    assert [x["id"] for x in out["list"]] == ["singleton"] and out["notFound"] == ["other"]
    assert vget(account, ["singleton"])["list"][0] == v


def test_vacation_response_update(account):
    before = vget(account)["state"]
    out = vset(account, update={"singleton": {
        "isEnabled": True, "fromDate": "2024-07-01T00:00:00Z", "toDate": "2024-07-15T00:00:00Z",
        "subject": "Out of office ✈", "textBody": "Back on the 15th.",
        "htmlBody": "<p>Back on the <b>15th</b>.</p>"}})
    assert "singleton" in out["updated"], out
    assert out["oldState"] == before and out["newState"] != before
    v = vget(account)["list"][0]
    assert v == {"id": "singleton", "isEnabled": True, "fromDate": "2024-07-01T00:00:00Z",
                 "toDate": "2024-07-15T00:00:00Z", "subject": "Out of office ✈",
                 "textBody": "Back on the 15th.", "htmlBody": "<p>Back on the <b>15th</b>.</p>"}
    vset(account, update={"singleton": {"isEnabled": False, "toDate": None, "htmlBody": None}})
    v = vget(account)["list"][0]
    assert (v["isEnabled"], v["toDate"], v["htmlBody"], v["textBody"]) == \
        (False, None, None, "Back on the 15th.")


def test_vacation_response_set_errors(account):
    out = vset(account, create={"v": {"isEnabled": True}})
    assert out["notCreated"]["v"]["type"] == "singleton", out
    out = vset(account, destroy=["singleton"])
    assert out["notDestroyed"]["singleton"]["type"] == "singleton", out
    out = vset(account, update={"other": {"isEnabled": True}})
    assert out["notUpdated"]["other"]["type"] == "notFound", out
    for patch in ({"isEnabled": "yes"}, {"fromDate": "tomorrow"}, {"subject": 5},
                  {"id": "other"}, {"noSuchProperty": 1}):
        out = vset(account, update={"singleton": patch})
        assert out["notUpdated"]["singleton"]["type"] == "invalidProperties", (patch, out)
    assert vget(account)["list"][0]["isEnabled"] is False


def test_vacation_response_needs_its_capability(account):
    assert account.error("VacationResponse/get", {"ids": None}) == "unknownMethod"


# ---------------------------------------------------------------- Quota

def qok(acct, method, args, using=Q_USING):
    return acct.ok(method, args, using=using)


@pytest.fixture
def limited(server):
    return account_with(server, quota=LIMIT)


def octet_quota(acct):
    got = qok(acct, "Quota/get", {"ids": None})["list"]
    mine = [q for q in got if q["resourceType"] == "octets" and q["scope"] == "account"]
    assert len(mine) == 1, got
    return mine[0]


def sized_message(n, size=6000):
    raw = message(subject=f"Quota filler {n}", body="")
    return raw + b"x" * (size - len(raw) - 2) + b"\r\n"


def test_session_advertises_quota(account):
    s = account.jmap.session()
    assert s["capabilities"][QUOTA] == {}
    assert s["accounts"][account.id]["accountCapabilities"][QUOTA] == {}


def test_quota_get(limited):
    q = octet_quota(limited)
    assert QUOTA_REQUIRED <= set(q) <= QUOTA_REQUIRED | QUOTA_OPTIONAL, q
    assert q["hardLimit"] == LIMIT and q["used"] == 0
    assert "Email" in q["types"]
    assert isinstance(q["name"], str) and q["name"]
    out = qok(limited, "Quota/get", {"ids": [q["id"], "nosuchquota"]})
    assert [x["id"] for x in out["list"]] == [q["id"]] and out["notFound"] == ["nosuchquota"]
    only = qok(limited, "Quota/get", {"ids": [q["id"]], "properties": ["used"]})["list"]
    assert only == [{"id": q["id"], "used": 0}]


def test_quota_types_follow_the_capabilities_used(limited):
    """RFC 9425 §4.1: types the client did not ask for are filtered out,
    and quotas left with none are not returned."""
    got = qok(limited, "Quota/get", {"ids": None}, using=[CORE, QUOTA])["list"]
    assert all("Email" not in q["types"] and q["types"] for q in got), got


def test_quota_methods_need_their_capability(limited):
    assert limited.error("Quota/get", {"ids": None}) == "unknownMethod"


def test_used_follows_imports_and_destroys(limited):
    q0 = octet_quota(limited)
    s0 = qok(limited, "Quota/get", {"ids": []})["state"]
    a = import_raw(limited, sized_message(1))
    b = import_raw(limited, sized_message(2))
    q = octet_quota(limited)
    assert q["used"] == a["size"] + b["size"]
    ch = qok(limited, "Quota/changes", {"sinceState": s0})
    assert ch["updated"] == [q0["id"]] and ch["created"] == [] and ch["destroyed"] == []
    assert ch["updatedProperties"] in (["used"], None), ch
    assert ch["newState"] == qok(limited, "Quota/get", {"ids": []})["state"]
    email_set(limited, destroy=[a["id"]])
    assert octet_quota(limited)["used"] == b["size"]


def test_changes_chain_into_get_with_updated_properties(limited):
    s0 = qok(limited, "Quota/get", {"ids": []})["state"]
    import_raw(limited, sized_message(1))
    out = limited.jmap.request([
        ["Quota/changes", {"accountId": limited.id, "sinceState": s0}, "0"],
        ["Quota/get", {"accountId": limited.id,
                       "#ids": {"resultOf": "0", "name": "Quota/changes", "path": "/updated"},
                       "#properties": {"resultOf": "0", "name": "Quota/changes",
                                       "path": "/updatedProperties"}}, "1"],
    ], Q_USING)["methodResponses"]
    assert [r[0] for r in out] == ["Quota/changes", "Quota/get"], out
    if out[0][1]["updatedProperties"] == ["used"]:
        assert [set(q) for q in out[1][1]["list"]] == [{"id", "used"}]


def test_over_quota_at_import_and_create(limited):
    inbox = mailbox(limited, "inbox")
    made = [import_raw(limited, sized_message(i)) for i in range(3)]
    used = sum(m["size"] for m in made)
    assert used <= LIMIT < used + 6000
    blob = upload(limited, sized_message(9))
    out = limited.ok("Email/import", {"emails": {"big": {"blobId": blob,
                                                         "mailboxIds": {inbox: True}}}})
    assert out["notCreated"]["big"]["type"] == "overQuota", out
    err = create_error(limited, {
        "mailboxIds": {mailbox(limited, "drafts"): True}, "subject": "too big",
        "textBody": [{"partId": "1", "type": "text/plain"}],
        "bodyValues": {"1": {"value": "y" * 6000}}})
    assert err["type"] == "overQuota", err
    assert octet_quota(limited)["used"] == used
    assert len(limited.ok("Email/query", {})["ids"]) == 3
    # Freeing space lets the import through.
    email_set(limited, destroy=[made[0]["id"]])
    out = limited.ok("Email/import", {"emails": {"big": {"blobId": blob,
                                                         "mailboxIds": {inbox: True}}}})
    assert "big" in out["created"], out


def test_quota_query(limited):
    q = octet_quota(limited)

    def ids(**args):
        return qok(limited, "Quota/query", args)["ids"]

    assert q["id"] in ids()
    assert q["id"] in ids(filter={"scope": "account"})
    assert q["id"] in ids(filter={"resourceType": "octets"})
    assert q["id"] in ids(filter={"type": "Email"})
    assert q["id"] in ids(filter={"name": q["name"]})
    assert q["id"] not in ids(filter={"resourceType": "count"})
    assert ids(filter={"type": "NoSuchType"}) == []
    assert ids(filter={"name": "no-such-quota-name-anywhere"}) == []
    assert q["id"] in ids(sort=[{"property": "name"}])
    assert q["id"] in ids(sort=[{"property": "used", "isAscending": False}])
    assert limited.error("Quota/query", {"sort": [{"property": "nope"}]}, using=Q_USING) \
        == "unsupportedSort"
