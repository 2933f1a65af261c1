#!/usr/bin/env python3
"""Check a Ledger compliance export (NDJSON) offline, with the Python standard library only.

usage: python3 tools/verify_export.py EXPORT.ndjson

For every event line it recomputes the hash from the exported fields:

    hash = SHA-256(previous hash || canonical bytes)

where the canonical bytes are, each as a 4-byte big-endian length followed by the bytes: the ASCII tag
"ledger.event.v1", the stream id (lower-case uuid), the version (decimal), the event id (uuid), the stored type
(UTF-8), recorded-at in microseconds since the Unix epoch (decimal), the key id (uuid, or empty in the clear),
the metadata (the stored jsonb text, UTF-8) and the payload (the stored jsonb text in UTF-8, or the ciphertext).
It also checks each stream's chain inside the export (a version's previous hash is the hash of the version before
it; version 1 starts from 32 zero bytes), and that the final manifest line has the right count and the SHA-256 of
every line before it. It stops at the first problem, naming its line, and exits 1; a clean export exits 0.
"""

import base64
import hashlib
import json
import struct
import sys

TAG = b"ledger.event.v1"
GENESIS = "0" * 64


def field(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def canonical(event: dict) -> bytes:
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


def verify(path: str) -> int:
    digest = hashlib.sha256()
    heads = {}  # stream id -> (version, hash hex) of the last event seen in the export
    count = 0
    manifest = None
    with open(path, "rb") as export:
        for number, raw in enumerate(export, start=1):
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
            try:
                previous = record["previousHash"]
                stream = record["streamId"].lower()
                version = int(record["version"])
                computed = hashlib.sha256(bytes.fromhex(previous) + canonical(record)).hexdigest()
                stored = record["hash"].lower()
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
            heads[stream] = (version, stored)
            digest.update(raw)
            count += 1
    if manifest is None:
        raise Problem(f"line {count + 1}: the manifest line is missing")
    number, body = manifest
    if body.get("count") != count:
        raise Problem(f"line {number}: the manifest counts {body.get('count')} events, the export holds {count}")
    if body.get("sha256") != digest.hexdigest():
        raise Problem(f"line {number}: the manifest digest {body.get('sha256')} does not match the lines ({digest.hexdigest()})")
    print(f"ok: {count} events in {len(heads)} streams, every hash and the manifest digest {digest.hexdigest()} verified")
    return 0


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        return verify(argv[1])
    except Problem as problem:
        print(f"{argv[1]}: {problem}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{argv[1]}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
