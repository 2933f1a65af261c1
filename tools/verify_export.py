#!/usr/bin/env python3
"""Check a Ledger compliance export (NDJSON) offline, with the Python standard library only.

usage: python3 tools/verify_export.py [--public-key PEM_FILE] EXPORT.ndjson

For every event line it recomputes the hash from the exported fields:

    hash = SHA-256(previous hash || canonical bytes)

where the canonical bytes are, each as a 4-byte big-endian length followed by the bytes: the ASCII tag
"ledger.event.v1", the stream id (lower-case uuid), the version (decimal), the event id (uuid), the stored type
(UTF-8), recorded-at in microseconds since the Unix epoch (decimal), the key id (uuid, or empty in the clear),
the metadata (the stored jsonb text, UTF-8) and the payload (the stored jsonb text in UTF-8, or the ciphertext).
It also checks each stream's chain inside the export (a version's previous hash is the hash of the version before
it; version 1 starts from 32 zero bytes), and that the final manifest line has the right count and the SHA-256 of
every event line before it. It stops at the first problem, naming its line, and exits 1; a clean export exits 0.

Signed checkpoint lines ({"checkpoint": {...}}, see docs/compliance.md) are checked with --public-key, the auditor's
P-256 public key (SubjectPublicKeyInfo PEM): every checkpoint's ECDSA P-256 / SHA-256 signature over its canonical bytes
must verify (in pure Python, below), consecutive checkpoints must chain, and each checkpoint's stream heads must match
the exported events. Without --public-key, checkpoint lines are reported as unchecked on stderr and do not fail.
Exit status 2: usage, I/O error or an unusable key file.
"""

import base64
import hashlib
import json
import struct
import sys

TAG = b"ledger.event.v1"
TAG_V2 = b"ledger.event.v2"
GENESIS = "0" * 64
CHECKPOINT_TAG = b"ledger.checkpoint.v1"


def field(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def canonical(event: dict) -> bytes:
    if event.get("format") == "ledger.event.v2":
        # Events held by Marten: the payload is the stored bytes (form byte, then JSON or the sealed envelope),
        # and the key id is inside them, so its own field is empty.
        return b"".join([
            field(TAG_V2),
            field(event["streamId"].lower().encode("ascii")),
            field(str(int(event["version"])).encode("ascii")),
            field(event["eventId"].lower().encode("ascii")),
            field(event["type"].encode("utf-8")),
            field(str(int(event["recordedAtMicros"])).encode("ascii")),
            field(b""),
            field(event["metadata"].encode("utf-8")),
            field(base64.b64decode(event["stored"], validate=True)),
        ])
    if event.get("data") is not None:
        payload = event["data"].encode("utf-8")
    else:
        payload = base64.b64decode(event["dataEncrypted"], validate=True)
    key = event.get("keyId") or ""
    return b"".join([
        field(TAG),
        field(event["streamId"].lower().encode("ascii")),
        field(str(int(event["version"])).encode("ascii")),
        field(event["eventId"].lower().encode("ascii")),
        field(event["type"].encode("utf-8")),
        field(str(int(event["recordedAtMicros"])).encode("ascii")),
        field(key.lower().encode("ascii")),
        field(event["metadata"].encode("utf-8")),
        field(payload),
    ])


class Problem(Exception):
    pass


class Unusable(Exception):
    """The key file cannot be used: a usage error, not a finding."""


# ECDSA P-256 (NIST FIPS 186, SEC 2 secp256r1) verification, in Jacobian coordinates.
P = 2**256 - 2**224 + 2**192 + 2**96 - 1
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
INFINITY = (1, 1, 0)


def _double(point):
    x, y, z = point
    if z == 0 or y == 0:
        return INFINITY
    delta = z * z % P
    gamma = y * y % P
    beta = x * gamma % P
    alpha = 3 * (x - delta) * (x + delta) % P  # a = -3
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y + z) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return (x3, y3, z3)


def _add(first, second):
    if first[2] == 0:
        return second
    if second[2] == 0:
        return first
    x1, y1, z1 = first
    x2, y2, z2 = second
    z1z1, z2z2 = z1 * z1 % P, z2 * z2 % P
    u1, u2 = x1 * z2z2 % P, x2 * z1z1 % P
    s1, s2 = y1 * z2 * z2z2 % P, y2 * z1 * z1z1 % P
    h, r = (u2 - u1) % P, (s2 - s1) % P
    if h == 0:
        return _double(first) if r == 0 else INFINITY
    hh = h * h % P
    hhh = h * hh % P
    v = u1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - s1 * hhh) % P
    return (x3, y3, z1 * z2 * h % P)


def on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x - 3 * x + B)) % P == 0


def ecdsa_p256_verify(public_key, message: bytes, signature: bytes) -> bool:
    """Verifies an IEEE P1363 signature (r || s, 64 bytes) of SHA-256(message) under the affine point public_key."""
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < N and 0 < s < N):
        return False
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    w = pow(s, -1, N)
    u1, u2 = e * w % N, r * w % N
    g, q = (G[0], G[1], 1), (public_key[0], public_key[1], 1)
    both = _add(g, q)
    total = INFINITY
    for bit in range(max(u1.bit_length(), u2.bit_length()) - 1, -1, -1):  # Shamir's trick: u1*G + u2*Q at once
        total = _double(total)
        pick = ((u1 >> bit) & 1, (u2 >> bit) & 1)
        if pick == (1, 1):
            total = _add(total, both)
        elif pick == (1, 0):
            total = _add(total, g)
        elif pick == (0, 1):
            total = _add(total, q)
    x, _, z = total
    if z == 0:
        return False
    return x * pow(z * z, -1, P) % P % N == r


def _der(data: bytes, at: int, tag: int):
    """One DER element with the expected tag at offset `at`: returns (content start, content end)."""
    if at + 2 > len(data) or data[at] != tag:
        raise Unusable(f"not a SubjectPublicKeyInfo: expected DER tag {tag:#04x} at byte {at}")
    length, start = data[at + 1], at + 2
    if length & 0x80:
        size = length & 0x7F
        length, start = int.from_bytes(data[start:start + size], "big"), start + size
    if start + length > len(data):
        raise Unusable("not a SubjectPublicKeyInfo: a DER element runs past the end")
    return start, start + length


EC_PUBLIC_KEY = bytes.fromhex("2a8648ce3d0201")  # 1.2.840.10045.2.1
PRIME256V1 = bytes.fromhex("2a8648ce3d030107")  # 1.2.840.10045.3.1.7


def load_public_key(path: str):
    """Reads a P-256 "PUBLIC KEY" PEM; returns (affine point, key id = first 16 hex digits of SHA-256 of the DER)."""
    with open(path, "r", encoding="ascii") as pem:
        text = pem.read()
    begin, end = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"
    if begin not in text or end not in text:
        raise Unusable("the key file is not a \"PUBLIC KEY\" PEM (SubjectPublicKeyInfo)")
    try:
        der = base64.b64decode("".join(text.split(begin, 1)[1].split(end, 1)[0].split()), validate=True)
    except ValueError as error:
        raise Unusable(f"the key file's base64 is malformed ({error})")
    start, stop = _der(der, 0, 0x30)
    algorithm_start, algorithm_end = _der(der, start, 0x30)
    oid_start, oid_end = _der(der, algorithm_start, 0x06)
    curve_start, curve_end = _der(der, oid_end, 0x06)
    if der[oid_start:oid_end] != EC_PUBLIC_KEY or der[curve_start:curve_end] != PRIME256V1:
        raise Unusable("the key is not an EC public key on the P-256 curve")
    bits_start, bits_end = _der(der, algorithm_end, 0x03)
    point = der[bits_start + 1:bits_end]
    if der[bits_start] != 0 or len(point) != 65 or point[0] != 4:
        raise Unusable("the key's point is not an uncompressed P-256 point")
    x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
    if not on_curve(x, y):
        raise Unusable("the key's point is not on the P-256 curve")
    return (x, y), hashlib.sha256(der[:stop]).hexdigest()[:16]


def _integer(body: dict, name: str) -> int:
    value = body[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} is not an integer")
    return value


def _raw(text: str, name: str) -> bytes:
    value = bytes.fromhex(text)
    if len(value) != 32:
        raise ValueError(f"{name} has {len(value)} bytes, not 32")
    return value


def checkpoint_canonical(body: dict) -> bytes:
    """The signed bytes of a checkpoint line (docs/compliance.md, "Canonical bytes")."""
    parts = [
        field(CHECKPOINT_TAG),
        field(str(_integer(body, "sequence")).encode("ascii")),
        field(str(_integer(body, "globalPosition")).encode("ascii")),
        field(str(_integer(body, "createdAtMicros")).encode("ascii")),
        field(_raw(body["previousDigest"], "previousDigest")),
        field(str(len(body["heads"])).encode("ascii")),
    ]
    for head in body["heads"]:
        parts += [
            field(head["streamId"].lower().encode("ascii")),
            field(str(_integer(head, "version")).encode("ascii")),
            field(_raw(head["hash"], "hash")),
        ]
    return b"".join(parts)


def check_checkpoints(checkpoints, key):
    """Signatures and the chain between consecutive checkpoint lines; returns [(line, body, {stream: (version, hash)})]."""
    point, key_id = key
    checked, previous = [], None
    for number, body in checkpoints:
        try:
            sequence = _integer(body, "sequence")
            signed = checkpoint_canonical(body)
            signature = bytes.fromhex(body["signature"])
            heads = {h["streamId"].lower(): (int(h["version"]), h["hash"].lower()) for h in body["heads"]}
            position = _integer(body, "globalPosition")
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise Problem(f"line {number}: a checkpoint field is missing or malformed ({error!r})")
        if body.get("format") != CHECKPOINT_TAG.decode("ascii"):
            raise Problem(f"line {number}: checkpoint {sequence} has format {body.get('format')!r}, expected {CHECKPOINT_TAG.decode('ascii')}")
        if body.get("keyId") != key_id:
            raise Problem(f"line {number}: checkpoint {sequence} is signed with key {body.get('keyId')}, the public key given is {key_id}")
        if not ecdsa_p256_verify(point, signed, signature):
            raise Problem(f"line {number}: the signature of checkpoint {sequence} does not verify under key {key_id}")
        if previous is None:
            if sequence == 1 and body["previousDigest"] != GENESIS:
                raise Problem(f"line {number}: checkpoint 1 does not chain to the genesis digest")
        else:
            last_sequence, last_digest = previous
            if sequence != last_sequence + 1:
                raise Problem(f"line {number}: checkpoint {sequence} follows checkpoint {last_sequence}")
            if body["previousDigest"].lower() != last_digest:
                raise Problem(f"line {number}: checkpoint {sequence} does not chain to checkpoint {last_sequence}: "
                              f"previous digest {body['previousDigest']}, computed {last_digest}")
        previous = (sequence, hashlib.sha256(signed).hexdigest())
        checked.append((number, sequence, position, heads))
    return checked


def check_heads(path, checked, firsts, lasts, filters):
    """Second pass over the event lines: each verified checkpoint's heads against the exported events."""
    found = [set() for _ in checked]
    with open(path, "rb") as export:
        for number, raw in enumerate(export, start=1):
            record = json.loads(raw.decode("utf-8"))
            if "manifest" in record or "checkpoint" in record:
                continue
            stream, version, position = record["streamId"].lower(), int(record["version"]), int(record["position"])
            for index, (line, sequence, covered, heads) in enumerate(checked):
                head = heads.get(stream)
                if head is None:
                    if position <= covered:
                        raise Problem(f"line {number}: stream {stream} version {version} at position {position} is not in "
                                      f"checkpoint {sequence} (line {line}), which covers positions up to {covered}")
                elif version == head[0]:
                    found[index].add(stream)
                    if record["hash"].lower() != head[1]:
                        raise Problem(f"line {number}: stream {stream} version {version} has hash {record['hash'].lower()}, "
                                      f"checkpoint {sequence} (line {line}) records {head[1]}")
                elif version > head[0] and position <= covered:
                    raise Problem(f"line {number}: stream {stream} version {version} at position {position} is beyond "
                                  f"version {head[0]} of checkpoint {sequence} (line {line}), which covers positions up to {covered}")
    unfiltered = all(filters.get(name) is None for name in ("from", "to", "streamType", "patient"))
    matched = skipped = 0
    for index, (line, sequence, _, heads) in enumerate(checked):
        for stream, (version, _) in sorted(heads.items()):
            if stream in found[index]:
                matched += 1
            elif stream in firsts and firsts[stream] == 1 and filters.get("to") is None:
                raise Problem(f"line {line}: checkpoint {sequence} records stream {stream} at version {version}, "
                              f"the export holds the stream only up to version {lasts[stream]}")
            elif stream not in firsts and unfiltered:
                raise Problem(f"line {line}: checkpoint {sequence} records stream {stream} at version {version}, "
                              f"the export holds no event of it")
            else:
                skipped += 1
    return matched, skipped


def verify(path: str, key=None) -> int:
    digest = hashlib.sha256()
    heads = {}  # stream id -> (version, hash hex) of the last event seen in the export
    firsts = {}  # stream id -> the first version the export holds
    checkpoints = []  # (line, body) of the signed checkpoint lines
    count = lines = 0
    manifest = None
    with open(path, "rb") as export:
        for number, raw in enumerate(export, start=1):
            lines = number
            if manifest is not None:
                raise Problem(f"line {number}: content after the manifest line")
            if not raw.endswith(b"\n"):
                raise Problem(f"line {number}: the line is not terminated (truncated export?)")
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as error:
                raise Problem(f"line {number}: not a JSON line ({error})")
            if not isinstance(record, dict):
                raise Problem(f"line {number}: not a JSON object")
            if "manifest" in record:
                manifest = (number, record["manifest"])
                continue
            if "checkpoint" in record:
                if not isinstance(record["checkpoint"], dict):
                    raise Problem(f"line {number}: the checkpoint is not a JSON object")
                checkpoints.append((number, record["checkpoint"]))
                continue
            try:
                previous = record["previousHash"]
                stream = record["streamId"].lower()
                version = int(record["version"])
                computed = hashlib.sha256(bytes.fromhex(previous) + canonical(record)).hexdigest()
                stored = record["hash"].lower()
                if key is not None:
                    int(record["position"])
            except (KeyError, ValueError, TypeError, AttributeError) as error:
                raise Problem(f"line {number}: a field is missing or malformed ({error!r})")
            if computed != stored:
                raise Problem(f"line {number}: hash mismatch in stream {stream} version {version}: "
                              f"computed {computed}, exported {stored}")
            if version == 1 and previous != GENESIS:
                raise Problem(f"line {number}: version 1 of stream {stream} does not start from the genesis hash")
            if stream in heads:
                last_version, last_hash = heads[stream]
                if version != last_version + 1:
                    raise Problem(f"line {number}: stream {stream} jumps from version {last_version} to {version}")
                if previous != last_hash:
                    raise Problem(f"line {number}: stream {stream} version {version} does not chain to version {last_version}")
            else:
                firsts[stream] = version
            heads[stream] = (version, stored)
            digest.update(raw)
            count += 1
    if manifest is None:
        raise Problem(f"line {lines + 1}: the manifest line is missing")
    number, body = manifest
    if body.get("count") != count:
        raise Problem(f"line {number}: the manifest counts {body.get('count')} events, the export holds {count}")
    if body.get("sha256") != digest.hexdigest():
        raise Problem(f"line {number}: the manifest digest {body.get('sha256')} does not match the lines ({digest.hexdigest()})")
    if key is not None:
        if not checkpoints:
            raise Problem(f"line {number}: a public key was given, but the export holds no checkpoint line")
        checked = check_checkpoints(checkpoints, key)
        matched, skipped = check_heads(path, checked, firsts, {s: v for s, (v, _) in heads.items()}, body)
    print(f"ok: {count} events in {len(heads)} streams, every hash and the manifest digest {digest.hexdigest()} verified")
    if key is not None:
        print(f"ok: {len(checked)} checkpoint{'' if len(checked) == 1 else 's'} signed with key {key[1]} verified, {matched} stream heads match the export"
              f"{f', {skipped} not checked (streams not exported in full)' if skipped else ''}")
    else:
        for line, checkpoint in checkpoints:
            print(f"{path}: line {line}: checkpoint {checkpoint.get('sequence')} not checked (no --public-key given)", file=sys.stderr)
    return 0


def main(argv):
    args, key_file = argv[1:], None
    if len(args) == 3 and args[0] == "--public-key":
        key_file, args = args[1], args[2:]
    if len(args) != 1 or args[0].startswith("--"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = args[0]
    try:
        key = load_public_key(key_file) if key_file is not None else None
    except (Unusable, OSError, UnicodeDecodeError) as error:
        print(f"{key_file}: {error}", file=sys.stderr)
        return 2
    try:
        return verify(path, key)
    except Problem as problem:
        print(f"{path}: {problem}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
