"""dkimpy (Debian python3-dkim) as the independent verifier of what the real daemon signed.

Run with Debian's /usr/bin/python3 -I. Reads ONE JSON object on stdin:
    {"keys": {"sel._domainkey.example.com.": "v=DKIM1; k=rsa; p=..."}, "messages": ["<base64 message>", ...]}
and writes ONE JSON array on stdout, one entry per message, one entry per DKIM-Signature in it, top first:
    [[{"pass": true, "error": null, "tags": {"a": "rsa-sha256", ...}}, ...], ...]
A message dkimpy cannot parse at all gets one failed entry with the reason and no tags.
Each signature is verified on its own (dkim.DKIM(message).verify(idx=i)), with key records served from "keys"
instead of DNS. Nothing else is printed on stdout.
"""

import base64
import json
import logging
import sys

import dkim


class LastWarning(logging.Handler):
    """dkimpy logs why a signature failed (verify() swallows some exceptions): keep the last such line."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.last = None

    def emit(self, record):
        if record.levelno >= logging.WARNING:
            self.last = record.getMessage()


HANDLER = LastWarning()
LOGGER = logging.getLogger("dkimpy-end-to-end")
LOGGER.addHandler(HANDLER)
LOGGER.setLevel(logging.DEBUG)
LOGGER.propagate = False


def main():
    request = json.load(sys.stdin)
    keys = {name.lower(): record for name, record in request["keys"].items()}

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        record = keys.get(name.lower())
        return record.encode("ascii") if record is not None else None

    answers = []
    for encoded in request["messages"]:
        message = base64.b64decode(encoded)
        try:
            count = len([1 for name, _ in dkim.DKIM(message).headers if name.lower() == b"dkim-signature"])
        except Exception as failure:  # noqa: BLE001 - a message dkimpy cannot parse fails alone, not the batch
            answers.append([{"pass": False, "error": "%s: %s" % (type(failure).__name__, failure), "tags": {}}])
            continue
        verdicts = []
        for index in range(count):
            HANDLER.last = None
            verifier = dkim.DKIM(message, logger=LOGGER, minkey=1024)
            try:
                passed = bool(verifier.verify(idx=index, dnsfunc=dnsfunc))
                error = None if passed else (HANDLER.last or "signature did not verify")
            except Exception as failure:  # noqa: BLE001 - every dkimpy failure is a verdict to report
                passed = False
                error = "%s: %s" % (type(failure).__name__, failure)
            tags = {
                name.decode("ascii", "replace"): value.decode("ascii", "replace")
                for name, value in (getattr(verifier, "signature_fields", None) or {}).items()
            }
            verdicts.append({"pass": passed, "error": error, "tags": tags})
        answers.append(verdicts)
    json.dump(answers, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
