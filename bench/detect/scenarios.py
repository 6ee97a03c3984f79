#!/usr/bin/env python3
"""Attack and benign scenarios for the ransomware-detection benchmark.

  scenarios.py list
  scenarios.py make NAME BASE_DIR OUT_DIR

`make` builds OUT_DIR/snap0 (a hard-link copy of BASE_DIR plus what the
scenario needs beforehand), then OUT_DIR/snap1 ... snapN, each made from the
previous one, and writes for every K >= 1 OUT_DIR/truth-K.tsv, one line per
attacked file:

  FRACTION<TAB>PATH   content attacked; FRACTION of its bytes encrypted (0..1]; PATH in snapK
  R<TAB>PATH          renamed only, content intact; PATH in snapK
  D<TAB>PATH          deleted; PATH in snap(K-1)

PATH bytes outside 0x20..0x7e and the backslash are written as \\xHH (as
scan-eval writes its judgements).  OUT_DIR/meta.json says the scenario's kind
(attack or benign), its number of snapshots and a description.

Only OUT_DIR is ever written.  Snapshots share unchanged files through hard
links, so every change writes a new file and renames it over the old path
(an in-place write would reach the other snapshots through the link).
Standard library only; the benign archiving scenarios call zip, 7z, xz, zstd,
gzip and gpg (Debian packages zip, p7zip-full, xz-utils, zstd, gzip, gnupg).
"""
import base64
import json
import os
import random
import shutil
import sqlite3
import stat
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

KiB = 1024
MiB = 1024 * 1024

WORDS = ("le la les un une des du de et en au pour par sur dans avec commune conseil municipal "
         "maire adjoint délibération arrêté budget compte subvention association école cantine "
         "voirie travaux marché public offre prix montant euros facture mandat recette dépense "
         "investissement fonctionnement état civil naissance mariage acte registre urbanisme permis "
         "construire parcelle cadastre agent congé séance vote unanimité préfecture rapport convention "
         "salle cimetière bibliothèque assainissement eau éclairage bâtiment mairie habitant courrier "
         "réponse dossier pièce annexe tableau bilan janvier février mars avril mai juin").split()


# ---------------------------------------------------------------------------------------------
# helpers

def esc(rel):
    out = []
    for c in rel:
        if 0x20 <= c < 0x7f and c != 0x5c:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def regular_files(root):
    """Sorted relative paths (bytes) of regular files under root."""
    out = []
    rootb = os.fsencode(root)
    for dp, dn, fn in os.walk(rootb):
        dn.sort()
        for f in fn:
            full = os.path.join(dp, f)
            st = os.lstat(full)
            if stat.S_ISREG(st.st_mode):
                out.append(os.path.relpath(full, rootb))
    out.sort()
    return out


def folders(root):
    out = []
    rootb = os.fsencode(root)
    for dp, dn, fn in os.walk(rootb):
        dn.sort()
        out.append(os.path.relpath(dp, rootb))
    return sorted(out)


def full(root, rel):
    return os.path.join(os.fsencode(root), rel)


def read(root, rel):
    with open(full(root, rel), "rb") as f:
        return f.read()


def write_new(root, rel, data, like=None):
    """Writes data at rel through a new inode (never into a shared one)."""
    p = full(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    tmp = os.path.join(os.path.dirname(p), b".~scenario.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    if like is not None:
        os.chmod(tmp, stat.S_IMODE(like.st_mode) | stat.S_IWUSR)
    os.replace(tmp, p)


def rewrite(root, rel, data):
    p = full(root, rel)
    st = os.lstat(p)
    write_new(root, rel, data, st)


def noise(rng, n):
    if n <= 64 * MiB:
        return rng.randbytes(n)
    return b"".join(rng.randbytes(min(64 * MiB, n - off)) for off in range(0, n, 64 * MiB))


def sentence(rng, n_words=12):
    return " ".join(rng.choice(WORDS) for _ in range(n_words)).capitalize() + "."


def text_blob(rng, size):
    parts, n = [], 0
    while n < size:
        s = sentence(rng, rng.randint(6, 18)) + ("\n" if rng.random() < 0.2 else " ")
        parts.append(s)
        n += len(s.encode())
    return "".join(parts).encode()[:size]


def with_ext(rel, ext):
    """rel + ext, the name cut to stay within 255 bytes (as real ransomware does)."""
    d, n = os.path.split(rel)
    return os.path.join(d, n[: 255 - len(ext)] + ext)


def victims(root, rng, fraction, min_bytes=1):
    files = [p for p in regular_files(root) if os.lstat(full(root, p)).st_size >= min_bytes]
    k = int(round(len(files) * fraction))
    return sorted(rng.sample(files, k))


NOTE = ("Vos fichiers sont chiffrés. Your files are encrypted.\n"
        "SIMULATION du banc d'essai de rempart : aucune clé n'existe.\n"
        "Contact: nobody@example.invalid  ID: %s\n")


def drop_notes(root, name, ident, only=None):
    n = 0
    for d in folders(root):
        if only is not None and d not in only:
            continue
        write_new(root, os.path.join(d, name), (NOTE % ident).encode())
        n += 1
    return n


def tools_env(tmp):
    env = dict(os.environ)
    env["GNUPGHOME"] = tmp
    env["LC_ALL"] = "C"
    return env


# ---------------------------------------------------------------------------------------------
# realistic benign content

def jpeg_like(rng, size):
    """JPEG markers and tables around entropy-coded-like data (0xFF stuffed)."""
    head = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00"
            b"\xff\xdb\x00\x43\x00" + bytes(rng.randint(1, 40) for _ in range(64)) +
            b"\xff\xc0\x00\x11\x08\x04\x00\x03\x00\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
            b"\xff\xc4\x00\x1f\x00" + bytes(range(28)) +
            b"\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00")
    body = bytearray()
    need = max(0, size - len(head) - 2)
    while len(body) < need:
        chunk = rng.randbytes(65536)
        body += chunk.replace(b"\xff", b"\xff\x00")
    return head + bytes(body[:need]).rstrip(b"\xff") + b"\xff\xd9"


def png_image(rng, w, h):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff)
    raw = bytearray()
    base = rng.randint(0, 255)
    for y in range(h):
        raw.append(0)
        row = bytes(((x * 3 + y * 5 + base) & 0xff) ^ (rng.getrandbits(3)) for x in range(w * 3))
        raw += row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b""))


def scanned_pdf(rng, size):
    img = jpeg_like(rng, max(2048, size - 700))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> "
            b"/Contents 5 0 R >>",
            b"<< /Type /XObject /Subtype /Image /Width 1240 /Height 1754 /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % len(img) + img + b"\nendstream",
            b"<< /Length 35 >>\nstream\nq 595 0 0 842 0 0 cm /Im0 Do Q\nendstream"]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def office_doc(rng, kind, paragraphs):
    import io
    bio = io.BytesIO()
    z = zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED)
    if kind == "odt":
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
                   compress_type=zipfile.ZIP_STORED)
        body = "".join("<text:p>%s</text:p>" % sentence(rng, rng.randint(8, 30)) for _ in range(paragraphs))
        z.writestr("content.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                   'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
                   + body + "</office:text></office:body></office:document-content>")
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest/>')
    elif kind == "xlsx":
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        rows = "".join('<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><v>%.2f</v></c></row>'
                       % (i, i, rng.randint(1, 99999), i, rng.random() * 10000) for i in range(1, paragraphs * 8))
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook><sheets><sheet name="Budget"/></sheets></workbook>')
        z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet><sheetData>' + rows +
                   "</sheetData></worksheet>")
    else:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        body = "".join("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % sentence(rng, rng.randint(8, 30))
                       for _ in range(paragraphs))
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document><w:body>' + body + "</w:body></w:document>")
        z.writestr("docProps/core.xml", '<?xml version="1.0"?><cp:coreProperties><dc:creator>%s</dc:creator>'
                   "</cp:coreProperties>" % rng.choice(WORDS))
    z.close()
    return bio.getvalue()


# ---------------------------------------------------------------------------------------------
# attacks

def encrypt_full(rng, data, footer=512):
    return noise(rng, len(data) + footer)


def stripes(rng, data, pct):
    n = len(data)
    period = min(MiB, max(KiB, n // 8))
    span = max(1, period * pct // 100)
    b = bytearray(data)
    for off in range(0, n, period):
        k = min(span, n - off)
        b[off:off + k] = noise(rng, k)
    enc = sum(min(span, n - off) for off in range(0, n, period))
    return bytes(b), enc / n if n else 0


class Scenario:
    kind = "attack"
    snapshots = 1
    description = ""

    def __init__(self, name):
        self.name = name
        self.rng = random.Random("rempart-detect:" + name)

    def prepare(self, snap0):
        pass

    def step(self, k, snap, prev):
        """Makes snapshot k from its copy `snap` of `prev`; returns truth lines."""
        return []


class InPlace(Scenario):
    description = "60% of files encrypted in place (+512-byte footer), note in every folder"
    footer = 512

    def step(self, k, snap, prev):
        truth = []
        for rel in victims(snap, self.rng, 0.6):
            rewrite(snap, rel, encrypt_full(self.rng, read(snap, rel), self.footer))
            truth.append((1.0, rel))
        drop_notes(snap, b"LISEZ-MOI_RESTAURATION.txt", self.name)
        return truth


class NewFileNoExt(InPlace):
    description = "60% encrypted into a new file renamed over the original (same name, same size)"
    footer = 0


class NewFileExt(Scenario):
    description = "60% encrypted into NAME.k3y (new file), original deleted, note in every folder"
    ext = b".k3y"

    def step(self, k, snap, prev):
        truth = []
        for rel in victims(snap, self.rng, 0.6):
            data = read(snap, rel)
            new = with_ext(rel, self.ext)
            write_new(snap, new, encrypt_full(self.rng, data))
            os.unlink(full(snap, rel))
            truth.append((1.0, new))
        drop_notes(snap, b"HOW_TO_RECOVER_FILES.txt", self.name)
        return truth


class Stripes(Scenario):
    pct = 50

    @property
    def description(self):
        return "60%% of files: %d%% of each file encrypted in stripes (1/8 of the file, 1 KiB..1 MiB), note" % self.pct

    def step(self, k, snap, prev):
        truth = []
        for rel in victims(snap, self.rng, 0.6):
            data, frac = stripes(self.rng, read(snap, rel), self.pct)
            rewrite(snap, rel, data)
            truth.append((frac, rel))
        drop_notes(snap, b"RESTORE-MY-FILES.txt", self.name)
        return truth


class Stripes25(Stripes):
    pct = 25


class Head4K(Scenario):
    description = "60% of files: only the first 4 KiB encrypted in place, note"

    def step(self, k, snap, prev):
        truth = []
        for rel in victims(snap, self.rng, 0.6):
            data = read(snap, rel)
            n = min(4096, len(data))
            rewrite(snap, rel, noise(self.rng, n) + data[n:])
            truth.append((n / len(data), rel))
        drop_notes(snap, b"RESTORE-MY-FILES.txt", self.name)
        return truth


class BitFlip(Scenario):
    description = "60% of files XORed in place with a per-file byte (entropy unchanged), no note"

    def step(self, k, snap, prev):
        truth = []
        for rel in victims(snap, self.rng, 0.6):
            data = read(snap, rel)
            key = self.rng.randint(1, 255)
            table = bytes(b ^ key for b in range(256))
            rewrite(snap, rel, data.translate(table))
            truth.append((1.0, rel))
        return truth


class Base64(Scenario):
    description = "60% of files encrypted then base64-encoded (76-column lines) in place, note"

    def step(self, k, snap, prev):
        truth = []
        for rel in victims(snap, self.rng, 0.6):
            data = read(snap, rel)
            rewrite(snap, rel, base64.encodebytes(noise(self.rng, len(data) + 256)))
            truth.append((1.0, rel))
        drop_notes(snap, b"README_DECRYPT.txt", self.name)
        return truth


class Renames(Scenario):
    description = "200 files of one folder renamed NAME.locked (content intact), nothing else"

    def prepare(self, snap0):
        for i in range(220):
            name = b"Numerisation %04d.pdf" % i
            body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + noise(self.rng, self.rng.randint(20 * KiB, 400 * KiB)) + b"\n%%EOF\n"
            write_new(snap0, os.path.join(b"Accueil - \xc3\x89tat civil", b"Courrier num\xc3\xa9ris\xc3\xa9 2023", name), body)

    def step(self, k, snap, prev):
        folder = os.path.join(b"Accueil - \xc3\x89tat civil", b"Courrier num\xc3\xa9ris\xc3\xa9 2023")
        names = sorted(os.listdir(full(snap, folder)))[:200]
        truth = []
        for n in names:
            rel = os.path.join(folder, n)
            os.rename(full(snap, rel), full(snap, rel + b".locked"))
            truth.append(("R", rel + b".locked"))
        return truth


class MassDelete(Scenario):
    description = "more than half of the commonest large-file extension deleted (100+ files)"

    def step(self, k, snap, prev):
        by_ext = {}
        for rel in regular_files(snap):
            e = os.path.splitext(rel)[1].lower()
            if e in (b".pdf", b".docx", b".xlsx", b".jpg", b".odt"):
                by_ext.setdefault(e, []).append(rel)
        ext, files = max(by_ext.items(), key=lambda kv: len(kv[1]))
        n = max(100, len(files) * 3 // 4)
        if n > len(files):
            n = len(files)
        truth = []
        for rel in sorted(self.rng.sample(files, n)):
            os.unlink(full(snap, rel))
            truth.append(("D", rel))
        return truth


class Slow(Scenario):
    description = "5% of the files a day encrypted in place, no note, over 4 daily snapshots"
    snapshots = 4

    def __init__(self, name):
        super().__init__(name)
        self.done = set()

    def step(self, k, snap, prev):
        files = [p for p in regular_files(snap) if os.lstat(full(snap, p)).st_size > 0 and p not in self.done]
        total = len(files) + len(self.done)
        pick = sorted(self.rng.sample(files, total * 5 // 100))
        truth = []
        for rel in pick:
            rewrite(snap, rel, encrypt_full(self.rng, read(snap, rel)))
            self.done.add(rel)
            truth.append((1.0, rel))
        # an ordinary day around it: a few text files edited, one new document
        for rel in self.rng.sample([p for p in files if p.endswith(b".txt") and p not in self.done], 10):
            rewrite(snap, rel, read(snap, rel) + b"\n" + text_blob(self.rng, 500))
        return truth


class HalfWay(Scenario):
    description = ("snapshot 1 taken while NAME.k3y encryption runs (files in path order, 30% done, the "
                   "current file half written, notes so far); snapshot 2 after it finished (60%)")
    snapshots = 2
    ext = b".k3y"

    def __init__(self, name):
        super().__init__(name)
        self.plan = None

    def step(self, k, snap, prev):
        if self.plan is None:
            self.plan = victims(snap, self.rng, 0.6)
        plan = self.plan
        if k == 1:
            todo, part = plan[: len(plan) // 2], plan[len(plan) // 2]
        else:
            todo, part = [p for p in plan if os.path.exists(full(snap, p))], None
        truth = []
        touched_dirs = set()
        for rel in todo:
            if not os.path.exists(full(snap, rel)):
                continue
            data = read(snap, rel)
            new = with_ext(rel, self.ext)
            write_new(snap, new, encrypt_full(self.rng, data))
            os.unlink(full(snap, rel))
            truth.append((1.0, new))
            touched_dirs.add(os.path.dirname(rel))
        if part is not None:
            data = read(snap, part)
            write_new(snap, with_ext(part, self.ext), encrypt_full(self.rng, data)[: len(data) // 2])
            truth.append((0.5 if data else 1.0, with_ext(part, self.ext)))
        drop_notes(snap, b"HOW_TO_RECOVER_FILES.txt", self.name, only=touched_dirs if k == 1 else None)
        return truth


class Min20(Scenario):
    description = "exactly 20 files encrypted in place (+footer), no note, no new extension"

    def step(self, k, snap, prev):
        truth = []
        for rel in victims(snap, self.rng, 20 / len(regular_files(snap)), min_bytes=1):
            rewrite(snap, rel, encrypt_full(self.rng, read(snap, rel)))
            truth.append((1.0, rel))
        return truth


class Shared(Scenario):
    """The shared encrypt-corpus.sh (NAME.lockbit, originals deleted, notes)."""
    intermittent = False
    description = "shared encrypt-corpus.sh: 60% to NAME.lockbit, originals deleted, notes"

    def step(self, k, snap, prev):
        gen = os.environ.get("REMPART_CORPUS_GEN")
        if not gen:
            raise SystemExit("scenarios: REMPART_CORPUS_GEN (folder of encrypt-corpus.sh) is not set")
        sizes = {p: os.lstat(full(snap, p)).st_size for p in regular_files(snap)}
        own_inodes(snap, list(sizes))  # -i writes big files in place
        cmd = [os.path.join(gen, "encrypt-corpus.sh")] + (["-i"] if self.intermittent else []) + ["--in-place", snap]
        subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
        truth = []
        for p in regular_files(snap):
            if p.endswith(b".lockbit"):
                orig = sizes.get(p[: -len(b".lockbit")], 0)
                frac = 1 / 16 if self.intermittent and orig > 16 * MiB else 1.0
                truth.append((frac, p))
        return truth


class SharedIntermittent(Shared):
    intermittent = True
    description = "shared encrypt-corpus.sh -i: as above, files over 16 MiB get 1 MiB in 16 encrypted"


# ---------------------------------------------------------------------------------------------
# benign days

class Benign(Scenario):
    kind = "benign"


class Noop(Benign):
    description = "nothing changed"


class Day2(Benign):
    description = "shared mutate-corpus.sh: 2% edited, office files re-saved, new scans, SQL dump, VM, a folder renamed"

    def step(self, k, snap, prev):
        gen = os.environ.get("REMPART_CORPUS_GEN")
        if not gen:
            raise SystemExit("scenarios: REMPART_CORPUS_GEN (folder of mutate-corpus.sh) is not set")
        # mutate-corpus writes some files in place: give every file its own inode first
        for rel in regular_files(snap):
            p = full(snap, rel)
            if os.lstat(p).st_nlink > 1:
                rewrite(snap, rel, read(snap, rel))
        subprocess.run([os.path.join(gen, "mutate-corpus.sh"), snap], check=True, stderr=subprocess.DEVNULL)
        return []


def pick_folders(snap, minimum):
    """Top-level folders (largest first) until they hold `minimum` files."""
    counts = []
    for d in sorted(os.listdir(os.fsencode(snap))):
        p = full(snap, d)
        if os.path.isdir(p) and not os.path.islink(p):
            n = sum(len(fn) for _, _, fn in os.walk(p))
            counts.append((n, d))
    counts.sort(reverse=True)
    out, total = [], 0
    for n, d in counts:
        if total >= minimum:
            break
        out.append(d)
        total += n
    return out, total


def own_inodes(snap, rels):
    for rel in rels:
        if os.lstat(full(snap, rel)).st_nlink > 1:
            rewrite(snap, rel, read(snap, rel))


class ArchiveZip(Benign):
    description = "1,000+ office files moved into a zip archive (zip -m)"

    def step(self, k, snap, prev):
        dirs, n = pick_folders(snap, 1000)
        subprocess.run(["zip", "-q", "-r", "-m", "-y", "Archives 2024.zip"] + [os.fsdecode(d) for d in dirs],
                       cwd=snap, check=True)
        return []


class Archive7z(Benign):
    description = "1,000+ office files moved into a 7z archive (7z a -sdel)"

    def step(self, k, snap, prev):
        dirs, n = pick_folders(snap, 1000)
        subprocess.run(["7z", "a", "-bd", "-bso0", "-sdel", "Archives 2024.7z"] + [os.fsdecode(d) for d in dirs],
                       cwd=snap, check=True)
        for d in dirs:  # 7z leaves the emptied folders
            if os.path.isdir(full(snap, d)):
                shutil.rmtree(full(snap, d))
        return []


class ArchivePerFile(Benign):
    tool = ["xz", "-q", "-T1"]
    description = "1,000+ office files compressed one by one in place with xz (X -> X.xz)"

    def step(self, k, snap, prev):
        dirs, n = pick_folders(snap, 1000)
        rels = [r for r in regular_files(snap) if any(r.startswith(d + b"/") for d in dirs)]
        own_inodes(snap, rels)
        for i in range(0, len(rels), 200):
            subprocess.run(self.tool + [os.fsdecode(full(snap, r)) for r in rels[i:i + 200]], check=True)
        return []


class ArchiveZstd(ArchivePerFile):
    tool = ["zstd", "-q", "--rm", "-3"]
    description = "1,000+ office files compressed one by one with zstd --rm (X -> X.zst)"


class ResaveOffice(Benign):
    description = "1,000 real docx/xlsx/odt (deflated XML) re-saved with edits"

    def prepare(self, snap0):
        for i in range(1000):
            kind = ("docx", "xlsx", "odt")[i % 3]
            rel = b"Bureautique/Dossier %02d/Document %04d.%s" % (i // 50, i, kind.encode())
            write_new(snap0, rel, office_doc(random.Random("doc%d" % i), kind, 20 + i % 60))

    def step(self, k, snap, prev):
        for i in range(1000):
            kind = ("docx", "xlsx", "odt")[i % 3]
            rel = b"Bureautique/Dossier %02d/Document %04d.%s" % (i // 50, i, kind.encode())
            rewrite(snap, rel, office_doc(random.Random("doc%d-v2" % i), kind, 20 + i % 60 + self.rng.randint(0, 8)))
        return []


class ScansPhotos(Benign):
    description = "300 new scanned PDFs, 300 new photos, every existing jpg/png re-encoded"

    def step(self, k, snap, prev):
        for i in range(300):
            write_new(snap, b"Archives/Scans 2024/Scan %04d.pdf" % i,
                      scanned_pdf(self.rng, self.rng.randint(80 * KiB, 2 * MiB)))
            write_new(snap, b"Communication/Photos/F\xc3\xaate 2024/IMG_%04d.jpg" % i,
                      jpeg_like(self.rng, self.rng.randint(300 * KiB, 3 * MiB)))
        for rel in regular_files(snap):
            low = rel.lower()
            if low.endswith((b".jpg", b".jpeg")) and b"F\xc3\xaate 2024" not in rel:
                rewrite(snap, rel, jpeg_like(self.rng, self.rng.randint(200 * KiB, 2 * MiB)))
            elif low.endswith(b".png"):
                rewrite(snap, rel, png_image(self.rng, self.rng.randint(200, 600), self.rng.randint(200, 600)))
        return []


class SqliteVm(Benign):
    description = "a SQLite database updated (5% rows changed, inserts, deletes) and the VM image written"

    def prepare(self, snap0):
        p = full(snap0, b"Informatique/Bases/etat_civil.sqlite")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        db = sqlite3.connect(p)
        db.execute("create table acte(id integer primary key, nom text, prenom text, date text, lieu text, note text)")
        r = random.Random("sqlite")
        db.executemany("insert into acte values(?,?,?,?,?,?)",
                       [(i, r.choice(WORDS).upper(), r.choice(WORDS), "19%02d-%02d-%02d" % (r.randint(0, 99), r.randint(1, 12), r.randint(1, 28)),
                         r.choice(WORDS), sentence(r, 10)) for i in range(60000)])
        db.commit()
        db.close()

    def step(self, k, snap, prev):
        rel = b"Informatique/Bases/etat_civil.sqlite"
        rewrite(snap, rel, read(snap, rel))
        db = sqlite3.connect(full(snap, rel))
        r = self.rng
        db.executemany("update acte set note=? where id=?", [(sentence(r, 12), r.randint(0, 59999)) for _ in range(3000)])
        db.executemany("insert into acte values(?,?,?,?,?,?)",
                       [(60000 + i, r.choice(WORDS).upper(), r.choice(WORDS), "2024-03-15", r.choice(WORDS), sentence(r, 8))
                        for i in range(2000)])
        db.execute("delete from acte where id % 97 = 0")
        db.commit()
        db.close()
        for vm in [x for x in regular_files(snap) if x.endswith(b".img")]:
            data = bytearray(read(snap, vm))
            for _ in range(200):
                off = r.randrange(max(1, len(data) // 4096)) * 4096
                n = 4096 * r.randint(1, 16)
                data[off:off + n] = noise(r, len(data[off:off + n])) if r.random() < 0.7 else bytes(len(data[off:off + n]))
            rewrite(snap, vm, bytes(data))
        return []


def system_binaries(limit, skip=0):
    out = []
    for d in ("/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu"):
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for n in names:
            p = os.path.join(d, n)
            try:
                if not os.path.isfile(p) or os.path.islink(p) or os.path.getsize(p) > 4 * MiB:
                    continue
                with open(p, "rb") as f:
                    if f.read(4) != b"\x7fELF":
                        continue
            except OSError:
                continue
            out.append(p)
    return out[skip:skip + limit]


class SoftwareUpdate(Benign):
    description = "software update: 300 ELF programs and libraries replaced by new builds, 20 added, 10 removed"

    def prepare(self, snap0):
        for i, p in enumerate(system_binaries(300)):
            with open(p, "rb") as f:
                write_new(snap0, b"Logiciels/Gestion/bin/" + os.fsencode(os.path.basename(p)), f.read())

    def step(self, k, snap, prev):
        old = sorted(os.listdir(full(snap, b"Logiciels/Gestion/bin")))
        new = system_binaries(330, skip=300)
        for i, name in enumerate(old):
            rel = b"Logiciels/Gestion/bin/" + name
            if i < 10:
                os.unlink(full(snap, rel))
                continue
            with open(new[i % len(new)], "rb") as f:
                rewrite(snap, rel, f.read())
        for j, p in enumerate(new[:20]):
            with open(p, "rb") as f:
                write_new(snap, b"Logiciels/Gestion/bin/new-%02d-" % j + os.fsencode(os.path.basename(p)), f.read())
        return []


class MoveRename(Benign):
    description = "5,000+ files moved or renamed (folders renamed, files prefixed), content unchanged"

    def prepare(self, snap0):
        r = random.Random("projects")
        for i in range(2600):
            d = b"Projets/Projet %03d/%s" % (i // 40, (b"Documents", b"Plans", b"Courriers")[i % 3])
            if i % 5 == 0:
                write_new(snap0, d + b"/Plan %04d.pdf" % i, b"%PDF-1.6\n" + noise(r, r.randint(5 * KiB, 200 * KiB)) + b"\n%%EOF\n")
            else:
                write_new(snap0, d + b"/Note %04d.txt" % i, text_blob(r, r.randint(500, 20000)))
            if i % 40 == 0:
                write_new(snap0, d + b"/desktop.ini", noise(r, 300))

    def step(self, k, snap, prev):
        os.makedirs(full(snap, b"Archives"), exist_ok=True)
        os.rename(full(snap, b"Projets"), full(snap, b"Archives/Projets termin\xc3\xa9s"))
        for top in sorted(os.listdir(os.fsencode(snap))):
            if top.startswith(b"Communication") or top.startswith(b"Finances"):
                os.rename(full(snap, top), full(snap, top + b" (ancien)"))
        moved = 0
        for rel in regular_files(snap):
            if rel.startswith(b"Utilisateurs/") and moved < 700:
                d, n = os.path.split(rel)
                os.rename(full(snap, rel), full(snap, os.path.join(d, b"2024 - " + n)))
                moved += 1
        return []


class LogRotation(Benign):
    description = "log rotation: X.log -> X.log.1, X.log.1 -> X.log.2.gz, new X.log"

    def prepare(self, snap0):
        for rel in [x for x in regular_files(snap0) if x.endswith(b".log")]:
            write_new(snap0, rel + b".1", read(snap0, rel)[::-1].replace(b"\n", b" ")[:50000] + b"\n")

    def step(self, k, snap, prev):
        for rel in [x for x in regular_files(snap) if x.endswith(b".log")]:
            one = full(snap, rel + b".1")
            if os.path.exists(one):
                write_new(snap, rel + b".2.gz", __import__("gzip").compress(read(snap, rel + b".1"), 6))
            os.rename(full(snap, rel), one)
            write_new(snap, rel, b"".join(b"%d srv smbd[%d]: rotation ok %s\n" % (i, 1000 + i, self.rng.choice(WORDS).encode())
                                          for i in range(200)))
        return []


class Gpg(Benign):
    description = "a user encrypts 20 of their own files with gpg -c and removes the originals"

    def step(self, k, snap, prev):
        rels = [x for x in regular_files(snap) if x.startswith(b"Utilisateurs/") and os.lstat(full(snap, x)).st_size > 0]
        pick = sorted(self.rng.sample(rels, 20))
        with tempfile.TemporaryDirectory() as home:
            for rel in pick:
                subprocess.run(["gpg", "--batch", "--yes", "--quiet", "--pinentry-mode", "loopback", "--passphrase",
                                "secret", "-c", os.fsdecode(full(snap, rel))], check=True, env=tools_env(home),
                               stderr=subprocess.DEVNULL)
                os.unlink(full(snap, rel))
        return []


SCENARIOS = {
    # attacks
    "inplace": InPlace, "newfile-noext": NewFileNoExt, "newfile-ext": NewFileExt, "stripes50": Stripes,
    "stripes25": Stripes25, "head4k": Head4K, "bitflip": BitFlip, "base64": Base64, "renames200": Renames,
    "mass-delete": MassDelete, "slow5": Slow, "halfway": HalfWay, "min20": Min20, "shared-encrypt": Shared,
    "shared-encrypt-i": SharedIntermittent,
    # benign days
    "noop": Noop, "day2": Day2, "archive-zip": ArchiveZip, "archive-7z": Archive7z, "archive-xz": ArchivePerFile,
    "archive-zstd": ArchiveZstd, "resave-office": ResaveOffice, "scans-photos": ScansPhotos, "sqlite-vm": SqliteVm,
    "software-update": SoftwareUpdate, "move-rename": MoveRename, "log-rotation": LogRotation, "gpg20": Gpg,
}


def make(name, base, out):
    sc = SCENARIOS[name](name)
    if os.path.exists(out):
        raise SystemExit("scenarios: %s exists" % out)
    os.makedirs(out)
    snap0 = os.path.join(out, "snap0")
    subprocess.run(["cp", "-al", base, snap0], check=True)
    sc.prepare(snap0)
    prev = snap0
    for k in range(1, sc.snapshots + 1):
        snap = os.path.join(out, "snap%d" % k)
        subprocess.run(["cp", "-al", prev, snap], check=True)
        truth = sc.step(k, snap, prev)
        with open(os.path.join(out, "truth-%d.tsv" % k), "w") as f:
            for tag, rel in truth:
                f.write("%s\t%s\n" % (tag if isinstance(tag, str) else "%.4f" % tag, esc(rel)))
        prev = snap
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump({"name": name, "kind": sc.kind, "snapshots": sc.snapshots, "description": sc.description}, f)


def main():
    a = sys.argv[1:]
    if a[:1] == ["list"]:
        for n, c in SCENARIOS.items():
            s = c(n)
            print("%s\t%s\t%s" % (n, s.kind, s.description))
    elif len(a) == 4 and a[0] == "make":
        if a[1] not in SCENARIOS:
            raise SystemExit("scenarios: unknown scenario %s (see: scenarios.py list)" % a[1])
        make(a[1], a[2], a[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
