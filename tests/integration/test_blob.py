"""Blob management, RFC 9404: the capability, Blob/upload (inline data,
ranges of other blobs, creation references used by Email/import in the
same request), Blob/get (data forms, ranges, digests), Blob/lookup.
Issue 3, item 6."""
import base64
import hashlib

import pytest

from tern import CORE, MAIL
from tern_mail import (BLOB, b64, download, get_email, import_raw, mailbox, mailboxes, message,
                       upload)

B_USING = [CORE, BLOB]
BM_USING = [CORE, MAIL, BLOB]
DIGESTS = {"sha": hashlib.sha1, "sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def bok(acct, method, args, using=B_USING):
    return acct.ok(method, args, using=using)


def berr(acct, method, args, using=B_USING):
    return acct.error(method, args, using=using)


def blob_upload(acct, objs, using=B_USING):
    return bok(acct, "Blob/upload", {"create": objs}, using)


def blob_get(acct, ids, properties=None, **extra):
    args = dict(extra, ids=ids)
    if properties is not None:
        args["properties"] = properties
    return bok(acct, "Blob/get", args)


def caps(acct):
    return acct.jmap.session()["accounts"][acct.id]["accountCapabilities"][BLOB]


def test_session_advertises_blob(account):
    s = account.jmap.session()
    assert s["capabilities"][BLOB] == {}
    c = caps(account)
    assert c["maxSizeBlobSet"] is None or (isinstance(c["maxSizeBlobSet"], int)
                                           and c["maxSizeBlobSet"] > 0)
    assert isinstance(c["maxDataSources"], int) and c["maxDataSources"] >= 1
    assert "Email" in c["supportedTypeNames"]
    assert c["supportedDigestAlgorithms"] and set(c["supportedDigestAlgorithms"]) <= set(DIGESTS)


def test_upload_inline_text_and_base64(account):
    data = "hello wörld ✓".encode()
    out = blob_upload(account, {"a": {"data": [{"data:asText": "hello "},
                                               {"data:asBase64": b64("wörld ✓".encode())}],
                                      "type": "text/plain"}})
    assert out["accountId"] == account.id
    made = out["created"]["a"]
    assert made["size"] == len(data) and made["type"] == "text/plain"
    assert download(account, made["id"], "text/plain") == data
    got = blob_get(account, [made["id"]], ["data:asText", "size"])["list"][0]
    assert got["id"] == made["id"] and got["data:asText"] == "hello wörld ✓"
    assert got["size"] == len(data)
    assert got.get("isEncodingProblem", False) is False and got.get("isTruncated", False) is False


def test_upload_from_ranges_of_other_blobs(account):
    src = upload(account, b"0123456789abcdef", "application/octet-stream")
    out = blob_upload(account, {"r": {"data": [
        {"blobId": src, "offset": 10, "length": 6},
        {"data:asText": "-"},
        {"blobId": src, "length": 3},
        {"blobId": src, "offset": 14},
    ]}})
    made = out["created"]["r"]
    assert download(account, made["id"]) == b"abcdef-012ef"
    assert made["size"] == 12


def test_upload_errors(account):
    c = caps(account)
    src = upload(account, b"short", "application/octet-stream")
    out = blob_upload(account, {
        "missing": {"data": [{"blobId": "Gnosuchblob0"}]},
        "past-end": {"data": [{"blobId": src, "offset": 3, "length": 10}]},
        "two-forms": {"data": [{"data:asText": "a", "data:asBase64": "YQ=="}]},
        "bad-base64": {"data": [{"data:asBase64": "!!!not base64!!!"}]},
        "no-data": {"type": "text/plain"},
        "too-many": {"data": [{"data:asText": "x"}] * (c["maxDataSources"] + 1)},
    })
    errs = out["notCreated"]
    assert errs["missing"]["type"] in ("invalidProperties", "blobNotFound"), errs
    for key in ("past-end", "two-forms", "bad-base64", "no-data"):
        assert errs[key]["type"] == "invalidProperties", (key, errs[key])
    assert isinstance(errs["too-many"]["type"], str)
    assert not out.get("created")


def test_upload_staged_and_unstaged_in_one_call(account):
    """Blob/upload writes plain inline data before its transaction and
    the rest inside it: a call that mixes them answers as if each were
    written in turn, and leaves no temporary file behind."""
    out = blob_upload(account, {
        "a": {"data": [{"data:asText": "first"}]},
        "ref": {"data": [{"blobId": "#a", "offset": 1, "length": 3}, {"data:asText": "!"}]},
        "bad": {"data": [{"data:asText": "x"}], "kind": "unknown"},
        "bin": {"data": [{"data:asBase64": b64(b"\x00\x01binary")}, {"data:asText": "+text"}]},
        "same": {"data": [{"data:asText": "fir"}, {"data:asText": "st"}]},
    })
    made = out["created"]
    assert download(account, made["a"]["id"]) == b"first"
    assert download(account, made["ref"]["id"]) == b"irs!"
    assert download(account, made["bin"]["id"]) == b"\x00\x01binary+text"
    assert made["bin"]["size"] == 13
    assert made["same"]["id"] == made["a"]["id"]
    assert out["notCreated"]["bad"]["type"] == "invalidProperties"
    tmp = account.srv.data / "accounts" / account.id[1:] / "tmp"
    assert list(tmp.iterdir()) == []


def test_get_data_forms_and_digests(account):
    text = "Grüße\n".encode()
    binary = bytes([0, 255, 254, 1, 128])
    t = upload(account, text, "text/plain")
    b = upload(account, binary, "application/octet-stream")
    algos = caps(account)["supportedDigestAlgorithms"]
    props = ["data:asText", "data:asBase64", "size"] + [f"digest:{a}" for a in algos]
    out = blob_get(account, [t, b, "Gnosuchblob0"], props)
    assert out["notFound"] == ["Gnosuchblob0"]
    got = {x["id"]: x for x in out["list"]}
    assert got[t]["data:asText"] == "Grüße\n"
    assert base64.b64decode(got[t]["data:asBase64"]) == text
    assert got[t]["size"] == len(text)
    assert got[b]["data:asText"] is None and got[b]["isEncodingProblem"] is True
    assert base64.b64decode(got[b]["data:asBase64"]) == binary
    for a in algos:
        for blob_id, data in ((t, text), (b, binary)):
            want = base64.b64encode(DIGESTS[a](data).digest()).decode()
            assert got[blob_id][f"digest:{a}"] == want, (a, got[blob_id])
    # "data" picks text when the bytes are UTF-8, base64 when they are not.
    plain = {x["id"]: x for x in blob_get(account, [t, b], ["data"])["list"]}
    assert plain[t]["data:asText"] == "Grüße\n" and "data:asBase64" not in plain[t]
    assert base64.b64decode(plain[b]["data:asBase64"]) == binary
    assert "data:asText" not in plain[b]


def test_get_defaults_to_data_and_size(account):
    t = upload(account, b"plain text", "text/plain")
    got = blob_get(account, [t])["list"][0]
    assert got["data:asText"] == "plain text" and got["size"] == 10


def test_get_ranges(account):
    t = upload(account, b"0123456789", "text/plain")
    got = blob_get(account, [t], ["data:asText", "size", "digest:sha-256"], offset=2,
                   length=5)["list"][0]
    assert got["data:asText"] == "23456" and got["size"] == 10
    assert got.get("isTruncated", False) is False
    assert got["digest:sha-256"] == base64.b64encode(hashlib.sha256(b"23456").digest()).decode()
    got = blob_get(account, [t], ["data:asText"], offset=7, length=10)["list"][0]
    assert got["data:asText"] == "789" and got["isTruncated"] is True


def test_get_unknown_property(account):
    t = upload(account, b"x", "text/plain")
    assert berr(account, "Blob/get", {"ids": [t], "properties": ["digest:md4"]}) \
        == "invalidArguments"
    assert berr(account, "Blob/get", {"ids": [t], "properties": ["nope"]}) == "invalidArguments"


def test_methods_need_the_blob_capability(account):
    t = upload(account, b"x", "text/plain")
    assert account.error("Blob/get", {"ids": [t]}, using=[CORE, MAIL]) == "unknownMethod"
    assert account.error("Blob/upload", {"create": {}}, using=[CORE, MAIL]) == "unknownMethod"


def test_upload_and_import_in_one_request(account):
    """RFC 9404 §4.1: a Blob/upload creation id may be used as "#id" by
    later methods of the request, here Email/import."""
    inbox = mailbox(account, "inbox")
    raws = [message(subject=f"Inline {i}", body=f"Inline body {i}.\n") for i in range(3)]
    calls = [
        ["Blob/upload", {"accountId": account.id, "create": {
            f"b{i}": {"data": [{"data:asBase64": b64(r)}], "type": "message/rfc822"}
            for i, r in enumerate(raws)}}, "0"],
        ["Email/import", {"accountId": account.id, "emails": {
            f"e{i}": {"blobId": f"#b{i}", "mailboxIds": {inbox: True}} for i in range(3)}}, "1"],
    ]
    out = account.jmap.request(calls, BM_USING)["methodResponses"]
    assert [r[0] for r in out] == ["Blob/upload", "Email/import"], out
    created = out[1][1]["created"]
    assert sorted(created) == ["e0", "e1", "e2"]
    for i in range(3):
        e = get_email(account, created[f"e{i}"]["id"], ["subject", "size"])
        assert e["subject"] == f"Inline {i}" and e["size"] == len(raws[i])
        assert created[f"e{i}"]["blobId"] == out[0][1]["created"][f"b{i}"]["id"]


def test_lookup(account):
    boxes = mailboxes(account)
    made = import_raw(account, message(subject="Lookup"),
                      mailbox_ids={boxes["inbox"]: True, boxes["archive"]: True})
    lone = upload(account, b"nobody uses me", "text/plain")
    out = bok(account, "Blob/lookup", {"typeNames": ["Email", "Mailbox", "Thread"],
                                       "ids": [made["blobId"], lone, "Gnosuchblob0"]}, BM_USING)
    got = {x["id"]: x["matchedIds"] for x in out["list"]}
    assert got[made["blobId"]]["Email"] == [made["id"]]
    assert sorted(got[made["blobId"]]["Mailbox"]) == sorted([boxes["inbox"], boxes["archive"]])
    assert got[made["blobId"]]["Thread"] == [made["threadId"]]
    assert got[lone] == {"Email": [], "Mailbox": [], "Thread": []}
    # An unknown blob is either reported not found or matched by nothing.
    assert "Gnosuchblob0" in (out.get("notFound") or []) or \
        got["Gnosuchblob0"] == {"Email": [], "Mailbox": [], "Thread": []}


def test_lookup_unknown_type(account):
    t = upload(account, b"x", "text/plain")
    assert berr(account, "Blob/lookup", {"typeNames": ["NoSuchType"], "ids": [t]}) \
        == "unknownDataType"


def test_blobs_of_other_accounts_are_invisible(account, other_account):
    mine = upload(account, b"secret", "text/plain")
    out = blob_get(other_account, [mine], ["data:asText"])
    assert out["list"] == [] and out["notFound"] == [mine]
    out = blob_upload(other_account, {"c": {"data": [{"blobId": mine}]}})
    assert "c" in out["notCreated"]


@pytest.mark.parametrize("size", [0, 1, 70000])
def test_upload_sizes(account, size):
    data = bytes(i % 251 for i in range(size))
    made = blob_upload(account, {"x": {"data": [{"data:asBase64": b64(data)}]}})["created"]["x"]
    assert made["size"] == size
    assert download(account, made["id"]) == data
