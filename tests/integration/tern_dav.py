"""DAV helpers for the integration tests: requests with an account's
credentials, and multistatus bodies read into plain Python objects."""
import xml.etree.ElementTree as ET

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:caldav}"
CR = "{urn:ietf:params:xml:ns:carddav}"
CS = "{http://calendarserver.org/ns/}"
A = "{http://apple.com/ns/ical/}"

NS_DECL = ('xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" '
           'xmlns:CR="urn:ietf:params:xml:ns:carddav" '
           'xmlns:CS="http://calendarserver.org/ns/" xmlns:A="http://apple.com/ns/ical/"')


def vcard(uid, fn, version="3.0", extra=""):
    return (f"BEGIN:VCARD\r\nVERSION:{version}\r\nUID:{uid}\r\nFN:{fn}\r\n"
            f"N:{fn.split()[-1]};{fn.split()[0]};;;\r\n{extra}END:VCARD\r\n")


def vevent(uid, start, end=None, summary="Event", extra="", comp="VEVENT"):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tern tests//EN",
             f"BEGIN:{comp}", f"UID:{uid}", "DTSTAMP:20240101T000000Z", f"DTSTART:{start}"]
    if end:
        lines.append(f"DTEND:{end}")
    lines.append(f"SUMMARY:{summary}")
    text = "\r\n".join(lines) + "\r\n" + extra
    return text + f"END:{comp}\r\nEND:VCALENDAR\r\n"


class Propstat:
    def __init__(self, href, status, props, error):
        self.href = href
        self.status = status        # status of a response without propstat
        self.props = props          # clark name -> (status code, element)
        self.error = error          # the DAV:error element or None

    def ok(self, name):
        status, el = self.props.get(name, (None, None))
        assert status == 200, f"{name} of {self.href}: {status}"
        return el

    def text(self, name):
        el = self.ok(name)
        return "".join(el.itertext())

    def hrefs(self, name):
        return [h.text for h in self.ok(name).findall(D + "href")]


def status_code(line):
    return int(line.split()[1])


def multistatus(r):
    """The responses of a 207, by href (and a "sync-token" entry)."""
    assert r.status == 207, f"{r.status} {r.body[:500]!r}"
    root = ET.fromstring(r.body)
    assert root.tag == D + "multistatus", root.tag
    out = {}
    for resp in root.findall(D + "response"):
        href = resp.find(D + "href").text
        props = {}
        for ps in resp.findall(D + "propstat"):
            code = status_code(ps.find(D + "status").text)
            for el in ps.find(D + "prop"):
                props[el.tag] = (code, el)
        st = resp.find(D + "status")
        out[href] = Propstat(href, status_code(st.text) if st is not None else None, props,
                             resp.find(D + "error"))
    token = root.find(D + "sync-token")
    if token is not None:
        out["sync-token"] = token.text
    return out


def error_element(r, status):
    """The precondition element of a DAV:error body (its tag)."""
    assert r.status == status, f"{r.status} {r.body[:500]!r}"
    root = ET.fromstring(r.body)
    assert root.tag == D + "error", root.tag
    return root[0].tag


def prop_body(*names, root="D:propfind"):
    inner = "".join(f"<{n}/>" for n in names)
    return f'<?xml version="1.0"?><{root} {NS_DECL}><D:prop>{inner}</D:prop></{root}>'


class Dav:
    """An account seen through DAV."""

    def __init__(self, account):
        self.account = account
        self.srv = account.srv
        self.name = account.name
        self.auth = (account.name, account.password)
        self.principal = f"/dav/principal/{self.name}/"
        self.card_home = f"/dav/card/{self.name}/"
        self.cal_home = f"/dav/cal/{self.name}/"
        self.book = self.card_home + "default/"
        self.cal = self.cal_home + "default/"

    def req(self, method, path, body=None, headers=None, depth=None, auth="default"):
        hdrs = dict(headers or {})
        if depth is not None:
            hdrs["Depth"] = str(depth)
        if body is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = "application/xml; charset=utf-8"
        return self.srv.request(method, path, body=body, headers=hdrs,
                                auth=self.auth if auth == "default" else auth)

    def propfind(self, path, *names, depth=0):
        return multistatus(self.req("PROPFIND", path, prop_body(*names), depth=depth))

    def report(self, path, body, depth=None):
        return self.req("REPORT", path, body, depth=depth)

    def put(self, path, text, ctype="text/vcard", headers=None):
        hdrs = dict(headers or {})
        hdrs["Content-Type"] = ctype
        return self.req("PUT", path, text, headers=hdrs)

    def put_card(self, name, text, headers=None, book=None):
        return self.put((book or self.book) + name, text, "text/vcard", headers)

    def put_event(self, name, text, headers=None, cal=None):
        return self.put((cal or self.cal) + name, text, "text/calendar", headers)

    def sync(self, path, token="", props=("D:getetag",), limit=None):
        lim = f"<D:limit><D:nresults>{limit}</D:nresults></D:limit>" if limit else ""
        inner = "".join(f"<{p}/>" for p in props)
        body = (f'<?xml version="1.0"?><D:sync-collection {NS_DECL}>'
                f"<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>{lim}"
                f"<D:prop>{inner}</D:prop></D:sync-collection>")
        return self.report(path, body)
