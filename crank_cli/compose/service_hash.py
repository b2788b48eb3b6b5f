"""The service config hash that `docker compose config --hash` prints.

docker compose 2.40.3 hashes a service as the SHA-256 of Go's compact JSON encoding of its
canonical form. The service is loaded without folding `env_file` into `environment`. The keys
that do not change the container are left out: build, pull_policy, scale, deploy.replicas,
depends_on and profiles. Go's encoder writes a required env file as its bare path and escapes
`<`, `>` and `&`. A `$` is hashed once, as the model stores it.

This is not crank's own `io.crank.config-hash` label (`crank_cli.operations.specs.config_hash`),
which decides when `up` recreates a container and hashes a different selection of keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from crank_cli.compose.config_text import escape_like_go
from crank_cli.compose.schema import SERVICE_FIELDS

_LEFT_OUT = ("build", "pull_policy", "scale", "depends_on", "profiles")


def reference_service_hash(service: dict[str, Any], variables: Mapping[str, str]) -> str:
    """Return the hex SHA-256 digest that the reference's `config --hash` prints for a service.

    `service` is in the canonical form of a project loaded with `resolve_env_files=False`.
    """
    hashed = {key: value for key, value in service.items() if key not in _LEFT_OUT}
    if isinstance(hashed.get("deploy"), dict):
        hashed["deploy"] = {key: value for key, value in hashed["deploy"].items() if key != "replicas"}
    if "env_file" in hashed:
        hashed["env_file"] = [_env_file_entry(entry) for entry in hashed["env_file"]]
    platform = variables.get("DOCKER_DEFAULT_PLATFORM")
    if platform and "build" in service and not service.get("platform"):
        # The reference applies the default platform to services it builds before it hashes them.
        # NOTE: it also rejects a default platform missing from build.platforms; crank does not check that here.
        hashed = _in_field_order({**hashed, "platform": platform})
    text = escape_like_go(json.dumps(hashed, separators=(",", ":"), ensure_ascii=False))
    return hashlib.sha256(text.encode()).hexdigest()


def _env_file_entry(entry: dict[str, Any]) -> Any:
    """Return an env_file entry as Go encodes it: a bare path when it is required, else a mapping."""
    if entry.get("required", True):
        return entry["path"]
    return entry


def _in_field_order(service: dict[str, Any]) -> dict[str, Any]:
    """Return the service with its keys in the order the model prints them, extensions last."""
    position = {key: index for index, key in enumerate(SERVICE_FIELDS)}
    return dict(sorted(service.items(), key=lambda item: position.get(item[0], len(position))))
