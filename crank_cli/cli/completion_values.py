"""The values that shell completion offers for crank's options and service arguments.

The completion scripts call crank back with `_CRANK_COMPLETE` set, so these functions run
when the user presses Tab, in the shell's current folder. A project that does not load
offers no service names, and never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import typer

RUNTIMES = ("docker", "podman", "containerd", "auto")
PROGRESS_MODES = ("auto", "tty", "plain", "json", "quiet")
PULL_POLICIES = ("always", "missing", "never")
CONFIG_FORMATS = ("yaml", "json")


def _starting(values: Iterable[str], incomplete: str) -> list[str]:
    return [value for value in values if value.startswith(incomplete)]


def runtimes(incomplete: str) -> list[str]:
    return _starting(RUNTIMES, incomplete)


def progress_modes(incomplete: str) -> list[str]:
    return _starting(PROGRESS_MODES, incomplete)


def pull_policies(incomplete: str) -> list[str]:
    return _starting(PULL_POLICIES, incomplete)


def config_formats(incomplete: str) -> list[str]:
    return _starting(CONFIG_FORMATS, incomplete)


def services(ctx: typer.Context, args: list[str], incomplete: str) -> list[str]:
    """Return the project's service names that start with `incomplete` and are not on the command line yet.

    The project is the one that `-f`, `-p`, `--project-directory`, `--env-file` and
    `--profile`, as typed so far, choose from the current folder.
    """
    from crank_cli.compose import LoadOptions, load_project

    root_options = ctx.find_root().params
    try:
        options = LoadOptions(
            working_dir=Path.cwd(),
            environ=dict(os.environ),
            files=tuple(Path(name) for name in root_options.get("file") or ()),
            project_name=root_options.get("project_name"),
            project_directory=Path(root_options["project_directory"]) if root_options.get("project_directory") else None,
            env_files=tuple(Path(name) for name in root_options.get("env_file") or ()),
            profiles=tuple(root_options.get("profile") or ()),
        )
        names = load_project(options).model["services"]
    except Exception:  # noqa: BLE001 - a file that does not load offers nothing while the user types
        return []
    # Typer passes the words typed so far in `args` for some shells, and click parses a list
    # argument's values into the context's parameters, so both count as given.
    typed = set(args)
    for value in ctx.params.values():
        if isinstance(value, (list, tuple)):
            typed.update(item for item in value if isinstance(item, str))
    return [name for name in sorted(names) if name.startswith(incomplete) and name not in typed]
