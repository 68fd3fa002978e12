#!/usr/bin/env python3
"""merkle_gen.py - writes tests/vectors/merkle_gen.txt from an independent implementation.

This script shares no code with core/: MTH, PATH and SUBPROOF are the
recursive definitions of RFC 9162 sections 2.1.1, 2.1.3.1 and 2.1.4.1
(hashlib's SHA-256), and the tree-head encoding and signature follow
docs/audit.md (a hand-written msgpack encoder, the `cryptography` package's
Ed25519).  Before writing anything it checks itself against the published
Certificate Transparency data in tests/vectors/merkle.txt.  tests/test_merkle.c
checks that core/ reproduces every byte.  Ed25519 is deterministic: running
this again gives the same file.

Run by hand from the repository root:  python3 tests/vectors/merkle_gen.py
(needs python3-cryptography; the test suite only reads the output).
"""
import hashlib
import os
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- RFC 9162 2.1 ---------------------------------------------------------


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(d):
    return sha256(b"\x00" + d)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def split(n):
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(D):
    if len(D) == 0:
        return sha256(b"")
    if len(D) == 1:
        return leaf_hash(D[0])
    k = split(len(D))
    return node_hash(mth(D[:k]), mth(D[k:]))


def path(m, D):
    if len(D) == 1:
        return []
    k = split(len(D))
    if m < k:
        return path(m, D[:k]) + [mth(D[k:])]
    return path(m - k, D[k:]) + [mth(D[:k])]


def subproof(m, D, b):
    n = len(D)
    if m == n:
        return [] if b else [mth(D)]
    k = split(n)
    if m <= k:
        return subproof(m, D[:k], b) + [mth(D[k:])]
    return subproof(m - k, D[k:], False) + [mth(D[:k])]


def proof(m, D):
    return subproof(m, D, True)


# ---- docs/audit.md: canonical msgpack of a tree head -------------------------


def pack_uint(v):
    assert 0 <= v < 2**64
    if v < 0x80:
        return bytes([v])
    for first, fmt, limit in ((0xCC, ">B", 2**8), (0xCD, ">H", 2**16), (0xCE, ">I", 2**32)):
        if v < limit:
            return bytes([first]) + struct.pack(fmt, v)
    return b"\xcf" + struct.pack(">Q", v)


def pack_bin(b):
    assert len(b) < 256
    return bytes([0xC4, len(b)]) + b


def head_fields(size, root, time_ms, pk):
    return pack_uint(size) + pack_bin(root) + pack_uint(time_ms) + pack_bin(pk)


PREFIX = b"nara/v1/tree-head\x00"


def tree_head(seed, size, root, time_ms):
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    pk = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    pre = PREFIX + b"\x94" + head_fields(size, root, time_ms, pk)
    sig = sk.sign(pre)
    enc = b"\x95" + head_fields(size, root, time_ms, pk) + pack_bin(sig)
    return pk, pre, sig, enc


# ---- published data: check ourselves first ----------------------------------


def read_published():
    leaves, roots, incl, cons = [], {}, [], []
    with open(os.path.join(HERE, "merkle.txt")) as f:
        for line in f:
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            if w[0] == "leaf":
                leaves.append(b"" if w[1] == "-" else bytes.fromhex(w[1]))
            elif w[0] == "root":
                roots[int(w[1])] = bytes.fromhex(w[2])
            elif w[0] == "inclusion":
                incl.append((int(w[1]), int(w[2]), [bytes.fromhex(h) for h in w[3:]]))
            elif w[0] == "consistency":
                cons.append((int(w[1]), int(w[2]), [bytes.fromhex(h) for h in w[3:]]))
    return leaves, roots, incl, cons


def check_published(leaves, roots, incl, cons):
    for n, r in roots.items():
        assert mth(leaves[:n]) == r, n
    for i, n, p in incl:
        assert path(i, leaves[:n]) == p, (i, n)
    for m, n, p in cons:
        got = [] if m == n else proof(m, leaves[:n])
        assert got == p, (m, n)


def main():
    leaves, roots, incl, cons = read_published()
    check_published(leaves, roots, incl, cons)
    out = [
        "# Every RFC 9162 proof over the first 1..8 CT leaves of merkle.txt, and",
        "# signed tree heads (docs/audit.md).  Written by merkle_gen.py, an",
        "# implementation independent of core/ (checked against merkle.txt first).",
        "#",
        "# inclusion INDEX SIZE HEX...      PATH(INDEX, D[SIZE])        (RFC 9162 2.1.3.1)",
        "# consistency M N HEX...           PROOF(M, D[N]), 0 < M < N   (RFC 9162 2.1.4.1)",
        "# head NAME SEED SIZE ROOT TIME_MS PK PREIMAGE SIG ENCODING",
        "",
    ]
    for n in range(1, 9):
        for i in range(n):
            out.append(" ".join(["inclusion", str(i), str(n)] + [h.hex() for h in path(i, leaves[:n])]))
    out.append("")
    for n in range(2, 9):
        for m in range(1, n):
            out.append(" ".join(["consistency", str(m), str(n)] + [h.hex() for h in proof(m, leaves[:n])]))
    out.append("")
    heads = [
        ("ct8", bytes(range(32)), 8, mth(leaves), 1700000000000),
        ("empty", bytes(range(31, -1, -1)), 0, sha256(b""), 0),
        ("widths", bytes(range(32)), 200, mth(leaves[:3]), 65536),
        ("max", bytes([7] * 32), 2**63 - 1, sha256(b"max"), 2**63 - 1),
    ]
    for name, seed, size, root, time_ms in heads:
        pk, pre, sig, enc = tree_head(seed, size, root, time_ms)
        out.append(" ".join(["head", name, seed.hex(), str(size), root.hex(), str(time_ms),
                             pk.hex(), pre.hex(), sig.hex(), enc.hex()]))
    with open(os.path.join(HERE, "merkle_gen.txt"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
