"""`crank migrate`: move a running project from one container engine to another.

The steps: take stock of the source, write the migration record, copy images and volumes,
stop the source, start and verify the project on the target, then remove the source
containers. The progress lines number only the steps taken: a project without volumes has
no volume steps. See `migration` for the steps that change engines and how they are undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crank_cli.errors import UsageError
from crank_cli.operations.capabilities import Finding
from crank_cli.operations.events import Events
from crank_cli.operations.migrate import record as records
from crank_cli.operations.migrate.inventory import build_plan
from crank_cli.operations.migrate.migration import (
    Engines,
    Migration,
    Steps,
    finish_cut_over,
    finish_source,
    ignoring_interrupts,
    remove_helpers,
    undo,
)
from crank_cli.operations.migrate.plan import Plan
from crank_cli.operations.migrate.record import MigrationRecord
from crank_cli.operations.migrate.rollback import rollback
from crank_cli.operations.migrate.rollback_plan import RollbackPlan, rollback_plan
from crank_cli.runtime.compatible import DockerCompatibleEngine

if TYPE_CHECKING:
    from crank_cli.compose import Project

EngineFactory = Callable[[str], DockerCompatibleEngine]


@dataclass(frozen=True)
class MigrateOptions:
    services: tuple[str, ...] = ()
    dry_run: bool = False
    strict: bool = False
    keep_source: bool = False
    verify_timeout: float = 120.0
    helper_image: str | None = None
    # Accept replacing an image name or a project volume that already exists on the target.
    replace_existing: bool = False


@dataclass
class MigrateResult:
    """The outcome of a migration: its plan, its record file and the downtime in seconds."""

    plan: Plan | None = None
    record: MigrationRecord | None = None
    downtime: float | None = None
    recovered: str | None = None


class FindingsError(UsageError):
    """The plan has findings that stop the migration."""


def migrate(project: Project, engines: Engines, options: MigrateOptions, events: Events) -> MigrateResult:
    """Plan the migration and, unless it is a dry run, carry it out."""
    steps = Steps(events)
    steps.begin(f"take stock of project {project.name} on {engines.source.name} and {engines.target.name}")
    plan, inspected = build_plan(project, engines.source, engines.target, options.services, options.helper_image,
                                 replace_existing=options.replace_existing)
    if options.dry_run:
        return MigrateResult(plan=plan)
    check_findings(plan.findings, strict=options.strict)
    # Findings that do not stop the migration are shown too, not only by --dry-run.
    for finding in plan.findings:
        events.emit("finding", finding.line())
    record = records.create(project, plan, inspected)
    steps.begin(f"migration record written: {record.path}")
    migration = Migration(project, engines, record, events, keep_source=options.keep_source,
                          verify_timeout=options.verify_timeout, steps=steps)
    timing = migration.run()
    return MigrateResult(plan=plan, record=record, downtime=timing.downtime)


def check_findings(findings: list[Finding], *, strict: bool) -> None:
    """Raise `FindingsError` for blocking findings, and for any finding with `--strict`."""
    stopping = [finding for finding in findings if finding.blocking or strict]
    if stopping:
        reasons = "; ".join(finding.line() for finding in stopping)
        rule = "--strict makes every finding an error" if strict else "these findings block the migration"
        raise FindingsError(f"{rule}: {reasons}")


def recover(project: Project, make_engine: EngineFactory, events: Events) -> str | None:
    """Finish or undo the project's unfinished migration, if the last one was interrupted.

    A migration interrupted before the target was verified is undone; one interrupted after
    is finished. Returns what was done, or None when there was nothing to recover.
    """
    record = records.latest(project.working_dir, project.name, records.RUNNING)
    if record is None:
        return None
    plan = record.plan
    engines = Engines(source=make_engine(plan.source), target=make_engine(plan.target))
    events.emit("migration", f"found an unfinished migration from {plan.source} to {plan.target} "
                             f"(step {record.step}, record {record.path})")
    with ignoring_interrupts():
        remove_helpers(record, engines, events)
        if record.step in (records.VERIFIED, records.SOURCE_REMOVED):
            finish_source(record, engines, events, keep_source=bool(record.document.get("source_kept")))
            return f"finished the interrupted migration to {plan.target}"
        finish_cut_over(record, engines.source, events)
        undo(record, engines, events)
    return f"undid the interrupted migration to {plan.target}; the project runs on {plan.source}"


def roll_back(project: Project, make_engine: EngineFactory, events: Events, *, verify_timeout: float) -> MigrateResult:
    """Roll back the project's last finished migration."""
    record = _last_finished(project)
    plan = record.plan
    engines = Engines(source=make_engine(plan.source), target=make_engine(plan.target))
    events.emit("rollback", f"moving {', '.join(plan.services)} back from {plan.target} to {plan.source}")
    downtime = rollback(record, engines, events, verify_timeout=verify_timeout, variables=project.variables)
    return MigrateResult(plan=plan, record=record, downtime=downtime)


def preview_rollback(project: Project, make_engine: EngineFactory) -> RollbackPlan:
    """Return what rolling back the project's last finished migration would do, changing nothing."""
    record = _last_finished(project)
    plan = record.plan
    return rollback_plan(record, Engines(source=make_engine(plan.source), target=make_engine(plan.target)))


def _last_finished(project: Project) -> MigrationRecord:
    every = records.records(project.working_dir, project.name)
    closed = [record for record in every if record.status in (records.DONE, records.REMOVED)]
    if closed and closed[-1].status == records.REMOVED:
        last = closed[-1]
        raise UsageError(f"the last migration of project {project.name}, from {last.plan.source} to "
                         f"{last.plan.target}, cannot be rolled back: `down --volumes` removed the project and "
                         f"its volumes from {last.plan.target} at {last.document['removed_at']}")
    if not closed:
        raise UsageError(f"no finished migration of project {project.name} recorded in "
                         f"{project.working_dir / records.RECORD_FOLDER}: nothing to roll back")
    return closed[-1]


__all__ = ["Engines", "FindingsError", "MigrateOptions", "MigrateResult", "check_findings", "migrate", "preview_rollback", "recover", "roll_back"]
