#!/usr/bin/env python3
"""treecmp.py A B - compare two file trees the way a restore must match.

Compares, for every path (file names as bytes, so names that are not
UTF-8 are handled): type, permission bits with setuid/setgid/sticky,
uid/gid, size, content (SHA-256), mtime and atime to the nanosecond,
symlink targets, device numbers, which paths share an inode (hard links),
extended attributes (POSIX ACLs included) and the hole map of sparse
files.  Metadata is read for every entry before any content is read, so
reading does not disturb access times.  Exit 0 when identical; otherwise
prints the differences (at most 50) and exits 1.

Options: --no-atime (skip atime), --root-only-ids (skip uid/gid when the
current user is not root), --ignore PATH (relative path to skip, repeatable).
"""
import hashlib
import os
import stat
import sys


def xattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    out = {}
    for n in sorted(names):
        try:
            out[n] = os.getxattr(path, n, follow_symlinks=False)
        except OSError:
            out[n] = b"<unreadable>"
    return out


def holes(path, size):
    """Data segments of a file as a tuple of (start, end)."""
    segs = []
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        pos = 0
        while pos < size:
            try:
                d = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:
                break
            h = os.lseek(fd, d, os.SEEK_HOLE)
            segs.append((d, h))
            pos = h
    finally:
        os.close(fd)
    return tuple(segs)


def scan(root, ignore):
    root = os.fsencode(root)
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel in ignore:
                continue
            entries[rel] = (full, os.lstat(full))
    return entries


def describe(entries, args):
    by_inode = {}
    for rel, (full, st) in entries.items():
        if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
            by_inode.setdefault((st.st_dev, st.st_ino), []).append(rel)
    out = {}
    for rel, (full, st) in sorted(entries.items()):
        d = {
            "type": stat.S_IFMT(st.st_mode),
            "mode": oct(stat.S_IMODE(st.st_mode)),
            "mtime_ns": st.st_mtime_ns,
            "xattrs": xattrs(full),
        }
        if args["ids"]:
            d["uid"], d["gid"] = st.st_uid, st.st_gid
        if args["atime"] and not stat.S_ISDIR(st.st_mode) and not stat.S_ISLNK(st.st_mode):
            d["atime_ns"] = st.st_atime_ns
        if stat.S_ISREG(st.st_mode):
            d["size"] = st.st_size
            d["links"] = tuple(sorted(by_inode.get((st.st_dev, st.st_ino), [rel])))
        if stat.S_ISLNK(st.st_mode):
            d["target"] = os.readlink(full)
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            d["rdev"] = st.st_rdev
        out[rel] = d
    # content last: reading may change access times
    for rel, (full, st) in sorted(entries.items()):
        if stat.S_ISREG(st.st_mode):
            segs = None
            if st.st_blocks * 512 < st.st_size:
                segs = holes(full, st.st_size)
                out[rel]["data_segments"] = segs
            h = hashlib.sha256()
            with open(full, "rb") as f:
                # a sparse file: holes read as zeros, so hashing the data
                # segments (whose positions are compared too) is enough
                for start, end in segs if segs is not None else [(0, None)]:
                    f.seek(start)
                    left = None if end is None else end - start
                    while left is None or left > 0:
                        b = f.read(1 << 20 if left is None else min(1 << 20, left))
                        if not b:
                            break
                        h.update(b)
                        if left is not None:
                            left -= len(b)
            out[rel]["sha256"] = h.hexdigest()
    return out


def main():
    argv = sys.argv[1:]
    args = {"atime": True, "ids": True}
    ignore = set()
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--no-atime":
            args["atime"] = False
        elif a == "--root-only-ids":
            args["ids"] = os.geteuid() == 0
        elif a == "--ignore":
            i += 1
            ignore.add(os.fsencode(argv[i]))
        else:
            pos.append(a)
        i += 1
    if len(pos) != 2:
        print(__doc__)
        return 2
    a = describe(scan(pos[0], ignore), args)
    b = describe(scan(pos[1], ignore), args)
    diffs = []
    for rel in sorted(set(a) | set(b)):
        name = os.fsdecode(rel)
        if rel not in a:
            diffs.append(f"only in {pos[1]}: {name}")
        elif rel not in b:
            diffs.append(f"only in {pos[0]}: {name}")
        elif a[rel] != b[rel]:
            keys = [k for k in sorted(set(a[rel]) | set(b[rel])) if a[rel].get(k) != b[rel].get(k)]
            for k in keys:
                diffs.append(f"{name}: {k}: {a[rel].get(k)!r} != {b[rel].get(k)!r}")
    for d in diffs[:50]:
        print(d)
    if diffs:
        print(f"{len(diffs)} difference(s) over {len(a)} / {len(b)} entries")
        return 1
    print(f"identical: {len(a)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
