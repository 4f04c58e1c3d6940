#!/usr/bin/python3
"""Synthetic mail for the JMAP Mail benchmark: realistic 2-20 KB
messages from a few hundred senders, subjects and words drawn from a
Zipf-like vocabulary, about a third of them replies that thread with an
earlier message, a quarter multipart/alternative and some
multipart/mixed with a base64 attachment, a few non-ASCII names and
subjects in RFC 2047 encoded words. Deterministic for a given seed.

    gen_corpus.py COUNT OUTPUT [SEED]

OUTPUT is a sequence of records: an ASCII line "<size> <receivedAt>\\n"
followed by <size> octets of the message (CRLF line ends). read_corpus()
reads it back."""
import base64
import datetime
import random
import sys

FIRST = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
         "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter",
         "Zoë", "José", "Jürgen", "Søren", "Chloé", "Hana", "Kenji", "Priya", "Omar", "Lena",
         "Marta", "Tomás", "Ingrid", "Noah", "Emma", "Liam", "Mia", "Lucas", "Aiko", "Wei", "Sara"]
LAST = ["Archer", "Baker", "Chen", "Diaz", "Evans", "Fischer", "García", "Hughes", "Ito", "Jensen",
        "Kowalski", "Larsen", "Müller", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Silva",
        "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Young", "Zimmermann", "Brown", "Smith"]
DOMAINS = ["example.com", "example.net", "example.org", "corp.example", "mail.example",
           "lists.example", "shop.example", "uni.example", "dev.example", "news.example"]
TOPICS = ["meeting", "budget", "project", "invoice", "schedule", "customer", "release",
          "weekend", "contract", "report", "holiday", "deadline", "server", "design", "hiring",
          "training", "workshop", "migration", "quarterly", "roadmap"]
NOUNS = ["notes", "update", "plan", "review", "draft", "numbers", "agenda", "summary",
         "question", "proposal", "feedback", "results", "slides", "estimate", "timeline"]
COMMON = ("the of and to a in is that for it as was with be by on not he this are or his from at "
          "which but have an they you were her she there been one all we their has would when if "
          "so no will more can out up about into them some could time only new other than then "
          "these also its two may first any like now my such make over our even most after well "
          "way just see back because good through where much before should each those people "
          "please thanks let know think next week today tomorrow team work call send attached "
          "regards best hello hi following question").split()
SYLLABLES = ["ka", "lo", "mi", "ne", "tor", "sa", "ven", "ri", "qua", "del", "pon", "zu", "bar",
             "fen", "gil", "hos", "jin", "kel", "mar", "nob", "pel", "rud", "sil", "tem", "ulm"]


def _vocabulary(rng):
    words = list(COMMON) + TOPICS + NOUNS
    seen = set(words)
    while len(words) < 6000:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    weights = [1.0 / (i + 1) ** 1.05 for i in range(len(words))]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    return words, cum


def _encoded(text):
    """An RFC 2047 encoded word when text is not ASCII."""
    if text.isascii():
        return text
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def _person(rng):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{first}.{last}".lower().encode("ascii", "ignore").decode() or "someone"
    domain = DOMAINS[(len(first) * 7 + len(last)) % len(DOMAINS)]
    return f"{first} {last}", f"{local}@{domain}"


class Generator:
    def __init__(self, seed=1):
        self.rng = random.Random(seed)
        self.words, self.cum = _vocabulary(self.rng)
        self.people = [_person(self.rng) for _ in range(400)]
        self.recent = []            # (message-id, references, base subject)
        self.when = datetime.datetime(2023, 1, 1, 8, 0, tzinfo=datetime.timezone.utc)
        self.count = 0
        self.sentences, self.topical = [], {}

    def _pool(self, n, topic=None):
        """n random sentences (with topic in each when given)."""
        out = []
        for _ in range(n):
            k = self.rng.randint(6, 18)
            words = self.rng.choices(self.words, cum_weights=self.cum, k=k)
            if topic:
                words[self.rng.randrange(k)] = topic
            out.append(" ".join(words).capitalize() + ".")
        return out

    def _fold(self, para, lines):
        """Appends para folded at 72 columns, as mail clients do."""
        while len(para) > 72:
            cut = para.rfind(" ", 0, 72)
            if cut <= 0:
                cut = para.find(" ")
                if cut < 0:
                    break
            lines.append(para[:cut])
            para = para[cut + 1:]
        lines.append(para)

    def _text(self, size, topic):
        if not self.sentences:
            self.sentences = self._pool(20000)
            self.topical = {t: self._pool(400, t) for t in TOPICS}
        lines, length = [], 0
        while length < size:
            n = self.rng.randint(2, 6)
            picked = self.rng.choices(self.sentences, k=n)
            if self.rng.random() < 0.6:
                picked[0] = self.rng.choice(self.topical[topic])
            para = " ".join(picked)
            self._fold(para, lines)
            lines.append("")
            length += len(para) + 4 + len(para) // 36
        return "\r\n".join(lines)

    def _headers(self, mid, sender, subject, date, refs):
        name, addr = sender
        out = [f"Return-Path: <{addr}>",
               f"Received: from mx{self.rng.randint(1, 9)}.{addr.split('@')[1]} by mail.bench.test;"
               f" {date}",
               f"Message-ID: <{mid}>", f"Date: {date}",
               f"From: {_encoded(name)} <{addr}>", "To: Bench User <bench@bench.test>"]
        if self.rng.random() < 0.2:
            cc_name, cc_addr = self.rng.choice(self.people)
            out.append(f"Cc: {_encoded(cc_name)} <{cc_addr}>")
        out.append(f"Subject: {_encoded(subject)}")
        if refs:
            out += [f"In-Reply-To: <{refs[-1]}>",
                    "References: " + "\r\n ".join(f"<{r}>" for r in refs[-10:])]
        return out + ["MIME-Version: 1.0"]

    def _body(self, size, topic):
        kind = self.rng.random()
        text = self._text(size if kind < 0.60 else size // 2, topic)
        if kind < 0.60:
            return ["Content-Type: text/plain; charset=utf-8",
                    "Content-Transfer-Encoding: 8bit", "", text, ""]
        boundary = f"=_b{self.count}_{self.rng.getrandbits(32):08x}"
        if kind < 0.85:
            html = "<html><body>" + "".join(
                f"<p>{p}</p>" for p in text.split("\r\n\r\n") if p) + "</body></html>"
            return [f'Content-Type: multipart/alternative; boundary="{boundary}"', "",
                    f"--{boundary}", "Content-Type: text/plain; charset=utf-8",
                    "Content-Transfer-Encoding: 8bit", "", text, f"--{boundary}",
                    "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: 8bit",
                    "", html, f"--{boundary}--", ""]
        att = self.rng.randbytes(self.rng.randint(size // 8, size // 3))
        kind, name = self.rng.choice([("application/pdf", "report.pdf"),
                                      ("image/jpeg", "photo.jpg"),
                                      ("application/zip", "files.zip")])
        b64 = base64.encodebytes(att).decode().replace("\n", "\r\n").rstrip("\r\n")
        return [f'Content-Type: multipart/mixed; boundary="{boundary}"', "",
                f"--{boundary}", "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit", "", text,
                f"--{boundary}", f'Content-Type: {kind}; name="{name}"',
                f'Content-Disposition: attachment; filename="{name}"',
                "Content-Transfer-Encoding: base64", "", b64, f"--{boundary}--", ""]

    def message(self):
        """The next (receivedAt, raw bytes)."""
        rng = self.rng
        self.count += 1
        self.when += datetime.timedelta(seconds=rng.randint(1, 600))
        date = self.when.strftime("%a, %d %b %Y %H:%M:%S +0000")
        mid = f"{self.count}.{rng.getrandbits(40):010x}@bench.example"
        if self.recent and rng.random() < 0.35:
            parent_id, parent_refs, base, topic = rng.choice(self.recent[-2000:])
            refs = parent_refs + [parent_id]
            subject = "Re: " + base
        else:
            topic = rng.choice(TOPICS)
            base = f"{topic.capitalize()} {rng.choice(NOUNS)} {rng.randint(1, 999)}"
            if rng.random() < 0.05:
                base += " — ünïcode ✓"
            refs = []
            subject = base
        self.recent.append((mid, refs[-9:], base, topic))
        if len(self.recent) > 4000:
            del self.recent[:2000]
        size = int(2048 * (10 ** (rng.random())))    # 2 KB .. 20 KB, log-uniform
        lines = self._headers(mid, rng.choice(self.people), subject, date, refs)
        body_size = max(500, size - sum(len(x) + 2 for x in lines) - 150)
        raw = "\r\n".join(lines + self._body(body_size, topic)).encode()
        return self.when.strftime("%Y-%m-%dT%H:%M:%SZ"), raw


def write_corpus(count, path, seed=1):
    gen = Generator(seed)
    with open(path, "wb") as out:
        for _ in range(count):
            received, raw = gen.message()
            out.write(f"{len(raw)} {received}\n".encode() + raw)


def read_corpus(path, start=0, stop=None):
    """Yields (index, receivedAt, raw) for records start <= index < stop."""
    with open(path, "rb") as f:
        index = 0
        while stop is None or index < stop:
            head = f.readline()
            if not head:
                return
            size, received = head.split()
            if index >= start:
                yield index, received.decode(), f.read(int(size))
            else:
                f.seek(int(size), 1)
            index += 1


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    write_corpus(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 1)
