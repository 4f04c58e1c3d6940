"""What the names GET /api/dns/records/{domain} asks admins to publish
find on this server (issue 5, item 6): the MTA-STS policy (RFC 8461),
Thunderbird's autoconfig and Outlook's POX autodiscover, all without
credentials, describing the server's own listeners."""
import http.client
import re
import subprocess
import xml.etree.ElementTree as ET

import tern

AUTOCONFIG = "/mail/config-v1.1.xml"
AUTOCONFIG_WK = "/.well-known/autoconfig/mail/config-v1.1.xml"
AUTODISCOVER = "/autodiscover/autodiscover.xml"
REQ_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESP_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
DEFAULT_POLICY = b"version: STSv1\r\nmode: testing\r\nmx: mail.test\r\nmax_age: 604800\r\n"


def _domain(srv):
    domain = tern.unique("ac") + ".test"
    srv.admin().create_domain(domain)
    return domain


def _sts_id(srv, domain):
    records = srv.admin().ok("GET", f"/dns/records/{domain}")
    sts = [r["value"] for r in records if r["name"] == f"_mta-sts.{domain}."]
    assert len(sts) == 1, records
    m = re.fullmatch(r"v=STSv1; id=([A-Za-z0-9]{1,32})", sts[0])
    assert m, sts
    return m.group(1)


def _autodiscover_body(address):
    return (f'<?xml version="1.0" encoding="utf-8"?>\r\n'
            f'<Autodiscover xmlns="{REQ_NS}"><Request>'
            f"<EMailAddress>{address}</EMailAddress>"
            f"<AcceptableResponseSchema>{OUTLOOK_NS}</AcceptableResponseSchema>"
            f"</Request></Autodiscover>")


def _post_xml(srv, body, path=AUTODISCOVER, **kw):
    return srv.request("POST", path, body=body,
                       headers={"Content-Type": "text/xml; charset=utf-8"}, **kw)


# ---------------------------------------------------------------- MTA-STS

def test_mta_sts_policy_default(server):
    for tls in (False, True):
        r = server.request("GET", "/.well-known/mta-sts.txt", tls=tls)
        assert r.status == 200, r
        assert r.header("Content-Type").split(";")[0].strip() == "text/plain"
        assert r.body == DEFAULT_POLICY
    r = server.request("HEAD", "/.well-known/mta-sts.txt")
    assert r.status == 200 and r.body == b""
    r = server.request("POST", "/.well-known/mta-sts.txt", body="x")
    assert r.status == 405 and "GET" in r.header("Allow")


def test_mta_sts_policy_configured_and_id_follows(server, ternd_factory):
    domain = _domain(server)
    default_id = _sts_id(server, domain)
    assert _sts_id(server, domain) == default_id

    srv = ternd_factory(extra='smtp = { mta-sts = { mode = "enforce"; max-age = "30d"; }; };')
    srv.start()
    r = srv.request("GET", "/.well-known/mta-sts.txt")
    assert r.status == 200
    assert r.body == b"version: STSv1\r\nmode: enforce\r\nmx: mail.test\r\nmax_age: 2592000\r\n"
    srv.admin().create_domain(domain)
    # same host name, other policy: another id for the same domain
    assert _sts_id(srv, domain) != default_id


def test_mta_sts_max_age_capped(ternd_factory):
    srv = ternd_factory(extra='smtp = { mta-sts = { mode = "none"; max-age = "800d"; }; };')
    srv.start()
    r = srv.request("GET", "/.well-known/mta-sts.txt")
    assert r.body == b"version: STSv1\r\nmode: none\r\nmx: mail.test\r\nmax_age: 31557600\r\n"


def test_mta_sts_bad_mode_refused(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text('smtp = { mta-sts = { mode = "strict"; }; };\n')
    r = subprocess.run([tern.TERND, "--config", str(conf), "--check"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode != 0
    assert "smtp.mta-sts.mode" in r.stderr and "enforce" in r.stderr, r.stderr


# ---------------------------------------------------------------- autoconfig

def _servers(root, tag):
    out = []
    for s in root.iter(tag):
        assert s.findtext("hostname") == "mail.test"
        assert s.findtext("username") == "%EMAILADDRESS%"
        assert s.findtext("authentication") == "password-cleartext"
        out.append((s.get("type"), int(s.findtext("port")), s.findtext("socketType")))
    return out


def _check_client_config(srv, body, domain):
    root = ET.fromstring(body)
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    provider = root.find("emailProvider")
    assert provider.get("id") == domain and provider.findtext("domain") == domain
    assert _servers(root, "incomingServer") == [
        ("imap", srv.imaps_port, "SSL"), ("imap", srv.imap_port, "STARTTLS"),
        ("pop3", srv.pop3s_port, "SSL"), ("pop3", srv.pop3_port, "STARTTLS")]
    # submission only: the inbound MTA port is not for clients
    assert _servers(root, "outgoingServer") == [
        ("smtp", srv.submissions_port, "SSL"), ("smtp", srv.submission_port, "STARTTLS")]


def test_autoconfig(server):
    domain = _domain(server)
    user = tern.new_account(server, domain=domain)
    for path in (AUTOCONFIG, AUTOCONFIG_WK):
        for address in (user.address, f"nobody@{domain.upper()}"):
            r = server.request("GET", f"{path}?emailaddress={address.replace('@', '%40')}")
            assert r.status == 200, r
            assert r.header("Content-Type").startswith("text/xml")
            _check_client_config(server, r.body, domain)
    r = server.request("GET", f"{AUTOCONFIG}?emailaddress={user.address}", tls=True)
    assert r.status == 200
    _check_client_config(server, r.body, domain)


def test_autoconfig_by_host(server):
    domain = _domain(server)
    for host in (f"autoconfig.{domain}", f"{domain}:{server.http_port}"):
        r = server.request("GET", AUTOCONFIG_WK, headers={"Host": host})
        assert r.status == 200, (host, r)
        _check_client_config(server, r.body, domain)
    r = server.request("GET", AUTOCONFIG_WK, headers={"Host": "autoconfig.elsewhere.test"})
    assert r.status == 404


def test_autoconfig_errors(server):
    domain = _domain(server)
    r = server.request("GET", f"{AUTOCONFIG}?emailaddress=someone%40nowhere.test")
    assert r.status == 404
    tern.problem(r, 404)
    # a principal that is not a domain is not a mail domain
    user = tern.new_account(server, domain=domain)
    r = server.request("GET", f"{AUTOCONFIG}?emailaddress=x%40{user.name}")
    assert r.status == 404
    for query in ("emailaddress=no-at-sign", "emailaddress=%40" + domain,
                  "emailaddress=a%40", "emailaddress=a%20b%40" + domain,
                  "emailaddress=a%40" + "x" * 300, "emailaddress=%zz"):
        r = server.request("GET", f"{AUTOCONFIG}?{query}")
        assert r.status == 400, (query, r)
    r = server.request("POST", AUTOCONFIG, body="x")
    assert r.status == 405


# ---------------------------------------------------------------- autodiscover

def _protocols(body):
    root = ET.fromstring(body)
    assert root.tag == f"{{{RESP_NS}}}Autodiscover"
    account = root.find(f"{{{OUTLOOK_NS}}}Response/{{{OUTLOOK_NS}}}Account")
    assert account.findtext(f"{{{OUTLOOK_NS}}}AccountType") == "email"
    assert account.findtext(f"{{{OUTLOOK_NS}}}Action") == "settings"
    out = {}
    for p in account.findall(f"{{{OUTLOOK_NS}}}Protocol"):
        fields = {child.tag.split("}")[1]: child.text for child in p}
        assert fields["Type"] not in out
        out[fields["Type"]] = fields
    return out


def test_autodiscover(server):
    domain = _domain(server)
    user = tern.new_account(server, domain=domain)
    for path in (AUTODISCOVER, "/Autodiscover/Autodiscover.xml"):
        r = _post_xml(server, _autodiscover_body(user.address), path=path)
        assert r.status == 200, r
        assert r.header("Content-Type").startswith("text/xml")
        protocols = _protocols(r.body)
        assert sorted(protocols) == ["IMAP", "POP3", "SMTP"]
        ports = {"IMAP": server.imaps_port, "POP3": server.pop3s_port,
                 "SMTP": server.submissions_port}
        for kind, p in protocols.items():
            assert p["Server"] == "mail.test"
            assert int(p["Port"]) == ports[kind]
            assert p["SSL"] == "on" and p["Encryption"] == "SSL"
            assert p["LoginName"] == user.address
            assert p["AuthRequired"] == "on"
    # the address is answered, whitespace trimmed; no auth even when wrong
    r = _post_xml(server, _autodiscover_body(f"  Who@{domain.upper()}\n"),
                  auth=("nobody", "wrong"))
    assert r.status == 200
    assert _protocols(r.body)["IMAP"]["LoginName"] == f"Who@{domain.upper()}"


def test_autodiscover_escapes_the_address(server):
    domain = _domain(server)
    r = _post_xml(server, _autodiscover_body(f"a&amp;b&lt;c@{domain}"))
    assert r.status == 200
    assert _protocols(r.body)["SMTP"]["LoginName"] == f"a&b<c@{domain}"


def test_autodiscover_errors(server):
    domain = _domain(server)
    r = _post_xml(server, _autodiscover_body("someone@nowhere.test"))
    assert r.status == 404
    bad = [
        "",
        "not xml at all",
        f"<Autodiscover><Request><EMailAddress>a@{domain}</EMailAddress></Request>",
        "<Autodiscover><Request></Request></Autodiscover>",
        f"<Other><Request><EMailAddress>a@{domain}</EMailAddress></Request></Other>",
        "<Autodiscover><Request><EMailAddress>not-an-address</EMailAddress>"
        "</Request></Autodiscover>",
        # entities: neither expanded nor fetched
        f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "{domain}">]>'
        "<Autodiscover><Request><EMailAddress>a@&e;</EMailAddress></Request></Autodiscover>",
        '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<Autodiscover><Request><EMailAddress>&e;</EMailAddress></Request></Autodiscover>",
        "<Autodiscover>" + "<a>" * 3000 + "</a>" * 3000 + "</Autodiscover>",
    ]
    for body in bad:
        r = _post_xml(server, body)
        assert r.status == 400, (body[:80], r)
        tern.problem(r, 400)
    r = server.request("GET", AUTODISCOVER)
    assert r.status == 405


def test_autodiscover_too_large(server):
    domain = _domain(server)
    body = _autodiscover_body(f"a@{domain}")
    pad = "<!--" + "x" * 40000 + "-->"
    r = _post_xml(server, body + pad)
    assert r.status == 413
    r = tern.send_oversized(server.http_port, "POST", AUTODISCOVER, 1024 * 1024,
                            headers={"Content-Type": "text/xml"})
    assert r.status == 413
    # no Content-Length: the bound holds on what arrives
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=60)
    try:
        conn.request("POST", AUTODISCOVER, body=iter([body.encode(), pad.encode()]),
                     headers={"Content-Type": "text/xml"}, encode_chunked=True)
        assert conn.getresponse().status == 413
    finally:
        conn.close()
    # the server still answers
    assert _post_xml(server, body).status == 200
