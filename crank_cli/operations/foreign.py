"""Recognise a project that another tool started: crank shows it, and only `down --force` changes it."""

from __future__ import annotations

from functools import partial

from crank_cli.errors import UsageError
from crank_cli.operations import labels
from crank_cli.runtime.backend import Backend
from crank_cli.threads import call_all


def started_by(name: str, backend: Backend) -> str | None:
    """Return the tool that started project `name` on this engine, or None when no other tool's labels name it."""
    # One query per tool, all at once: an engine ANDs the label filters of one query.
    tools = labels.FOREIGN_PROJECT_LABELS
    found = call_all([partial(backend.list_containers, {label: name}) for label in tools])
    for tool, states in zip(tools.values(), found, strict=True):
        if states:
            return tool
    return None


def foreign_message(name: str, tool: str, advice: str) -> str:
    return f"project {name} was started by {tool}, not crank; {advice}"


def reject_foreign_project(name: str, backend: Backend, verb: str) -> None:
    """Raise `UsageError` when another tool started project `name` on this engine.

    Call it only after crank found none of its own containers of the project, because each
    label costs one engine query.
    """
    tool = started_by(name, backend)
    if tool is None:
        return
    advice = (f"`crank {verb}` does not act on such a project. Use {tool} for it, "
              "or remove its containers and networks with `crank down --force`")
    raise UsageError(foreign_message(name, tool, advice))
