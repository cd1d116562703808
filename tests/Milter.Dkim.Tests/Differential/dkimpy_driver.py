"""Batch driver for the differential tests: dkimpy (Debian python3-dkim) as an independent DKIM oracle.

Run with Debian's /usr/bin/python3. Reads one JSON request per line on stdin and writes one JSON response
per line on stdout, until stdin closes, so a whole test run needs one process. Bytes travel as base64.

Request:  {"keys": {"sel._domainkey.example.com.": "v=DKIM1; k=rsa; p=..."},
           "canon": [{"kind": "header"|"body", "algorithm": "simple"|"relaxed",
                      "name": "<b64>", "value": "<b64>"}],           (header: value without the final CRLF)
           "sign": [{"message": "<b64>", "selector": "s", "domain": "d", "algorithm": "rsa-sha256",
                     "key": "<PEM, or base64 Ed25519 seed>", "header": "relaxed", "body": "simple",
                     "headers": ["From", ...], "length": false}],
           "verify": ["<b64 message>", ...]}
Response: {"canon": ["<b64>", ...], "sign": [{"signature": "<b64>"|null, "error": str|null}],
           "verify": [{"pass": bool, "error": str|null}], "version": "..."}
Keys are remembered across requests. Nothing else is printed on stdout.
"""

import base64
import json
import logging
import sys

import dkim
import dkim.canonicalization as canonicalization

KEYS = {}


class CollectingHandler(logging.Handler):
    """Keeps the last error dkimpy logged (verify() swallows exceptions and logs them)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.last = None

    def emit(self, record):
        if record.levelno >= logging.WARNING:
            self.last = record.getMessage()


HANDLER = CollectingHandler()
LOGGER = logging.getLogger("dkimpy-differential")
LOGGER.addHandler(HANDLER)
LOGGER.setLevel(logging.DEBUG)
LOGGER.propagate = False


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    return base64.b64decode(text)


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode("ascii", "replace")
    record = KEYS.get(name.lower())
    return record.encode("ascii") if record is not None else None


ALGORITHMS = {"simple": canonicalization.Simple, "relaxed": canonicalization.Relaxed}


def canonicalize(case):
    algorithm = ALGORITHMS[case["algorithm"]]
    if case["kind"] == "header":
        # dkimpy holds a field as (name, value) with the value's final CRLF included.
        name, value = algorithm.canonicalize_headers([(unb64(case["name"]), unb64(case["value"]) + b"\r\n")])[0]
        return b64(name + b":" + value)
    return b64(algorithm.canonicalize_body(unb64(case["body"])))


def sign(job):
    try:
        signature = dkim.sign(
            unb64(job["message"]),
            job["selector"].encode("ascii"),
            job["domain"].encode("ascii"),
            job["key"].encode("ascii"),
            canonicalize=(job["header"].encode("ascii"), job["body"].encode("ascii")),
            signature_algorithm=job["algorithm"].encode("ascii"),
            include_headers=[name.encode("ascii") for name in job["headers"]],
            length=bool(job["length"]),
            logger=LOGGER,
        )
        return {"signature": b64(signature), "error": None}
    except Exception as error:  # noqa: BLE001 - every failure is a result to report
        return {"signature": None, "error": "%s: %s" % (type(error).__name__, error)}


def verify(message):
    HANDLER.last = None
    try:
        result = dkim.DKIM(unb64(message), logger=LOGGER, minkey=1024).verify(dnsfunc=dnsfunc)
        return {"pass": bool(result), "error": None if result else (HANDLER.last or "signature did not verify")}
    except Exception as error:  # noqa: BLE001 - DKIMException and anything dkimpy trips over
        return {"pass": False, "error": "%s: %s" % (type(error).__name__, error)}


def main():
    try:
        from importlib.metadata import version as package_version
        version = package_version("dkimpy")
    except Exception:  # noqa: BLE001 - the version is only informational
        version = "unknown"
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        for name, record in (request.get("keys") or {}).items():
            KEYS[name.lower()] = record
        response = {
            "canon": [canonicalize(case) for case in request.get("canon") or []],
            "sign": [sign(job) for job in request.get("sign") or []],
            "verify": [verify(message) for message in request.get("verify") or []],
            "version": version,
        }
        sys.stdout.write(json.dumps(response))
        sys.stdout.write("\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
