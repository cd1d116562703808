"""Signs the inbound tests' messages with dkimpy (Debian python3-dkim), a signer independent of the code under test.

Run with Debian's /usr/bin/python3 -I. Reads ONE JSON object on stdin:
    {"jobs": [{"message": "<base64 message>", "selector": "s", "domain": "d", "algorithm": "rsa-sha256",
               "key": "<PEM, or base64 Ed25519 seed>", "header": "relaxed", "body": "simple",
               "headers": ["From", ...]}, ...],
     "ed25519_seeds": ["<base64 32-byte seed>", ...]}
and writes ONE JSON object on stdout:
    {"signatures": ["<base64 'DKIM-Signature: ...' field, CRLF-terminated>", ...],
     "ed25519_public": ["<base64 raw 32-byte public key>", ...]}
A job dkimpy refuses fails the whole run (exit status 1, reason on stderr): every test message must be signed.
"""

import base64
import json
import sys

import dkim
import nacl.signing


def sign(job):
    return dkim.sign(
        base64.b64decode(job["message"]),
        job["selector"].encode("ascii"),
        job["domain"].encode("ascii"),
        job["key"].encode("ascii"),
        canonicalize=(job["header"].encode("ascii"), job["body"].encode("ascii")),
        signature_algorithm=job["algorithm"].encode("ascii"),
        include_headers=[name.encode("ascii") for name in job["headers"]],
    )


def public_key(seed):
    # RFC 8463: the record's p= is the raw 32-byte Ed25519 public key.
    return bytes(nacl.signing.SigningKey(base64.b64decode(seed)).verify_key)


def main():
    request = json.load(sys.stdin)
    answer = {
        "signatures": [base64.b64encode(sign(job)).decode("ascii") for job in request.get("jobs") or []],
        "ed25519_public": [base64.b64encode(public_key(seed)).decode("ascii") for seed in request.get("ed25519_seeds") or []],
    }
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
