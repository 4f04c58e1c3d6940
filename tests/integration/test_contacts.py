"""JMAP for Contacts, RFC 9610, over HTTP (issue 6): the default address
book, ContactCard set/get/query/changes as a JMAP client sees them, and
the urn:tern:dav vendor properties staying out of reach."""
import tern

CONTACTS = "urn:ietf:params:jmap:contacts"
USING = [tern.CORE, CONTACTS]


def ok(acct, method, args=None):
    return acct.ok(method, args, using=USING)


def create_card(acct, card):
    card = dict(card, addressBookIds={default_book(acct): True})
    out = ok(acct, "ContactCard/set", {"create": {"c": card}})
    assert not out.get("notCreated"), out
    return out["created"]["c"]


def default_book(acct):
    books = ok(acct, "AddressBook/get")["list"]
    return next(b["id"] for b in books if b["isDefault"])


def test_session_advertises_contacts(account):
    s = account.jmap.session()
    assert CONTACTS in s["capabilities"]
    assert "urn:tern:dav" not in s["capabilities"]
    caps = s["accounts"][account.id]["accountCapabilities"][CONTACTS]
    assert caps == {"maxAddressBooksPerCard": 1, "mayCreateAddressBook": True}
    assert s["primaryAccounts"][CONTACTS] == account.id


def test_new_account_has_default_address_book(account):
    out = ok(account, "AddressBook/get")
    assert len(out["list"]) == 1
    book = out["list"][0]
    assert book["name"] == "Contacts" and book["isDefault"] and book["isSubscribed"]
    assert "davName" not in book
    assert book["myRights"]["mayWrite"]


def test_card_round_trip_and_query(account):
    created = create_card(account, {
        "name": {"components": [{"kind": "given", "value": "Grace"},
                                {"kind": "surname", "value": "Hopper"}]},
        "emails": {"w": {"address": "grace@navy.example", "contexts": {"work": True}}},
        "phones": {"m": {"number": "+1 555 0100", "features": {"mobile": True}}},
        "anniversaries": {"b": {"kind": "birth",
                                "date": {"@type": "PartialDate", "year": 1906,
                                         "month": 12, "day": 9}}},
    })
    assert created["uid"].startswith("urn:uuid:")
    card = ok(account, "ContactCard/get", {"ids": [created["id"]]})["list"][0]
    assert card["emails"]["w"]["address"] == "grace@navy.example"
    assert card["phones"]["m"]["features"] == {"mobile": True}
    assert card["anniversaries"]["b"]["date"]["year"] == 1906
    ids = ok(account, "ContactCard/query", {"filter": {"email": "NAVY"}})["ids"]
    assert ids == [created["id"]]
    ids = ok(account, "ContactCard/query", {"filter": {"name/surname": "hopper"}})["ids"]
    assert ids == [created["id"]]
    assert ok(account, "ContactCard/query", {"filter": {"phone": "999"}})["ids"] == []


def test_update_changes_destroy(account):
    state = ok(account, "ContactCard/get", {"ids": []})["state"]
    created = create_card(account, {"uid": "plain-uid", "name": {"full": "A B"}})
    out = ok(account, "ContactCard/set",
             {"update": {created["id"]: {"name/full": "C D", "notes": {"n": {"note": "hi"}}}}})
    assert created["id"] in out["updated"]
    card = ok(account, "ContactCard/get", {"ids": [created["id"]]})["list"][0]
    assert card["name"]["full"] == "C D" and card["notes"]["n"]["note"] == "hi"
    changes = ok(account, "ContactCard/changes", {"sinceState": state})
    assert changes["created"] == [created["id"]]
    out = ok(account, "ContactCard/set", {"destroy": [created["id"]]})
    assert out["destroyed"] == [created["id"]]
    changes = ok(account, "ContactCard/changes", {"sinceState": state})
    assert changes["created"] == [] and changes["destroyed"] == []


def test_dav_properties_are_not_for_http(account):
    assert account.error("ContactCard/get", {"properties": ["davData"]},
                         using=USING) == "invalidArguments"
    out = ok(account, "ContactCard/set", {"create": {"x": {
        "addressBookIds": {default_book(account): True},
        "davData": "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x\r\nFN:x\r\nEND:VCARD\r\n"}}})
    assert out["notCreated"]["x"]["properties"] == ["davData"]


def test_uid_conflict(account):
    first = create_card(account, {"uid": "twin"})
    out = ok(account, "ContactCard/set", {"create": {"x": {
        "uid": "twin", "addressBookIds": {default_book(account): True}}}})
    err = out["notCreated"]["x"]
    assert err["type"] == "alreadyExists" and err["existingId"] == first["id"]
