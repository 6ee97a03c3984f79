#!/usr/bin/env python3
"""gen_corpus.py - a labelled corpus for the PII detectors (python3 stdlib only).

    gen_corpus.py OUTDIR [--seed N] [--docs N] [--perf-mb N]

Writes OUTDIR/corpus/<format>/<name> files in every format the scanner
reads, and OUTDIR/truth.json with, per file, the format and the number of
true identifiers of each kind it holds; plus the distinct values per kind.
Each document mixes real identifiers (valid NIRs, IBANs, card numbers,
phones, e-mails, SIRETs, birth dates, addresses) with look-alikes that must
not count: NIRs, IBANs and cards with a wrong key, invoice and order
numbers, bare digit runs, phone numbers glued inside longer digit runs,
ordinary dates, amounts.  With --perf-mb, also OUTDIR/perf/ with that many
megabytes of French text for the throughput measure.

Everything derives from the seed: the same seed gives the same bytes.
"""
import argparse
import base64
import io
import json
import os
import quopri
import random
import zipfile
import zlib
from xml.sax.saxutils import escape as xml_escape

KINDS = ["nir", "iban", "card", "siret", "email", "phone", "birthdate", "address"]

FIRST = ["Jean", "Marie", "Pierre", "Sophie", "Luc", "Anne", "Michel", "Isabelle", "Nicolas",
         "Camille", "Hélène", "François", "Chloé", "Gaëlle", "Jérôme", "Agnès", "Loïc", "Amélie"]
LAST = ["Dupont", "Martin", "Bernard", "Durand", "Lefèvre", "Moreau", "Laurent", "Simon",
        "Michel", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Boyer", "Chevalier"]
DOMAINS = ["example.fr", "mairie-donges.fr", "orange.fr", "laposte.net", "free.fr",
           "cc-estuaire.fr", "gmail.com", "wanadoo.fr"]
STREETS = ["rue de la Paix", "avenue Jean Jaurès", "boulevard de la Liberté", "place de l'Église",
           "chemin des Vignes", "allée des Tilleuls", "impasse du Moulin", "route de Nantes",
           "rue Victor Hugo", "quai de la Loire"]
TOWNS = [("44480", "Donges"), ("44600", "Saint-Nazaire"), ("44000", "Nantes"), ("35000", "Rennes"),
         ("75011", "Paris"), ("69003", "Lyon"), ("13008", "Marseille"), ("20000", "Ajaccio"),
         ("97400", "Saint-Denis"), ("44260", "Savenay")]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
WORDS = ("le conseil municipal a examiné la demande de subvention présentée par l'association "
         "des parents d'élèves pour la sortie scolaire prévue au printemps la commission des "
         "finances propose de retenir le devis le moins disant après consultation des entreprises "
         "locales les travaux de voirie reprendront après la période estivale selon le calendrier "
         "arrêté avec les riverains concernés par la déviation le service état civil rappelle que "
         "les rendez-vous pour les passeports se prennent en ligne ou au guichet de la mairie "
         "annexe le centre communal d'action sociale accompagne les familles dans leurs démarches "
         "administratives et instruit les dossiers d'aide au logement dans les meilleurs délais "
         "merci de bien vouloir trouver ci-joint les pièces demandées pour compléter votre dossier "
         "nous restons à votre disposition pour toute information complémentaire").split()

IBAN_BBAN = {  # country: (length, structure) for the countries we generate
    "FR": "5n5n11n2n", "DE": "8n10n", "ES": "4n4n1n1n10n", "IT": "1a5n5n12n", "BE": "3n7n2n",
    "GB": "4a6n8n", "NL": "4a10n", "CH": "5n12n", "PT": "4n4n11n2n", "LU": "3n13n",
}


def luhn_check_digit(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def nir_key(body13):
    dept = body13[5:7]
    num = body13[:5] + {"2A": "19", "2B": "18"}.get(dept, dept) + body13[7:]
    return "%02d" % (97 - int(num) % 97)


def iban_check(cc, bban):
    s = bban + cc + "00"
    num = "".join(str(int(ch, 36)) for ch in s)
    return "%02d" % (98 - int(num) % 97)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.distinct = {k: set() for k in KINDS}

    def digits(self, n, first=None):
        s = "".join(self.r.choice("0123456789") for _ in range(n))
        if first is not None:
            s = first + s[1:]
        return s

    # ---- true identifiers: (text, value) ----
    def nir(self, style=None):
        r = self.r
        sex = r.choice("12")
        yy = "%02d" % r.randrange(100)
        mm = "%02d" % r.randrange(1, 13)
        dept = r.choice(["44", "35", "75", "69", "13", "56", "85", "2A", "2B", "49", "01", "95"])
        commune = "%03d" % r.randrange(1, 990)
        order = "%03d" % r.randrange(1, 1000)
        body = sex + yy + mm + dept + commune + order
        full = body + nir_key(body)
        style = style or r.choice(["spaced", "spaced", "compact", "keyspaced"])
        if style == "spaced":
            text = " ".join([full[0], full[1:3], full[3:5], full[5:7], full[7:10], full[10:13], full[13:]])
        elif style == "keyspaced":
            text = full[:13] + " " + full[13:]
        else:
            text = full
        return text, full, (yy, mm)

    def nir_bad_key(self):
        text, full, _ = self.nir(style=self.r.choice(["spaced", "compact"]))
        key = int(full[13:])
        bad = "%02d" % ((key + self.r.randrange(1, 96) - 1) % 97 + 1)
        if bad == full[13:]:
            bad = "%02d" % (key % 97 + 1)
        return text[:-2] + bad

    def iban(self, cc=None):
        r = self.r
        cc = cc or r.choice(["FR", "FR", "FR", "DE", "ES", "IT", "BE", "GB", "NL", "CH", "PT", "LU"])
        bban = ""
        st = IBAN_BBAN[cc]
        i = 0
        while i < len(st):
            j = i
            while st[j].isdigit():
                j += 1
            n = int(st[i:j])
            t = st[j]
            pool = "0123456789" if t == "n" else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            bban += "".join(r.choice(pool) for _ in range(n))
            i = j + 1
        full = cc + iban_check(cc, bban) + bban
        if r.random() < 0.7:
            text = " ".join(full[k:k + 4] for k in range(0, len(full), 4))
        else:
            text = full
        return text, full

    def iban_bad(self):
        text, full = self.iban()
        # change one digit of the account part: the check no longer holds
        pos = [i for i, ch in enumerate(text) if ch.isdigit() and i > 4]
        p = self.r.choice(pos)
        d = str((int(text[p]) + self.r.randrange(1, 10)) % 10)
        return text[:p] + d + text[p + 1:]

    def card(self):
        r = self.r
        kind = r.choice(["visa", "visa", "visa", "mc", "mc", "amex", "mc2"])
        if kind == "visa":
            body = "4" + self.digits(14)
        elif kind == "mc":
            body = "5" + r.choice("12345") + self.digits(13)
        elif kind == "mc2":
            body = str(r.randrange(2221, 2721)) + self.digits(11)
        else:
            body = "3" + r.choice("47") + self.digits(12)
        full = body + luhn_check_digit(body)
        style = r.choice(["spaced", "spaced", "dashed", "compact"])
        if kind == "amex" and style != "compact":
            text = full[:4] + " " + full[4:10] + " " + full[10:]
        elif style == "spaced":
            text = " ".join(full[k:k + 4] for k in range(0, len(full), 4))
        elif style == "dashed":
            text = "-".join(full[k:k + 4] for k in range(0, len(full), 4))
        else:
            text = full
        return text, full

    def card_bad(self):
        text, full = self.card()
        last = text[-1]
        return text[:-1] + str((int(last) + self.r.randrange(1, 10)) % 10)

    def phone(self, style=None):
        r = self.r
        lead = r.choice("1234567996")
        rest = self.digits(8)
        nat = lead + rest
        style = style or r.choice(["sp", "sp", "dot", "dash", "compact", "intl", "intl0", "intl_compact"])
        pairs = ["0" + lead] + [rest[i:i + 2] for i in range(0, 8, 2)]
        if style == "sp":
            text = " ".join(pairs)
        elif style == "dot":
            text = ".".join(pairs)
        elif style == "dash":
            text = "-".join(pairs)
        elif style == "compact":
            text = "0" + nat
        elif style == "intl":
            text = "+33 " + lead + " " + " ".join(pairs[1:])
        elif style == "intl0":
            text = "+33 (0)" + lead + " " + " ".join(pairs[1:])
        else:
            text = "+33" + nat
        return text, nat

    def email(self):
        r = self.r
        f = r.choice(FIRST).lower()
        l = r.choice(LAST).lower()
        for a, b in (("é", "e"), ("è", "e"), ("ë", "e"), ("ï", "i"), ("ô", "o")):
            f, l = f.replace(a, b), l.replace(a, b)
        local = r.choice([f + "." + l, f[0] + l, f + "-" + l, l + str(r.randrange(10, 99)),
                          f + "." + l + "+mairie"])
        e = local + "@" + r.choice(DOMAINS)
        return e, e.lower()

    def siret(self):
        r = self.r
        siren8 = str(r.randrange(1, 10)) + self.digits(7)
        siren = siren8 + luhn_check_digit(siren8)
        nic4 = self.digits(4)
        body = siren + nic4
        full = body + luhn_check_digit(body)
        if r.random() < 0.6:
            text = full[:3] + " " + full[3:6] + " " + full[6:9] + " " + full[9:]
        else:
            text = full
        return text, full

    def date(self, y0=1930, y1=2005):
        r = self.r
        y = r.randrange(y0, y1)
        m = r.randrange(1, 13)
        d = r.randrange(1, 29)
        return y, m, d

    def date_text(self, y, m, d, style=None):
        style = style or self.r.choice(["slash", "slash", "words", "iso", "dot"])
        if style == "slash":
            return "%02d/%02d/%04d" % (d, m, y)
        if style == "dot":
            return "%02d.%02d.%04d" % (d, m, y)
        if style == "iso":
            return "%04d-%02d-%02d" % (y, m, d)
        return "%s %s %d" % ("1er" if d == 1 else str(d), MONTHS[m - 1], y)

    def address(self):
        r = self.r
        num = str(r.randrange(1, 250)) + r.choice(["", "", "", " bis", " ter"])
        street = r.choice(STREETS)
        cp, town = r.choice(TOWNS)
        sep = r.choice([", ", ",\n", " - "])
        text = "%s %s%s%s %s" % (num, street, sep, cp, town)
        value = " ".join("".join(ch if ch.isalnum() else " " for ch in
                                 ("%s %s %s" % (num, street, cp)).lower()).split())
        return text, value

    def name(self):
        return "%s %s" % (self.r.choice(FIRST), self.r.choice(LAST))

    def sentence(self, n=None):
        n = n or self.r.randrange(8, 20)
        w = [self.r.choice(WORDS) for _ in range(n)]
        return (" ".join(w)).capitalize() + "."

    # ---- segments: (text, {kind: count}, [(kind, value)]) ----
    def positive(self):
        r = self.r
        k = r.choice(["nir", "nir", "iban", "card", "siret", "email", "phone", "phone", "birthdate",
                      "address"])
        who = self.name()
        if k == "nir":
            t, v, _ = self.nir()
            text = r.choice(["N° de sécurité sociale de %s : %s.", "%s, NIR %s.",
                             "Assuré(e) %s — numéro %s"]) % (who, t)
        elif k == "iban":
            t, v = self.iban()
            text = r.choice(["IBAN de %s : %s.", "Virement sur le compte de %s (%s).",
                             "Coordonnées bancaires %s IBAN %s BIC AGRIFRPP"]) % (who, t)
        elif k == "card":
            t, v = self.card()
            text = r.choice(["Carte bancaire de %s : %s, exp. 12/27.", "%s a payé avec la carte %s."]) % (who, t)
        elif k == "siret":
            t, v = self.siret()
            text = r.choice(["Entreprise %s, SIRET %s.", "Prestataire %s (siret : %s)."]) % (who, t)
        elif k == "email":
            t, v = self.email()
            text = r.choice(["Écrire à %s : %s.", "Contact %s <%s>", "mail de %s: %s"]) % (who, t)
        elif k == "phone":
            t, v = self.phone()
            text = r.choice(["Tél. de %s : %s.", "Joindre %s au %s", "%s, portable %s."]) % (who, t)
        elif k == "birthdate":
            y, m, d = self.date()
            t = self.date_text(y, m, d)
            v = "%04d%02d%02d" % (y, m, d)
            text = r.choice(["%s, né le %s à Nantes.", "%s, née le %s.", "%s — date de naissance : %s",
                             "%s (DOB %s)"]) % (who, t)
        else:
            t, v = self.address()
            text = "%s demeurant %s." % (who, t)
        return text, {k: 1}, [(k, v)]

    def decoy(self):
        r = self.r
        k = r.randrange(12)
        if k == 0:
            text = "NIR erroné %s (clé fausse)." % self.nir_bad_key()
        elif k == 1:
            text = "IBAN mal recopié : %s." % self.iban_bad()
        elif k == 2:
            text = "Carte refusée %s." % self.card_bad()
        elif k == 3:
            text = "Facture n° FA-%d-%06d du %s." % (r.randrange(2015, 2025), r.randrange(1, 999999),
                                                   self.date_text(*self.date(2015, 2025), style="slash"))
        elif k == 4:
            text = "Référence dossier %s." % self.digits(r.randrange(8, 31), first=r.choice("123456789"))
        elif k == 5:
            # a phone number glued inside a longer digit run
            _, nat = self.phone("compact")
            text = "Réf. %s%s%s." % (self.digits(r.randrange(1, 4), first=r.choice("123456789")),
                                    "0" + nat, self.digits(r.randrange(0, 4)))
        elif k == 6:
            text = "Réunion du conseil le %s à 18h30." % self.date_text(*self.date(2018, 2025))
        elif k == 7:
            text = "Montant : %d %03d,%02d €, commande n° %d-%d." % (
                r.randrange(1, 99), r.randrange(1000), r.randrange(100), r.randrange(1000, 9999),
                r.randrange(1000, 9999))
        elif k == 8:
            text = "ISBN 978-2-%02d-%06d-%d, code article %s." % (r.randrange(100), r.randrange(10 ** 6),
                                                                r.randrange(10), self.digits(13, "3"))
        elif k == 9:
            text = "Ticket %s, quantité %d, lot %s." % (self.digits(12, "9"), r.randrange(1, 50),
                                                       self.digits(6, "1"))
        elif k == 10:
            text = "Code postal %s, %s habitants." % (r.choice(TOWNS)[0], r.randrange(1000, 90000))
        else:
            text = "Version %d.%d.%d du logiciel, build %s." % (r.randrange(10), r.randrange(20),
                                                              r.randrange(100), self.digits(9, "2"))
        return text, {}, []

    def segments(self, n):
        out = []
        for _ in range(n):
            c = self.r.random()
            if c < 0.45:
                out.append(self.positive())
            elif c < 0.75:
                out.append(self.decoy())
            else:
                out.append((self.sentence(), {}, []))
        return out


# ---- truth bookkeeping ----

class Doc:
    def __init__(self, fmt):
        self.fmt = fmt
        self.counts = {k: 0 for k in KINDS}
        self.values = []

    def add(self, counts, values):
        for k, n in counts.items():
            self.counts[k] += n
        self.values.extend(values)


def seg_doc(fmt, segs):
    d = Doc(fmt)
    for _, c, v in segs:
        d.add(c, v)
    return d


# ---- renderers ----

def render_text(segs, r):
    lines = []
    for t, _, _ in segs:
        lines.append(t)
        if r.random() < 0.3:
            lines.append("")
    return "\n".join(lines) + "\n"


def render_html(segs, r):
    body = []
    for t, _, _ in segs:
        e = xml_escape(t)
        if r.random() < 0.3:
            # inline markup inside the text must not break identifiers
            cut = r.randrange(1, max(2, len(e) - 1))
            while "&" in e[max(0, cut - 8):cut]:
                cut = max(1, cut - 1)
            e = e[:cut] + "<b>" + e[cut:] + "</b>"
        body.append("<p>%s</p>" % e.replace("é", "&eacute;", 1))
    return ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Compte rendu"
            "</title><style>p{margin:0}</style></head><body>\n<h1>Compte rendu</h1>\n%s\n"
            "<!-- 01 23 45 67 89 in a comment does not count -->\n</body></html>\n") % "\n".join(body)


def render_xml(segs, r):
    items = "\n".join("  <note id=\"%d\"><texte>%s</texte></note>" % (i, xml_escape(t))
                      for i, (t, _, _) in enumerate(segs))
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<registre>\n%s\n</registre>\n" % items


def render_json(segs, r):
    return json.dumps({"registre": [{"id": i, "texte": t} for i, (t, _, _) in enumerate(segs)]},
                      ensure_ascii=True, indent=1) + "\n"


def pdf_string(t):
    b = t.encode("cp1252", errors="replace")
    out = b""
    for ch in b:
        c = bytes([ch])
        if c in b"()\\":
            out += b"\\" + c
        elif ch >= 0x80:
            out += b"\\%03o" % ch
        else:
            out += c
    return b"(" + out + b")"


def render_pdf(segs, r):
    ops = [b"BT", b"/F1 10 Tf", b"12 TL", b"50 780 Td"]
    for i, (t, _, _) in enumerate(segs):
        if r.random() < 0.3 and len(t) > 10:
            cut = r.randrange(1, len(t) - 1)
            ops.append(b"[" + pdf_string(t[:cut]) + b" -12 " + pdf_string(t[cut:]) + b"] TJ")
        else:
            ops.append(pdf_string(t) + b" Tj")
        ops.append(b"T*")
    ops.append(b"ET")
    content = zlib.compress(b"\n".join(ops) + b"\n")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def zip_bytes(parts):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, comp in parts:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = comp
            z.writestr(info, data)
    return buf.getvalue()


def office_runs(t, r):
    """Word splits text into runs anywhere; do the same."""
    e = t
    if r.random() < 0.5 and len(e) > 6:
        cut = r.randrange(1, len(e) - 1)
        return [e[:cut], e[cut:]]
    return [e]


def render_docx(segs, r):
    paras = []
    for t, _, _ in segs:
        runs = "".join("<w:r><w:rPr><w:lang w:val=\"fr-FR\"/></w:rPr><w:t xml:space=\"preserve\">%s</w:t></w:r>"
                       % xml_escape(x) for x in office_runs(t, r))
        paras.append("<w:p><w:pPr><w:pStyle w:val=\"Normal\"/></w:pPr>%s</w:p>" % runs)
    doc = ("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document "
           "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>%s"
           "</w:body></w:document>") % "".join(paras)
    ct = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
          "package/2006/content-types\"><Override PartName=\"/word/document.xml\" ContentType=\""
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>")
    return zip_bytes([("[Content_Types].xml", ct, zipfile.ZIP_DEFLATED),
                      ("word/document.xml", doc, zipfile.ZIP_DEFLATED)])


def render_pptx(segs, r):
    per = 6
    parts = [("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas."
              "openxmlformats.org/package/2006/content-types\"/>", zipfile.ZIP_DEFLATED),
             ("ppt/presentation.xml", "<?xml version=\"1.0\"?><p:presentation xmlns:p=\"p\"/>",
              zipfile.ZIP_DEFLATED)]
    for s in range(0, len(segs), per):
        paras = "".join("<a:p>%s</a:p>" % "".join("<a:r><a:t>%s</a:t></a:r>" % xml_escape(x)
                                                    for x in office_runs(t, r))
                        for t, _, _ in segs[s:s + per])
        xml = ("<?xml version=\"1.0\"?><p:sld xmlns:p=\"p\" xmlns:a=\"a\"><p:cSld><p:spTree><p:sp>"
               "<p:txBody>%s</p:txBody></p:sp></p:spTree></p:cSld></p:sld>") % paras
        parts.append(("ppt/slides/slide%d.xml" % (s // per + 1), xml, zipfile.ZIP_DEFLATED))
    return zip_bytes(parts)


def odf_zip(mimetype, content):
    manifest = ("<?xml version=\"1.0\"?><manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:"
                "opendocument:xmlns:manifest:1.0\"/>")
    return zip_bytes([("mimetype", mimetype, zipfile.ZIP_STORED),
                      ("content.xml", content, zipfile.ZIP_DEFLATED),
                      ("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)])


ODF_NS = ("xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
          "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
          "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\"")


def render_odt(segs, r):
    paras = []
    for t, _, _ in segs:
        runs = office_runs(t, r)
        x = "".join("<text:span>%s</text:span>" % xml_escape(p) for p in runs)
        paras.append("<text:p text:style-name=\"Standard\">%s</text:p>" % x)
    content = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content %s><office:body>"
               "<office:text>%s</office:text></office:body></office:document-content>") % (ODF_NS, "".join(paras))
    return odf_zip("application/vnd.oasis.opendocument.text", content)


# ---- tables ----

TABLE_HEADER = ["Nom", "Prénom", "NIR", "Date de naissance", "Téléphone", "Courriel", "IBAN",
                "Adresse", "Code postal", "Ville", "Référence", "Montant"]


def table_rows(g, n):
    """Rows of a personnel/beneficiary table and the truth of each row."""
    r = g.r
    rows = []
    docs = Doc("table")
    for _ in range(n):
        first, last = r.choice(FIRST), r.choice(LAST)
        y, m, d = g.date()
        # the NIR agrees with the birth date, as real ones do
        nir_text, nir_full, _ = g.nir(style="compact")
        body = nir_full[0] + "%02d%02d" % (y % 100, m) + nir_full[5:13]
        nir_full = body + nir_key(body)
        ph_text, ph = g.phone(r.choice(["sp", "compact", "dot"]))
        em_text, em = g.email()
        ib_text, ib = g.iban("FR")
        num = str(r.randrange(1, 200))
        street = r.choice(STREETS)
        cp, town = r.choice(TOWNS)
        ref = g.digits(15, first=r.choice("123456789"))
        row = [last, first, nir_full, "%02d/%02d/%04d" % (d, m, y), ph_text, em_text, ib_text,
               "%s %s" % (num, street), cp, town, ref, "%d,%02d" % (r.randrange(10, 5000), r.randrange(100))]
        addr_value = " ".join("".join(ch if ch.isalnum() else " " for ch in
                                      ("%s %s %s" % (num, street, cp)).lower()).split())
        docs.add({"nir": 1, "birthdate": 1, "phone": 1, "email": 1, "iban": 1, "address": 1},
                 [("nir", nir_full), ("birthdate", "%04d%02d%02d" % (y, m, d)), ("phone", ph),
                  ("email", em), ("iban", ib), ("address", addr_value)])
        rows.append(row)
    return rows, docs


def decoy_rows(g, n):
    """A stock table: 15-digit product codes with no NIR context must not count."""
    r = g.r
    rows = [["Article", "Code", "Quantité", "Prix"]]
    for _ in range(n):
        rows.append(["Fourniture %d" % r.randrange(1000), g.digits(15, first=r.choice("12")),
                     str(r.randrange(1, 100)), "%d,%02d" % (r.randrange(1, 500), r.randrange(100))])
    return rows


def csv_text(rows, delim):
    out = []
    for row in rows:
        cells = []
        for c in row:
            if delim in c or '"' in c or "\n" in c:
                c = '"' + c.replace('"', '""') + '"'
            cells.append(c)
        out.append(delim.join(cells))
    return "\r\n".join(out) + "\r\n"


def col_ref(i):
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s


def render_xlsx(rows, r):
    strings, index = [], {}
    sheet_rows = []
    for ri, row in enumerate(rows):
        cells = []
        for ci, v in enumerate(row):
            ref = "%s%d" % (col_ref(ci), ri + 1)
            if v.isdigit() and len(v) <= 15 and not v.startswith("0"):
                cells.append("<c r=\"%s\"><v>%s</v></c>" % (ref, v))
            else:
                if v not in index:
                    index[v] = len(strings)
                    strings.append(v)
                cells.append("<c r=\"%s\" t=\"s\"><v>%d</v></c>" % (ref, index[v]))
        sheet_rows.append("<row r=\"%d\">%s</row>" % (ri + 1, "".join(cells)))
    ns = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
    sheet = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet %s><sheetData>%s</sheetData>"
             "</worksheet>") % (ns, "".join(sheet_rows))
    sst = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst %s count=\"%d\" uniqueCount=\"%d\">%s</sst>"
           % (ns, len(strings), len(strings), "".join("<si><t xml:space=\"preserve\">%s</t></si>" % xml_escape(s)
                                                        for s in strings)))
    wb = "<?xml version=\"1.0\"?><workbook %s><sheets><sheet name=\"Feuil1\" sheetId=\"1\"/></sheets></workbook>" % ns
    # worksheets come before the shared strings, as Excel writes them
    return zip_bytes([("[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>", zipfile.ZIP_DEFLATED),
                      ("xl/workbook.xml", wb, zipfile.ZIP_DEFLATED),
                      ("xl/worksheets/sheet1.xml", sheet, zipfile.ZIP_DEFLATED),
                      ("xl/sharedStrings.xml", sst, zipfile.ZIP_DEFLATED)])


def render_ods(rows, r):
    xrows = []
    for row in rows:
        cells = []
        for v in row:
            if v.isdigit() and not v.startswith("0"):
                cells.append("<table:table-cell office:value-type=\"float\" office:value=\"%s\">"
                             "<text:p>%s</text:p></table:table-cell>" % (v, v))
            else:
                cells.append("<table:table-cell office:value-type=\"string\"><text:p>%s</text:p>"
                             "</table:table-cell>" % xml_escape(v))
        cells.append("<table:table-cell table:number-columns-repeated=\"1012\"/>")
        xrows.append("<table:table-row>%s</table:table-row>" % "".join(cells))
    content = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content %s><office:body>"
               "<office:spreadsheet><table:table table:name=\"Feuille1\">%s</table:table>"
               "</office:spreadsheet></office:body></office:document-content>") % (ODF_NS, "".join(xrows))
    return odf_zip("application/vnd.oasis.opendocument.spreadsheet", content)


# ---- mail ----

def qp(text):
    return quopri.encodestring(text.encode("utf-8")).decode("ascii")


def render_eml(g, segs, csv_rows, csv_doc, boundary):
    r = g.r
    frm_t, frm = g.email()
    to_t, to = g.email()
    head = ("Return-Path: <%s>\nReceived: from mx.example.net (mx.example.net [192.0.2.1])\n"
            "\tby mail.mairie-donges.fr with ESMTP id 4F2A1B3C4D5E6; Mon, 4 Mar 2024 10:12:01 +0100\n"
            "Message-ID: <20240304101201.4F2A1B3C@mail.mairie-donges.fr>\n"
            "From: %s <%s>\nTo: %s <%s>\nSubject: =?UTF-8?Q?Dossier_d=27aide_sociale?=\n"
            "Date: Mon, 4 Mar 2024 10:12:01 +0100\nMIME-Version: 1.0\n") % (
        frm_t, g.name(), frm_t, g.name(), to_t)
    body_text = render_text(segs, r)
    parts = ["Content-Type: multipart/mixed; boundary=\"%s\"\n\nThis is a multi-part message.\n" % boundary]
    parts.append("--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
                 "quoted-printable\n\n%s\n" % (boundary, qp(body_text)))
    if csv_rows:
        data = base64.encodebytes(csv_text(csv_rows, ";").encode("utf-8")).decode("ascii")
        parts.append("--%s\nContent-Type: text/csv; charset=utf-8; name=\"liste.csv\"\n"
                     "Content-Disposition: attachment; filename=\"liste.csv\"\n"
                     "Content-Transfer-Encoding: base64\n\n%s\n" % (boundary, data))
    parts.append("--%s--\n" % boundary)
    # Return-Path repeats From (not searched); From and To count
    d = Doc("eml")
    d.add({"email": 2}, [("email", frm), ("email", to)])
    d.add(seg_doc("eml", segs).counts, seg_doc("eml", segs).values)
    if csv_doc:
        d.add(csv_doc.counts, csv_doc.values)
    return head + "".join(parts), d


# ---- corpus ----

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20240304)
    ap.add_argument("--docs", type=int, default=40, help="documents per format")
    ap.add_argument("--perf-mb", type=int, default=0)
    a = ap.parse_args()
    g = Gen(a.seed)
    r = g.r
    root = os.path.join(a.out, "corpus")
    truth = {"files": {}, "distinct": {}}

    def put(fmt, name, data, doc):
        rel = "%s/%s" % (fmt, name)
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        truth["files"][rel] = {"format": fmt, "counts": doc.counts}
        for k, v in doc.values:
            g.distinct[k].add(v)

    for i in range(a.docs):
        n = r.randrange(8, 24)
        segs = g.segments(n)
        put("txt", "note%03d.txt" % i, render_text(segs, r), seg_doc("txt", segs))
        segs = g.segments(n)
        put("latin1", "courrier%03d.txt" % i, render_text(segs, r).encode("cp1252", errors="replace"),
            seg_doc("latin1", segs))
        segs = g.segments(n)
        put("utf16", "export%03d.txt" % i, b"\xff\xfe" + render_text(segs, r).encode("utf-16-le"),
            seg_doc("utf16", segs))
        segs = g.segments(n)
        put("utf16be", "export%03d.txt" % i, render_text(segs, r).encode("utf-16-be"),
            seg_doc("utf16be", segs))
        segs = g.segments(n)
        put("html", "page%03d.html" % i, render_html(segs, r), seg_doc("html", segs))
        segs = g.segments(n)
        put("xml", "registre%03d.xml" % i, render_xml(segs, r), seg_doc("xml", segs))
        segs = g.segments(n)
        put("json", "api%03d.json" % i, render_json(segs, r), seg_doc("json", segs))
        segs = g.segments(n)
        put("pdf", "arrete%03d.pdf" % i, render_pdf(segs, r), seg_doc("pdf", segs))
        segs = g.segments(n)
        put("docx", "lettre%03d.docx" % i, render_docx(segs, r), seg_doc("docx", segs))
        segs = g.segments(n)
        put("pptx", "presentation%03d.pptx" % i, render_pptx(segs, r), seg_doc("pptx", segs))
        segs = g.segments(n)
        put("odt", "compte-rendu%03d.odt" % i, render_odt(segs, r), seg_doc("odt", segs))

        rows, d = table_rows(g, r.randrange(5, 30))
        put("csv", "beneficiaires%03d.csv" % i, csv_text([TABLE_HEADER] + rows, ";"), d)
        rows, d = table_rows(g, r.randrange(5, 30))
        put("tsv", "personnel%03d.tsv" % i, csv_text([TABLE_HEADER] + rows, "\t"), d)
        rows, d = table_rows(g, r.randrange(5, 30))
        put("xlsx", "agents%03d.xlsx" % i, render_xlsx([TABLE_HEADER] + rows, r), d)
        rows, d = table_rows(g, r.randrange(5, 30))
        put("ods", "usagers%03d.ods" % i, render_ods([TABLE_HEADER] + rows, r), d)
        put("csv", "stock%03d.csv" % i, csv_text(decoy_rows(g, r.randrange(20, 60)), ";"), Doc("csv"))

        segs = g.segments(n)
        rows, d = table_rows(g, r.randrange(2, 6)) if i % 2 == 0 else (None, None)
        text, doc = render_eml(g, segs, [TABLE_HEADER] + rows if rows else None, d, "b%08x" % r.getrandbits(32))
        put("eml", "message%03d.eml" % i, text, doc)
        if i % 4 == 0:
            box, bdoc = [], Doc("mbox")
            for m in range(r.randrange(2, 6)):
                segs = g.segments(r.randrange(4, 10))
                text, doc = render_eml(g, segs, None, None, "mb%08x" % r.getrandbits(32))
                box.append("From MAILER-DAEMON Mon Mar  4 10:12:01 2024\n" + text + "\n")
                bdoc.add(doc.counts, doc.values)
            put("mbox", "boite%03d.mbox" % i, "".join(box), bdoc)

    # binaries and what cannot be read: counted as not scanned
    for i in range(max(1, a.docs // 8)):
        put("binary", "photo%03d.jpg" % i, b"\xff\xd8\xff\xe0" + bytes(r.getrandbits(8) for _ in range(4096)),
            Doc("binary"))

    truth["distinct"] = {k: len(v) for k, v in g.distinct.items()}
    with open(os.path.join(a.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)

    if a.perf_mb:
        perf = os.path.join(a.out, "perf")
        os.makedirs(perf, exist_ok=True)
        target = a.perf_mb * 1000 * 1000
        per_file = 8 * 1000 * 1000
        k = 0
        while target > 0:
            chunks, size = [], 0
            while size < min(per_file, target):
                # ordinary prose with an identifier every few hundred bytes
                c = r.random()
                s = g.positive()[0] if c < 0.05 else g.decoy()[0] if c < 0.10 else g.sentence()
                chunks.append(s)
                size += len(s) + 1
            data = "\n".join(chunks).encode("utf-8")
            with open(os.path.join(perf, "texte%03d.txt" % k), "wb") as f:
                f.write(data)
            target -= len(data)
            k += 1


if __name__ == "__main__":
    main()
