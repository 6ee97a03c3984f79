#!/usr/bin/env python3
"""pii_stdnum.py - test cases for the PII validators, judged by python-stdnum.

    pii_stdnum.py N SEED   prints N lines "KIND VALUE EXPECTED" (EXPECTED 1 or 0)

KIND is what `pii-scan --validate` understands: nir (stdnum.fr.nir), iban
(stdnum.iban without the national checks stdnum adds for BE, ES, ME and NO,
which the scanner does not do), siren, siret (stdnum.fr.siren/siret), luhn
(stdnum.luhn) and card (stdnum.luhn plus the issuer prefix and length table
below, written out again here from the card networks' published ranges).
Values are compact (no separators, upper case), half valid by construction
and half damaged in the ways people and OCR damage them.

Two deliberate differences, both where the scanner follows ISO 13616 more
closely than stdnum 1.18: IBAN check digits must be digits (stdnum also
takes letters there and runs them through mod 97), and the scanner knows
five countries registered after stdnum 1.18's data (FK, MN, NI, OM, SO),
which these cases leave out.
"""
import random
import sys

from stdnum import iban, luhn, numdb
from stdnum.fr import nir, siren, siret

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# (prefix low, prefix high, allowed lengths)
CARD_RANGES = [
    ("4", "4", {13, 16, 19}), ("51", "55", {16}), ("2221", "2720", {16}), ("34", "34", {15}),
    ("37", "37", {15}), ("300", "305", set(range(14, 20))), ("3095", "3095", set(range(14, 20))),
    ("36", "36", set(range(14, 20))), ("38", "39", set(range(16, 20))),
    ("6011", "6011", set(range(16, 20))), ("644", "649", set(range(16, 20))),
    ("65", "65", set(range(16, 20))), ("3528", "3589", set(range(16, 20))),
    ("62", "62", set(range(16, 20))), ("5018", "5018", set(range(12, 20))),
    ("5020", "5020", set(range(12, 20))), ("5038", "5038", set(range(12, 20))),
    ("5893", "5893", set(range(12, 20))), ("6304", "6304", set(range(12, 20))),
    ("6759", "6759", set(range(12, 20))), ("6761", "6763", set(range(12, 20))),
    ("2200", "2204", set(range(16, 20))),
]


def card_ok(v):
    if not v.isdigit() or not luhn.is_valid(v):
        return False
    for lo, hi, lengths in CARD_RANGES:
        p = v[:len(lo)]
        if len(v) in lengths and lo <= p <= hi:
            return True
    return False


def rnd(r, pool, n):
    return "".join(r.choice(pool) for _ in range(n))


def mutate(r, v):
    """One damage: change, drop, add or swap a character, or a letter for a digit."""
    if not v:
        return rnd(r, DIGITS, 5)
    i = r.randrange(len(v))
    k = r.randrange(6)
    if k == 0:
        return v[:i] + r.choice(DIGITS) + v[i + 1:]
    if k == 1:
        return v[:i] + v[i + 1:]
    if k == 2:
        return v[:i] + r.choice(DIGITS) + v[i:]
    if k == 3 and len(v) > 1:
        j = min(i + 1, len(v) - 1)
        return v[:i] + v[j] + v[i] + v[j + 1:] if j != i else v
    if k == 4:
        return v[:i] + r.choice(UPPER) + v[i + 1:]
    return v[:i] + r.choice(DIGITS + UPPER) + v[i + 1:]


def gen_nir(r):
    sex = r.choice("1278" if r.random() < 0.9 else DIGITS)
    dept = r.choice(["%02d" % r.randrange(100), "2A", "2B", "97", "99"])
    body = sex + rnd(r, DIGITS, 4) + dept + rnd(r, DIGITS, 6)
    v = body + nir.calc_check_digits(body + "00")
    if r.random() < 0.5:
        v = mutate(r, v)
    if r.random() < 0.05:
        v = body[:5] + r.choice(["2C", "3A", "A2", "AB"]) + body[7:] + rnd(r, DIGITS, 2)
    return v


def bban_of(r, structure):
    out, i = "", 0
    while i < len(structure):
        j = i
        while structure[j].isdigit():
            j += 1
        n = int(structure[i:j])
        if structure[j] == "!":
            j += 1
        pool = {"n": DIGITS, "a": UPPER, "c": DIGITS + UPPER}[structure[j]]
        out += rnd(r, pool, n)
        i = j + 1
    return out


def gen_iban(r, countries):
    cc, structure = r.choice(countries)
    bban = bban_of(r, structure)
    v = cc + iban.calc_check_digits(cc + "00" + bban) + bban
    c = r.random()
    if c < 0.45:
        v = mutate(r, v)
    elif c < 0.5:
        v = r.choice(["US", "ZZ", "CA", "JP", "GP", "RE"]) + v[2:]
    return v


def gen_siren(r):
    body = rnd(r, DIGITS, 8)
    v = body + luhn.calc_check_digit(body)
    return mutate(r, v) if r.random() < 0.5 else v


def gen_siret(r):
    c = r.random()
    if c < 0.2:
        # La Poste establishments: digit sum, not Luhn
        v = "356000000" + rnd(r, DIGITS, 5)
        return "35600000000048" if r.random() < 0.05 else v
    sbody = rnd(r, DIGITS, 8)
    s = sbody + luhn.calc_check_digit(sbody)
    body = s + rnd(r, DIGITS, 4)
    v = body + luhn.calc_check_digit(body)
    if c < 0.3:
        # a valid Luhn over 14 digits whose SIREN part is not valid
        body = rnd(r, DIGITS, 13)
        return body + luhn.calc_check_digit(body)
    return mutate(r, v) if r.random() < 0.5 else v


def gen_card(r):
    lo, hi, lengths = r.choice(CARD_RANGES)
    n = r.choice(sorted(lengths | {r.randrange(11, 21)}))
    prefix = str(r.randrange(int(lo), int(hi) + 1)).zfill(len(lo))
    if r.random() < 0.1:
        prefix = rnd(r, DIGITS, r.randrange(1, 5))
    if n <= len(prefix):
        return prefix[:n]
    body = prefix + rnd(r, DIGITS, n - len(prefix) - 1)
    v = body + luhn.calc_check_digit(body)
    return mutate(r, v) if r.random() < 0.4 else v


def main():
    n = int(sys.argv[1])
    r = random.Random(int(sys.argv[2]))
    countries = [(p[1], p[3]["bban"]) for p in numdb.get("iban").prefixes if p[3].get("bban")]
    share = [("nir", 0.22), ("iban", 0.28), ("siren", 0.1), ("siret", 0.15), ("card", 0.25)]
    out = []
    for kind, part in share:
        for _ in range(int(n * part)):
            if kind == "nir":
                v = gen_nir(r)
                out.append(("nir", v, nir.is_valid(v)))
            elif kind == "iban":
                v = gen_iban(r, countries)
                ok = iban.is_valid(v, check_country=False) and v[2:4].isdigit()
                out.append(("iban", v, ok))
            elif kind == "siren":
                v = gen_siren(r)
                out.append(("siren", v, siren.is_valid(v)))
            elif kind == "siret":
                v = gen_siret(r)
                out.append(("siret", v, siret.is_valid(v)))
            else:
                v = gen_card(r)
                out.append(("card", v, card_ok(v)))
                out.append(("luhn", v, v.isdigit() and luhn.is_valid(v)))
    for kind, v, ok in out:
        if v and " " not in v:
            print(kind, v, 1 if ok else 0)


if __name__ == "__main__":
    main()
