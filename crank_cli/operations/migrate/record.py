"""The migration record: a JSON file in the project folder that makes a migration undoable.

It is written before anything changes and rewritten after each step and each change on an
engine, so a migration stopped at any point (a crash, SIGKILL, a lost terminal) can be
rolled back or finished by the next `crank migrate`. It contains the loaded compose model, the
source containers' `inspect` output, the plan, the step reached and every object created.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crank_cli.operations.migrate.plan import Plan

if TYPE_CHECKING:
    from crank_cli.compose import Project

RECORD_FOLDER = Path(".crank") / "migrations"
SCHEMA = 1

# Statuses: `running` until the migration ends. Then `done`, `undone` (a failed or interrupted
# migration whose changes were reverted) or `rolled-back` (a finished one reverted on request).
RUNNING = "running"
DONE = "done"
UNDONE = "undone"
ROLLED_BACK = "rolled-back"
# `down --volumes` removed the moved services and their volumes from the target, so
# nothing is left to roll back.
REMOVED = "removed"

# Steps in order. Until `verified`, an unfinished migration is undone; from `verified` on the
# target runs the project and the next run finishes the migration instead.
PLANNED = "planned"
IMAGES_COPIED = "images-copied"
FIRST_PASS = "volumes-first-pass"
SOURCE_STOPPED = "source-stopped"
VOLUMES_COPIED = "volumes-copied"
TARGET_STARTED = "target-started"
VERIFIED = "verified"
SOURCE_REMOVED = "source-removed"


@dataclass
class MigrationRecord:
    """One migration's record file and its content."""

    path: Path
    document: dict[str, Any]

    @property
    def plan(self) -> Plan:
        return Plan.from_dict(self.document["plan"])

    @property
    def status(self) -> str:
        return str(self.document["status"])

    @property
    def step(self) -> str:
        return str(self.document["step"])

    @property
    def changes(self) -> dict[str, list[Any]]:
        return self.document["changes"]

    def reached(self, step: str) -> None:
        self.document["step"] = step
        self.document["steps"].append({"step": step, "at": _now()})
        self.save()

    def add_change(self, kind: str, value: Any) -> None:
        """Store an object that the migration created, so an undo can remove it."""
        self.changes.setdefault(kind, []).append(value)
        self.save()

    def finish(self, status: str, **extra: Any) -> None:
        self.document["status"] = status
        self.document.update(extra)
        self.save()

    def save(self) -> None:
        """Write the record so that a crash leaves the old or the new version, never half of one."""
        self.document["updated_at"] = _now()
        # The model and the inspect output contain the services' environment values, which
        # may be secrets, so only the owner may read the record.
        _write_private(self.path, self.document, indent=2)

    @property
    def hashes_path(self) -> Path:
        """The file next to the record that stores the host copy's hash index of each volume."""
        return self.path.with_suffix(".hashes")

    def save_hashes(self, document: dict[str, Any]) -> None:
        """Store the hash indexes, by volume name, readable by the owner only, like the record."""
        _write_private(self.hashes_path, document)

    def load_hashes(self) -> dict[str, Any]:
        if not self.hashes_path.exists():
            return {}
        return dict(json.loads(self.hashes_path.read_text(encoding="utf-8")))

    def project(self) -> Project:
        """Return the project as it was loaded when the migration started."""
        from crank_cli.compose import Project

        saved = self.document["project"]
        return Project(saved["name"], Path(saved["working_dir"]), tuple(Path(path) for path in saved["files"]),
                       self.document["model"])


def create(project: Project, plan: Plan, inspected: list[dict[str, Any]]) -> MigrationRecord:
    """Write a new record for a migration that is about to start."""
    folder = project.working_dir / RECORD_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    document = {
        "schema": SCHEMA,
        "id": f"{project.name}-{stamp}",
        "project": {"name": project.name, "working_dir": str(project.working_dir),
                    "files": [str(path) for path in project.files]},
        "model": project.model,
        "containers": inspected,
        "plan": plan.as_dict(),
        "status": RUNNING,
        "step": PLANNED,
        "steps": [{"step": PLANNED, "at": _now()}],
        "changes": {},
        "created_at": _now(),
    }
    record = MigrationRecord(folder / f"{stamp}.json", document)
    record.save()
    return record


def records(working_dir: Path, project_name: str) -> list[MigrationRecord]:
    """Return the project's migration records, oldest first."""
    folder = working_dir / RECORD_FOLDER
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("schema") == SCHEMA and document.get("project", {}).get("name") == project_name:
            found.append(MigrationRecord(path, document))
    return found


def latest(working_dir: Path, project_name: str, status: str) -> MigrationRecord | None:
    """Return the newest record of the project with the given status."""
    matching = [record for record in records(working_dir, project_name) if record.status == status]
    return matching[-1] if matching else None


def close_removed(working_dir: Path, project_name: str, engine: str) -> MigrationRecord | None:
    """Mark the project's last finished migration as removed if it went to `engine`; return it.

    Call it after `down --volumes` removed the project from `engine`. A later `--rollback`
    would otherwise move whatever runs there then, such as a project started afresh, back
    to the source.
    """
    last = latest(working_dir, project_name, DONE)
    if last is None or last.plan.target != engine:
        return None
    last.finish(REMOVED, removed_at=_now())
    return last


def _write_private(path: Path, document: dict[str, Any], indent: int | None = None) -> None:
    """Write JSON readable by the owner only, so that a crash leaves the old or the new file."""
    temporary = path.with_name(f"{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=indent, sort_keys=True)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


def _now() -> str:
    return datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="milliseconds")
