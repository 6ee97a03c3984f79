#!/usr/bin/env python3
"""make-demo-tree.py DIR [--size-mb N] - a small town-hall file share.

Deterministic (seeded): council minutes and letters (text), a register of
residents (CSV with invented names, phone numbers, social-security
numbers with valid keys and IBANs), invoices (PDF-like files), scanned
pages and photos (random bytes behind real magic numbers), a SQLite
database, a few symlinks and hard links.  Everything is invented.
"""
import os
import random
import sqlite3
import sys

FIRST = ["Marie", "Jean", "Nathalie", "Pierre", "Sophie", "Luc", "Camille", "Yann", "Anne", "Erwan"]
LAST = ["Le Goff", "Martin", "Bernard", "Guérin", "Le Bihan", "Morel", "Fournier", "Rolland", "Hervé", "Tanguy"]
TOWNS = ["Donges", "Savenay", "Cordemais", "Lavau-sur-Loire", "Vue"]
STREETS = ["rue de la Mairie", "place de l'Église", "chemin du Moulin", "route de Nantes", "allée des Tilleuls"]


def nir(r):
    sex = r.choice("12")
    yy = f"{r.randint(30, 99):02d}"
    mm = f"{r.randint(1, 12):02d}"
    dep = f"{r.choice([44, 35, 56, 29, 22]):02d}"
    com = f"{r.randint(1, 400):03d}"
    order = f"{r.randint(1, 999):03d}"
    body = sex + yy + mm + dep + com + order
    key = 97 - int(body) % 97
    return f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {key:02d}"


def iban(r):
    bban = f"{r.randint(10000, 99999)}{r.randint(10000, 99999)}{r.randint(10**10, 10**11 - 1)}{r.randint(10, 99)}"
    num = int(bban + "152700")  # F=15 R=27, then 00
    check = 98 - num % 97
    s = f"FR{check:02d}{bban}"
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    root = sys.argv[1]
    size_mb = int(sys.argv[sys.argv.index("--size-mb") + 1]) if "--size-mb" in sys.argv else 30
    r = random.Random("rempart-demo")
    os.makedirs(root, exist_ok=False)
    # council minutes and letters
    for year in (2023, 2024):
        d = f"{root}/Conseil municipal/{year}"
        os.makedirs(d)
        for n in range(1, 25):
            with open(f"{d}/Délibération {year}-{n:03d}.txt", "w") as f:
                f.write(f"Séance du conseil municipal, délibération n° {year}-{n:03d}\n\n")
                for _ in range(r.randint(20, 200)):
                    f.write(f"Le conseil, après en avoir délibéré, approuve le point {r.randint(1, 40)} "
                            f"du budget pour un montant de {r.randint(100, 99999)} euros.\n")
    # register of residents: personal data (invented)
    os.makedirs(f"{root}/État civil")
    with open(f"{root}/État civil/registre des habitants.csv", "w") as f:
        f.write("nom;prénom;date de naissance;numéro de sécurité sociale;téléphone;email;IBAN;adresse\n")
        for i in range(2000):
            fn, ln = r.choice(FIRST), r.choice(LAST)
            f.write(f"{ln};{fn};{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(1930, 2005)};{nir(r)};"
                    f"0{r.randint(1, 7)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)};"
                    f"{fn.lower()}.{ln.lower().replace(' ', '')}{i}@exemple.fr;{iban(r)};"
                    f"{r.randint(1, 80)} {r.choice(STREETS)} 44{r.randint(100, 999)} {r.choice(TOWNS)}\n")
    # invoices, scans and photos: random content behind real magic numbers
    budget = size_mb << 20
    os.makedirs(f"{root}/Finances/Factures")
    os.makedirs(f"{root}/Urbanisme/Scans")
    os.makedirs(f"{root}/Communication/Photos")
    i = 0
    while budget > 0:
        i += 1
        kind = r.choice(["pdf", "tif", "jpg"])
        n = int(r.lognormvariate(11, 1.2)) % (3 << 20) + 1000
        head = {"pdf": b"%PDF-1.7\n", "tif": b"II*\x00", "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"}[kind]
        folder = {"pdf": "Finances/Factures", "tif": "Urbanisme/Scans", "jpg": "Communication/Photos"}[kind]
        with open(f"{root}/{folder}/document-{i:04d}.{kind}", "wb") as f:
            f.write(head + r.randbytes(n))
        budget -= n
    # a business database
    os.makedirs(f"{root}/Logiciels métier")
    db = sqlite3.connect(f"{root}/Logiciels métier/cantine.sqlite")
    db.execute("create table inscription(id integer primary key, enfant text, classe text, regime text)")
    db.executemany("insert into inscription(enfant, classe, regime) values (?, ?, ?)",
                   [(f"{r.choice(FIRST)} {r.choice(LAST)}", r.choice(["CP", "CE1", "CE2", "CM1", "CM2"]),
                     r.choice(["standard", "sans porc", "végétarien"])) for _ in range(3000)])
    db.commit()
    db.close()
    # links
    os.symlink("../Conseil municipal/2024", f"{root}/État civil/délibérations récentes")
    os.makedirs(f"{root}/Modèles")
    with open(f"{root}/Modèles/en-tête.odt", "wb") as f:
        f.write(b"PK\x03\x04" + r.randbytes(20000))
    os.link(f"{root}/Modèles/en-tête.odt", f"{root}/Communication/en-tête.odt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
