"""`crank volumes`: the named volumes of the project."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import OutputFormat, json_errors, load_project_or_containers

if TYPE_CHECKING:
    from crank_cli.runtime.models import VolumeDetails

# The table's columns, as `docker compose volumes` (v2.40.3) names them.
HEADERS = ["DRIVER", "VOLUME NAME"]


def register(app: typer.Typer) -> None:
    app.command("volumes")(volumes)


def volumes(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, metavar="[SERVICE]...", help="Show only the volumes that these services' running containers mount; default: every volume of the project.", show_default=False)] = None,  # noqa: UP045
    output_format: Annotated[OutputFormat, typer.Option("--format", help="table for people, json for scripts.")] = OutputFormat.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the volume names, one per line.")] = False,
) -> None:
    """List the project's named volumes: driver and name.

    As with docker compose volumes, services named narrow the list to the volumes that
    their running containers mount.
    """
    from crank_cli import render
    from crank_cli.cli.absent import reject_if_absent
    from crank_cli.operations.up import require_services
    from crank_cli.operations.volumes import project_volumes

    names = tuple(services or ())
    as_json = output_format is OutputFormat.json
    with json_errors(as_json):
        project, engine = load_project_or_containers(ctx, names, verb="volumes")
        require_services(project, names)
        found = project_volumes(engine.backend, project.name, names)
        if not found:
            reject_if_absent(ctx, project.name, engine, "volumes")
    # As in docker compose volumes, -q takes precedence over --format.
    if quiet:
        render.print_lines([volume.name for volume in found])
    elif as_json:
        render.print_json({"schema": render.JSON_SCHEMA_VERSION, "volumes": [_json_row(volume) for volume in found]})
    else:
        render.print_table(None, HEADERS, [[volume.driver, volume.name] for volume in found])


def _json_row(volume: VolumeDetails) -> dict[str, object]:
    from crank_cli.operations import labels

    return {"name": volume.name, "volume": volume.labels.get(labels.VOLUME), "driver": volume.driver,
            "scope": volume.scope, "mountpoint": volume.mountpoint, "created": volume.created,
            "labels": volume.labels}
