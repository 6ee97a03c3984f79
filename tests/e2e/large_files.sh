#!/usr/bin/env bash
# Files whose content list outgrows one tree node keep it in content part
# blobs (docs/FORMAT.md §9).  A repository with tiny chunks makes a few
# MiB enough to need several parts: backup, restore byte for byte, an
# edit that rewrites one part only, prune keeping the parts, check.
. "$(dirname "$0")/../lib.sh"

S=$T/src
mkdir -p "$S"
head -c $((6 << 20)) /dev/urandom >"$S/disk.img"
# sparse, with data regions between holes
truncate -s $((64 << 20)) "$S/sparse.img"
for off in 1 9 30 50; do
	head -c $((700 << 10)) /dev/urandom | dd of="$S/sparse.img" bs=1M seek=$off conv=notrunc status=none
done
echo small >"$S/small.txt"
expect_rc 0 "init with 64..512-byte chunks" "$RP" init --chunk-min 64 --chunk-avg 128 --chunk-max 512
expect_rc 0 "first backup" "$RP" backup --json "$S"
first=$(json_get "$T/out" "j['snapshot_id']")

# find the file's tree entry from the snapshot's root
parts_of() { # SNAP NAME -> number of content parts of $S/NAME
	python3 - "$RP" "$1" "$S/$2" <<'EOF'
import json, subprocess, sys
rp, snap, path = sys.argv[1:]
def cat(*a):
    return json.loads(subprocess.run([rp, "cat", *a], check=True, capture_output=True).stdout)
tree = cat("snapshot", snap)["tree"]
names = [p for p in path.split("/") if p]
for i, name in enumerate(names):
    entry = None
    for e in cat("tree", tree):
        if e["name"] == name:
            entry = e
    assert entry, name
    if i < len(names) - 1:
        assert len(entry["subtrees"]) == 1
        tree = entry["subtrees"][0]
print(len(entry.get("content_parts", [])), len(entry["content"]))
EOF
}
read -r np nc < <(parts_of "$first" disk.img)
check "the large file lists $np content parts and no inline items" test "$np" -ge 2 -a "$nc" = 0
read -r np nc < <(parts_of "$first" small.txt)
check "a small file keeps its items inline" test "$np" = 0 -a "$nc" = 1

expect_rc 0 "restore" "$RP" restore latest --target "$T/r1"
same_tree "restored tree is the source" "$S" "$T/r1$S"
check "holes come back as holes" test "$(du -k "$T/r1$S/sparse.img" | cut -f1)" -lt 8192

# an edit in the middle: most parts are shared with the first snapshot
printf 'EDITED' | dd of="$S/disk.img" bs=1 seek=$((3 << 20)) conv=notrunc status=none
expect_rc 0 "second backup" "$RP" backup --json "$S"
second=$(json_get "$T/out" "j['snapshot_id']")
added=$(json_get "$T/out" "j['bytes_added']")
check "the edit stores little ($added bytes added)" test "$added" -lt $((2 << 20))
expect_rc 0 "check --read-data" "$RP" check --read-data

# the first snapshot goes; the second's parts must survive prune
expect_rc 0 "forget the first snapshot" "$RP" forget "${first:0:10}" --prune
expect_rc 0 "check after prune" "$RP" check --read-data
expect_rc 0 "restore after prune" "$RP" restore latest --target "$T/r2"
same_tree "restored after prune" "$S" "$T/r2$S"

# a damaged part makes that one file unrestorable, and is named
part=$(python3 - "$RP" "$S/disk.img" "$second" <<'EOF'
import json, subprocess, sys
rp, path, snap = sys.argv[1:]
def cat(*a):
    return json.loads(subprocess.run([rp, "cat", *a], check=True, capture_output=True).stdout)
tree = cat("snapshot", snap)["tree"]
names = [p for p in path.split("/") if p]
for i, name in enumerate(names):
    entry = [e for e in cat("tree", tree) if e["name"] == name][0]
    if i < len(names) - 1:
        tree = entry["subtrees"][0]
print(entry["content_parts"][1]["part"])
EOF
)
pack=$(python3 - "$RP" "$REMPART_REPOSITORY" "$part" <<'EOF'
import json, os, subprocess, sys
rp, repo, part = sys.argv[1:]
for name in sorted(os.listdir(os.path.join(repo, "index"))):
    j = json.loads(subprocess.run([rp, "cat", "index", name], check=True, capture_output=True).stdout)
    for p in j:
        for b in p["blobs"]:
            if b["id"] == part:
                print(p["pack"], b["offset"], b["length"])
                sys.exit(0)
EOF
)
check "the part's pack is found in the index" test -n "$pack"
read -r pid poff plen <<<"$pack"
pfile=$(find "$REMPART_REPOSITORY/data" -name "$pid")
chmod u+w "$pfile" "$(dirname "$pfile")" 2>/dev/null
printf '\xff' | dd of="$pfile" bs=1 seek=$((poff + plen / 2)) conv=notrunc status=none
expect_rc 1 "restore with a damaged content part fails" "$RP" restore latest --target "$T/r3"
contains "$T/err" "disk.img" "the damaged file is named"
check "the other files are restored" cmp "$S/small.txt" "$T/r3$S/small.txt"
expect_rc 1 "check names the damage" "$RP" check --read-data
contains "$T/out" "disk.img" "check names the file"
finish
