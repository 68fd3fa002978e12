#!/usr/bin/env python3
"""gen_vectors.py - writes tests/vectors/events.txt from an independent implementation.

This script shares no code with core/: its msgpack encoder, hashing and
signing follow docs/format.md only (hashlib's BLAKE2b, the `cryptography`
package's Ed25519).  tests/test_event.c checks that nara_event_seal()
reproduces every byte, so the C code and the specification are held to each
other.  Ed25519 is deterministic: running this again gives the same file.

Run by hand from the repository root:  python3 tests/vectors/gen_vectors.py
(needs python3-cryptography; the test suite only reads the output).
"""
import hashlib
import os
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def pack(v):
    """Canonical msgpack (docs/format.md): shortest forms, sorted str keys."""
    if v is None:
        return b"\xc0"
    if v is False:
        return b"\xc2"
    if v is True:
        return b"\xc3"
    if isinstance(v, int):
        return pack_int(v)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return length_header(len(b), 0xA0, 32, (0xD9, 0xDA, 0xDB)) + b
    if isinstance(v, bytes):
        return length_header(len(v), None, 0, (0xC4, 0xC5, 0xC6)) + v
    if isinstance(v, list):
        return length_header(len(v), 0x90, 16, (None, 0xDC, 0xDD)) + b"".join(map(pack, v))
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode("utf-8"))
        out = length_header(len(v), 0x80, 16, (None, 0xDE, 0xDF))
        return out + b"".join(pack(k) + pack(v[k]) for k in keys)
    raise TypeError(v)


def length_header(n, fix, fix_limit, wide):
    if fix is not None and n < fix_limit:
        return bytes([fix | n])
    if wide[0] is not None and n < 256:
        return bytes([wide[0], n])
    if n < 65536:
        return bytes([wide[1]]) + struct.pack(">H", n)
    return bytes([wide[2]]) + struct.pack(">I", n)


def pack_int(n):
    if 0 <= n < 128:
        return bytes([n])
    if n >= 0:
        for tag, fmt, limit in ((0xCC, ">B", 1 << 8), (0xCD, ">H", 1 << 16),
                                (0xCE, ">I", 1 << 32), (0xCF, ">Q", 1 << 64)):
            if n < limit:
                return bytes([tag]) + struct.pack(fmt, n)
    if n >= -32:
        return struct.pack(">b", n)
    for tag, fmt, low in ((0xD0, ">b", -(1 << 7)), (0xD1, ">h", -(1 << 15)),
                          (0xD2, ">i", -(1 << 31)), (0xD3, ">q", -(1 << 63))):
        if n >= low:
            return bytes([tag]) + struct.pack(fmt, n)
    raise ValueError(n)


def b2b(prefix, *parts):
    h = hashlib.blake2b(digest_size=32)
    h.update(prefix.encode() + b"\x00")
    for p in parts:
        h.update(p)
    return h.digest()


def hlc(ms, logical):
    return (ms << 16) | logical


def seal(seed, stream, seq, prev, ts, kind, body, redacted=False):
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    pk = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    head = (pack(1) + pack(pk) + pack(stream) + pack(seq) + pack(prev) + pack(ts) + pack(kind))
    body_bytes = pack(body)
    body_hash = b2b("nara/v1/body", body_bytes)
    ev_id = b2b("nara/v1/id", b"\x98", head, b"\xc4\x20", body_hash)
    sig = sk.sign(b"nara/v1/event-sig\x00" + ev_id)
    link = b2b("nara/v1/link", ev_id, sig)
    shown_body = pack(body_hash) if redacted else body_bytes
    event = b"\x99" + head + shown_body + pack(sig)
    return dict(seed=seed, stream=stream, seq=seq, prev=prev, hlc=ts, kind=kind,
                body=body_bytes, redacted=redacted, event=event, id=ev_id, sig=sig,
                link=link, body_hash=body_hash)


def vectors():
    seed_a = bytes(range(0x00, 0x20))
    seed_b = bytes(range(0x20, 0x40))
    first = seal(seed_a, "32.01", 1, None, hlc(1700000000000, 0), "case.open",
                 {"case": "c-0001", "village": "Sukamaju"})
    nested = {
        "a": [1, -1, -33, -200, 70000, {"x": None, "y": True}],
        "bin": b"\x01\x02\x03",
        "n": -2147483649,
        "t": "h\u00e9llo \u2713",
        "z": False,
    }
    second = seal(seed_a, "32.01", 2, first["link"], hlc(1700000000001, 7), "case.note", nested)
    province = seal(seed_b, "province", 1, None, hlc(1700000000002, 0xFFFF),
                    "report.weekly-summary_v1.final.x",
                    {"a": 18446744073709551615, "aa": "x" * 40, "b": list(range(16)),
                     "\u00e9": {}})
    redacted = seal(seed_a, "32.01", 2, first["link"], hlc(1700000000001, 7), "case.note",
                    nested, redacted=True)
    return [("first", first), ("nested", second), ("province", province),
            ("nested-redacted", redacted)]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    lines = [
        "# Naradamping event format v1: known-answer vectors (docs/format.md).",
        "# Written by gen_vectors.py, an implementation independent of core/.",
        "# One block per vector, blocks separated by a blank line, one 'key value' per line.",
        "# seed: Ed25519 seed; prev: hex or 'nil'; hlc: decimal; body: the body map as",
        "# sealed; redacted 1: 'event' carries bin 32 body_hash in place of the body.",
    ]
    for name, v in vectors():
        lines += ["", "name " + name, "seed " + v["seed"].hex(), "stream " + v["stream"],
                  "seq %d" % v["seq"], "prev " + (v["prev"].hex() if v["prev"] else "nil"),
                  "hlc %d" % v["hlc"], "kind " + v["kind"], "body " + v["body"].hex(),
                  "redacted %d" % v["redacted"], "event " + v["event"].hex(),
                  "body_hash " + v["body_hash"].hex(), "id " + v["id"].hex(),
                  "sig " + v["sig"].hex(), "link " + v["link"].hex()]
    with open(os.path.join(here, "events.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
