"""dkimpy (Debian python3-dkim) signs with a key dkim-milter genkey wrote and verifies against its .txt record.

Run with Debian's /usr/bin/python3 -I. Reads ONE JSON object on stdin:
    {"message": "<base64 message>", "selector": "sel", "domain": "example.com", "algorithm": "rsa-sha256",
     "private_key_file": "/path/sel.private", "record": "v=DKIM1; h=sha256; k=rsa; p=..."}
and writes ONE JSON object on stdout:
    {"signature": "DKIM-Signature: ...", "verified": true, "error": null}
Without "private_key_file" the message is taken as already signed (by someone else) and only verified; the
answer's "signature" is then empty.
The private key file is read as it is: dkimpy takes RSA keys in PEM (PKCS#1 or PKCS#8) directly; for Ed25519 it
takes only the base64 32-byte seed, so the PKCS#8 PEM is opened with python3-cryptography (an independent reader)
and its raw private bytes are handed over. The record is served for SELECTOR._domainkey.DOMAIN. only.
"""

import base64
import json
import logging
import sys

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


class LastWarning(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.last = None

    def emit(self, record):
        if record.levelno >= logging.WARNING:
            self.last = record.getMessage()


def sign(request, message):
    with open(request["private_key_file"], "rb") as handle:
        pem = handle.read()
    algorithm = request["algorithm"]
    if algorithm == "ed25519-sha256":
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise SystemExit("not an Ed25519 key: %r" % type(key))
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
        private = base64.b64encode(raw)
    else:
        private = pem
    return dkim.sign(message, request["selector"].encode("ascii"), request["domain"].encode("ascii"), private,
                     signature_algorithm=algorithm.encode("ascii"), include_headers=[b"From", b"To", b"Subject", b"Date"])


def main():
    request = json.load(sys.stdin)
    message = base64.b64decode(request["message"])
    signature = sign(request, message) if "private_key_file" in request else b""

    name = "%s._domainkey.%s." % (request["selector"], request["domain"])

    def dnsfunc(queried, timeout=5):
        if isinstance(queried, bytes):
            queried = queried.decode("ascii", "replace")
        return request["record"].encode("ascii") if queried.lower() == name.lower() else None

    handler = LastWarning()
    logger = logging.getLogger("dkimpy-genkey")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    verifier = dkim.DKIM(signature + message, logger=logger, minkey=1024)
    try:
        verified = bool(verifier.verify(dnsfunc=dnsfunc))
        error = None if verified else handler.last
    except dkim.DKIMException as failure:
        verified, error = False, "%s: %s" % (type(failure).__name__, failure)
    json.dump({"signature": signature.decode("ascii"), "verified": verified, "error": error}, sys.stdout)


if __name__ == "__main__":
    main()
