"""Plain WebDAV file collections under /dav/file/{account}/ (issue 6):
each method over the DavFile core type, with its error statuses."""
import pytest

from tern_dav import D, Dav, error_element, multistatus

LOCKINFO = ('<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
            "</D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>")


@pytest.fixture
def dav(account):
    d = Dav(account)
    d.files = f"/dav/file/{account.name}/"
    return d


def put(dav, path, data, ctype="text/plain", headers=None):
    hdrs = {"Content-Type": ctype}
    hdrs.update(headers or {})
    return dav.req("PUT", dav.files + path, data, headers=hdrs)


def dest(dav, path):
    return {"Destination": f"http://127.0.0.1:{dav.srv.http_port}{dav.files}{path}"}


def props(dav, path, depth=0):
    body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/>'
            "<D:getcontentlength/><D:getcontenttype/><D:getetag/><D:getlastmodified/>"
            "<D:creationdate/></D:prop></D:propfind>")
    return multistatus(dav.req("PROPFIND", dav.files + path, body, depth=depth))


def test_put_get_head(dav):
    data = b"hello\x00world\r\n" * 100
    r = put(dav, "a.bin", data, "application/octet-stream")
    assert r.status == 201, r
    etag = r.header("ETag")
    assert etag and etag.startswith('"')
    g = dav.req("GET", dav.files + "a.bin")
    assert g.status == 200 and g.body == data
    assert g.header("ETag") == etag
    assert g.header("Content-Type") == "application/octet-stream"
    assert g.header("Last-Modified").endswith("GMT")
    h = dav.req("HEAD", dav.files + "a.bin")
    assert h.status == 200 and h.body == b""
    assert dav.req("GET", dav.files + "a.bin",
                   headers={"If-None-Match": etag}).status == 304
    r = put(dav, "a.bin", b"new", headers={"If-Match": etag})
    assert r.status == 204 and r.header("ETag") != etag
    assert put(dav, "a.bin", b"x", headers={"If-Match": etag}).status == 412
    assert put(dav, "a.bin", b"x", headers={"If-None-Match": "*"}).status == 412
    assert dav.req("GET", dav.files + "a.bin").body == b"new"
    assert put(dav, "empty", b"").status == 201
    assert dav.req("GET", dav.files + "empty").body == b""


def test_mkcol_and_errors(dav):
    assert dav.req("MKCOL", dav.files + "dir/").status == 201
    assert dav.req("MKCOL", dav.files + "dir/").status == 405
    assert dav.req("MKCOL", dav.files + "none/sub/").status == 409
    assert dav.req("MKCOL", dav.files + "body/", "<x/>").status == 415
    assert put(dav, "none/f.txt", b"x").status == 409
    assert put(dav, "dir", b"x").status == 405
    assert put(dav, "dir/f.txt", b"x").status == 201
    assert dav.req("MKCOL", dav.files + "dir/f.txt/").status == 405
    assert put(dav, "dir/f.txt/g", b"x").status == 409
    assert dav.req("GET", dav.files + "nothing").status == 404
    assert dav.req("DELETE", dav.files + "nothing").status == 404


def test_propfind(dav):
    assert dav.req("MKCOL", dav.files + "p/").status == 201
    assert put(dav, "p/one.txt", b"12345", "text/plain").status == 201
    ms = props(dav, "p/", depth=1)
    folder = ms[dav.files + "p/"]
    assert folder.ok(D + "resourcetype").find(D + "collection") is not None
    f = ms[dav.files + "p/one.txt"]
    assert f.text(D + "getcontentlength") == "5"
    assert f.text(D + "getcontenttype") == "text/plain"
    assert f.text(D + "getetag").startswith('"')
    assert f.text(D + "getlastmodified").endswith("GMT")
    assert f.text(D + "creationdate").endswith("Z")
    assert f.ok(D + "resourcetype").find(D + "collection") is None
    assert folder.props[D + "getcontentlength"][0] == 404
    root = props(dav, "", depth=1)
    assert dav.files + "p/" in root
    r = dav.req("PROPFIND", dav.files, depth="infinity")
    assert error_element(r, 403) == D + "propfind-finite-depth"
    assert dav.req("PROPFIND", dav.files + "p/missing", depth=0).status == 404


def test_proppatch_dead_properties(dav):
    assert put(dav, "pp.txt", b"x").status == 201
    body = ('<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">'
            "<D:set><D:prop><Z:color>red</Z:color></D:prop></D:set></D:propertyupdate>")
    ms = multistatus(dav.req("PROPPATCH", dav.files + "pp.txt", body))
    assert ms[dav.files + "pp.txt"].props["{urn:z}color"][0] == 200
    q = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:z"><D:prop>'
         "<Z:color/></D:prop></D:propfind>")
    ms = multistatus(dav.req("PROPFIND", dav.files + "pp.txt", q, depth=0))
    assert ms[dav.files + "pp.txt"].text("{urn:z}color") == "red"
    # a protected property makes the whole update fail
    bad = ('<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">'
           "<D:set><D:prop><Z:size>1</Z:size><D:getetag>x</D:getetag></D:prop></D:set>"
           "</D:propertyupdate>")
    ms = multistatus(dav.req("PROPPATCH", dav.files + "pp.txt", bad))
    assert ms[dav.files + "pp.txt"].props[D + "getetag"][0] == 403
    assert ms[dav.files + "pp.txt"].props["{urn:z}size"][0] == 424
    rm = ('<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">'
          "<D:remove><D:prop><Z:color/></D:prop></D:remove></D:propertyupdate>")
    assert dav.req("PROPPATCH", dav.files + "pp.txt", rm).status == 207
    ms = multistatus(dav.req("PROPFIND", dav.files + "pp.txt", q, depth=0))
    assert ms[dav.files + "pp.txt"].props["{urn:z}color"][0] == 404
    assert dav.req("PROPPATCH", dav.files + "pp.txt", "<bad").status == 400


def test_copy_move(dav):
    assert dav.req("MKCOL", dav.files + "src/").status == 201
    assert dav.req("MKCOL", dav.files + "src/sub/").status == 201
    assert put(dav, "src/sub/f.txt", b"deep").status == 201
    r = dav.req("COPY", dav.files + "src/", headers=dest(dav, "copy/"))
    assert r.status == 201, r
    assert dav.req("GET", dav.files + "copy/sub/f.txt").body == b"deep"
    r = dav.req("COPY", dav.files + "src/", headers=dict(dest(dav, "copy/"), Overwrite="F"))
    assert r.status == 412
    r = dav.req("COPY", dav.files + "src/", depth=0, headers=dest(dav, "copy/"))
    assert r.status == 204
    assert dav.req("GET", dav.files + "copy/sub/f.txt").status == 404
    r = dav.req("COPY", dav.files + "src/sub/f.txt", headers=dest(dav, "none/f.txt"))
    assert r.status == 409
    r = dav.req("MOVE", dav.files + "src/sub/f.txt", headers=dest(dav, "moved.txt"))
    assert r.status == 201
    assert dav.req("GET", dav.files + "src/sub/f.txt").status == 404
    assert dav.req("GET", dav.files + "moved.txt").body == b"deep"
    r = dav.req("MOVE", dav.files + "src/", headers=dest(dav, "src/sub/inside/"))
    assert r.status == 403
    r = dav.req("MOVE", dav.files + "src/", headers=dest(dav, "copy/"))
    assert r.status == 204
    assert dav.req("PROPFIND", dav.files + "copy/sub/", depth=0).status == 207
    assert dav.req("PROPFIND", dav.files + "src/", depth=0).status == 404
    assert dav.req("COPY", dav.files + "moved.txt").status == 400


def test_delete_recursive(dav):
    assert dav.req("MKCOL", dav.files + "d/").status == 201
    assert dav.req("MKCOL", dav.files + "d/e/").status == 201
    assert put(dav, "d/e/f", b"f").status == 201
    assert dav.req("DELETE", dav.files + "d/").status == 204
    assert dav.req("GET", dav.files + "d/e/f").status == 404
    assert dav.req("PROPFIND", dav.files + "d/", depth=0).status == 404
    assert dav.req("DELETE", dav.files).status == 403


def test_lock_unlock(dav):
    assert put(dav, "l.txt", b"x").status == 201
    r = dav.req("LOCK", dav.files + "l.txt", LOCKINFO, depth=0,
                headers={"Timeout": "Second-60"})
    assert r.status == 200, r
    token = r.header("Lock-Token")[1:-1]
    assert put(dav, "l.txt", b"y").status == 423
    assert dav.req("DELETE", dav.files + "l.txt").status == 423
    assert put(dav, "l.txt", b"y", headers={"If": f"(<{token}>)"}).status == 204
    r = dav.req("UNLOCK", dav.files + "l.txt", headers={"Lock-Token": f"<{token}>"})
    assert r.status == 204
    assert put(dav, "l.txt", b"z").status == 204
    # a lock on an unmapped name makes an empty file
    r = dav.req("LOCK", dav.files + "new.txt", LOCKINFO, depth=0)
    assert r.status == 201
    assert dav.req("GET", dav.files + "new.txt").body == b""
    assert dav.req("UNLOCK", dav.files + "new.txt", headers={"Lock-Token": "<x>"}).status == 409


def test_options_and_bad_paths(dav, other_account):
    r = dav.req("OPTIONS", dav.files)
    assert r.status == 200 and "2" in r.header("DAV")
    assert "MKCOL" in r.header("Allow")
    r = dav.req("GET", f"/dav/file/{other_account.name}/x")
    assert error_element(r, 403) == D + "need-privileges"
    assert dav.req("GET", dav.files + "a/%2e%2e/b").status == 400
    assert dav.req("GET", dav.files + "a%2fb").status == 400
    assert dav.req("GET", dav.files + "%zz").status == 400
    assert dav.req("REPORT", dav.files, "<x/>").status == 405
    assert dav.req("PUT", "/dav/file/", "x").status == 405
    assert dav.req("PROPFIND", "/dav/file/", depth=0).status == 207


def test_davfile_is_not_over_http(dav):
    assert put(dav, "seen.txt", b"x").status == 201
    name, out = dav.account.jmap.call("DavFile/get", {"accountId": dav.account.id},
                                      ["urn:ietf:params:jmap:core"])
    assert name == "error" and out["type"] == "unknownMethod"
