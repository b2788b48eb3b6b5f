"""Container healthcheck: exit 0 when GET /health returns {"status": "ok"}, 1 otherwise.

The base image has no curl or wget, so the check uses Python's standard library.
"""

import json
import os
import sys
import urllib.request

URL = f"http://127.0.0.1:{os.environ.get('PORT', '8080')}/health"

try:
    with urllib.request.urlopen(URL, timeout=2) as response:
        status = json.load(response).get("status")
except (OSError, ValueError) as exc:
    print(f"health check of {URL} failed: {exc}", file=sys.stderr)
    sys.exit(1)

if status != "ok":
    print(f"health check of {URL} failed: status {status!r}", file=sys.stderr)
    sys.exit(1)
