"""Start the probe of an engine crank drives through a client, before crank needs its result.

The probe of such an engine is a client process (`podman version` took about 0.04 s on a
2-core machine). When the `--runtime` flag or the environment names the engine, the probe
starts as a verb begins, runs while crank imports its modules and reads the compose files,
and the adapter's `probe` collects its output through `process.run`.
"""

from __future__ import annotations

from collections.abc import Mapping

from crank_cli import process
from crank_cli import client_versions
from crank_cli.settings import RUNTIME_KEY

# The arguments of the probe command, after the client's name.
PROBE_ARGS = ("version", "--format", "json")
# An engine that does not respond to its probe within this time is not usable.
PROBE_TIMEOUT_SECONDS = 5.0
# The client of each engine that crank reaches only through a client process.
_CLIENTS = {"podman": "podman", "containerd": "nerdctl"}


def start(runtime_flag: str | None, environ: Mapping[str, str]) -> None:
    """Start the probe of the engine that `runtime_flag` or the environment names, if it has a client.

    An engine named only in `.env`, or chosen by `auto`, is probed when it is resolved. A
    Podman client whose version crank remembers is not probed at all.
    """
    name = (runtime_flag or environ.get(RUNTIME_KEY) or "").strip().lower()
    client = _CLIENTS.get(name)
    if client is None:
        return
    if name == "podman" and client_versions.recall(client, environ) is not None:
        return
    process.start_early([client, *PROBE_ARGS], exit_timeout=PROBE_TIMEOUT_SECONDS)
