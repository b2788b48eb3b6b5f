"""Find the stopped copies that `crank migrate --keep-source` left on the source engine.

Under runtime auto, `start` and `restart` act on every engine that has the project's
containers. The copies kept on the source are a way back (`crank migrate --rollback`), not
a second instance, so those verbs leave them stopped while the migration's target has the
project's containers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path


def kept_services(working_dir: Path, project: str, holders: Collection[str]) -> dict[str, set[str]]:
    """Return, by engine name, the services whose containers there are copies kept by `migrate --keep-source`.

    The last finished migration of each service decides. Its copies count as kept only when
    that migration's target is among `holders`, the engines that have the project's containers.
    """
    # The folder is `record.RECORD_FOLDER`: importing the migrate package takes about 0.1 s,
    # which a project that never migrated need not pay.
    if not (working_dir / ".crank" / "migrations").is_dir():
        return {}
    from crank_cli.operations.migrate.record import DONE, records

    last: dict[str, tuple[str, str, bool]] = {}
    for record in records(working_dir, project):
        if record.status != DONE:
            continue
        plan = record.plan
        for service in plan.services:
            last[service] = (plan.source, plan.target, bool(record.document.get("source_kept")))
    by_engine: dict[str, set[str]] = {}
    for service, (source, target, source_kept) in last.items():
        if source_kept and source != target and target in holders:
            by_engine.setdefault(source, set()).add(service)
    return by_engine
