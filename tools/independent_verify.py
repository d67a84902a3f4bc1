#!/usr/bin/env python3
"""A second, independent verifier of Pingan's ledger evidence.

Written from the specifications, not from Pingan's Rust code, so that a regulator or a court
can check the platform's claims with tools it did not write: SHA-256 from Python's hashlib,
Ed25519 from the OpenSSL command line (`openssl pkeyutl -verify -rawin`).

  RFC 9162 §2.1.1   leaf hash = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right)
  RFC 9162 §2.1.3.2 verifying an inclusion proof
  RFC 9162 §2.1.4.2 verifying a consistency proof
  C2SP signed-note   text, a blank line, then "— <name> <base64(key id (4) || signature)>"
  C2SP tlog-checkpoint  origin / decimal size / base64 root hash

Usage: independent_verify.py FILE [--key VERIFIER_KEY]
  FILE is an evidence bundle (format pingan-evidence/v1), an inclusion proof
  {leafIdx, treeSize, root, leafHash, proof} or a consistency proof
  {size1, size2, root1, root2, proof}. Exit 0 valid, 1 invalid, 2 malformed.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile


class Invalid(Exception):
    pass


class Malformed(Exception):
    pass


def b64(s, what):
    try:
        return base64.b64decode(s, validate=True)
    except Exception:
        raise Malformed(f"{what} is not base64")


def digest(s, what):
    h = b64(s, what)
    if len(h) != 32:
        raise Invalid(f"{what} is not a SHA-256 hash")
    return h


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf, proof, root):
    if index >= size:
        raise Invalid("leaf index beyond the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise Invalid("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Invalid("inclusion proof too short")
    if r != root:
        raise Invalid("inclusion proof does not lead to the root")


def verify_consistency(size1, size2, root1, root2, proof):
    empty = hashlib.sha256(b"").digest()
    if size1 > size2:
        raise Invalid("size1 beyond size2")
    if size2 == 0 and root2 != empty:
        raise Invalid("the empty tree's root is SHA-256 of nothing")
    if size1 != size2 and (len(root1) != 32 or len(root2) != 32):
        raise Invalid("a root is not a SHA-256 hash")
    if size1 == 0:
        # Policy shared with the platform: every tree extends the empty tree.
        if root1 != empty or proof:
            raise Invalid("the empty tree has the empty root and needs no proof")
        return
    if size1 == size2:
        if proof or root1 != root2:
            raise Invalid("equal sizes need equal roots and no proof")
        return
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    if not path:
        raise Invalid("consistency proof empty")
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Invalid("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Invalid("consistency proof too short")
    if fr != root1:
        raise Invalid("consistency proof does not lead to root1")
    if sr != root2:
        raise Invalid("consistency proof does not lead to root2")


def ed25519_verify(public_key, message, signature):
    # SubjectPublicKeyInfo for Ed25519 (RFC 8410): a fixed 12-byte DER prefix and the raw key.
    der = bytes.fromhex("302a300506032b6570032100") + public_key
    pem = b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END PUBLIC KEY-----\n"
    with tempfile.TemporaryDirectory() as d:
        paths = {}
        for name, data in (("key.pem", pem), ("msg", message), ("sig", signature)):
            paths[name] = os.path.join(d, name)
            with open(paths[name], "wb") as f:
                f.write(data)
        run = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", paths["key.pem"], "-rawin",
             "-in", paths["msg"], "-sigfile", paths["sig"]],
            capture_output=True,
        )
    return run.returncode == 0


def open_note(note, verifier_key):
    """The note's text if a signature by verifier_key is on it (C2SP signed-note)."""
    parts = verifier_key.split("+", 2)  # the base64 key may itself hold "+"
    if len(parts) != 3:
        raise Malformed("verifier key is not name+hash+key")
    name, key_id_hex, key = parts
    key = b64(key, "verifier key")
    if len(key) != 33 or key[0] != 1:
        raise Malformed("verifier key is not an Ed25519 key")
    key_id = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    if key_id.hex() != key_id_hex:
        raise Malformed("verifier key's id does not match its name and key")
    if "\n\n" not in note:
        raise Malformed("note has no signature block")
    cut = note.rindex("\n\n")
    text, signatures = note[: cut + 1], note[cut + 2:]
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            raise Malformed("signature line does not start with an em dash")
        signer, _, sig = line[2:].rpartition(" ")
        sig = b64(sig, "signature")
        if signer == name and sig[:4] == key_id:
            if ed25519_verify(key[1:], text.encode(), sig[4:]):
                return text
            raise Invalid("the signature does not verify")
    raise Invalid("no signature by the given key")


def check_bundle(doc, key):
    if doc.get("format") != "pingan-evidence/v1":
        raise Malformed("not a pingan-evidence/v1 bundle")
    text = open_note(doc["checkpoint"], key or doc["verifier_key"])
    lines = text.split("\n")
    if len(lines) < 4 or not lines[1].isdigit():
        raise Malformed("checkpoint body is not origin / size / root")
    size, root = int(lines[1]), digest(lines[2], "checkpoint root")
    leaf = hashlib.sha256(b"\x00" + b64(doc["entry"], "entry")).digest()
    proof = [digest(p, "proof") for p in doc["proof"]]
    verify_inclusion(doc["index"], size, leaf, proof, root)
    return f"entry {doc['index']} of {lines[0]} is in the signed tree of size {size}"


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--key"):
        print("usage: independent_verify.py FILE [--key VERIFIER_KEY]", file=sys.stderr)
        return 2
    key = argv[3] if len(argv) == 4 else None
    try:
        try:
            with open(argv[1], encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            raise Malformed(f"{argv[1]}: {e}")
        try:
            if "format" in doc:
                print("valid:", check_bundle(doc, key))
            elif "leafIdx" in doc:
                proof = [digest(p, "proof") for p in doc.get("proof") or []]
                verify_inclusion(doc["leafIdx"], doc["treeSize"], digest(doc["leafHash"], "leafHash"), proof,
                                 digest(doc["root"], "root"))
                print(f"valid: leaf {doc['leafIdx']} is in the tree of size {doc['treeSize']}")
            elif "size1" in doc:
                proof = [digest(p, "proof") for p in doc.get("proof") or []]
                # Roots are compared, not hashed into: the published vectors carry
                # placeholder roots where the sizes are equal.
                verify_consistency(doc["size1"], doc["size2"], b64(doc["root1"], "root1"),
                                   b64(doc["root2"], "root2"), proof)
                print(f"valid: the tree of size {doc['size2']} extends the tree of size {doc['size1']}")
            else:
                raise Malformed("neither a bundle nor a proof")
        except (KeyError, TypeError) as e:
            raise Malformed(f"missing or mistyped field {e}")
    except Malformed as e:
        print("malformed:", e)
        return 2
    except Invalid as e:
        print("invalid:", e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
