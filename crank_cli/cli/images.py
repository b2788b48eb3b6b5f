"""`crank images`: the images that the project's containers were created from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import OutputFormat, json_errors, load_project_or_containers

if TYPE_CHECKING:
    from crank_cli.operations.images import ImageRow

# The table's columns, as `docker compose images` (v2.40.3) names them.
HEADERS = ["CONTAINER", "REPOSITORY", "TAG", "PLATFORM", "IMAGE ID", "SIZE", "CREATED"]
# The length of a short image ID, as Docker's tables show it.
SHORT_ID = 12


def register(app: typer.Typer) -> None:
    app.command("images")(images)


def images(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, metavar="[SERVICE]...", help="Show only these services; default: all.", show_default=False)] = None,  # noqa: UP045
    output_format: Annotated[OutputFormat, typer.Option("--format", help="table for people, json for scripts.")] = OutputFormat.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the image IDs, each once, one per line.")] = False,
) -> None:
    """List the image of each container of the project, stopped ones included: repository, tag, platform, ID, size, age.

    As in docker compose images, CREATED is on Docker the time the image was last tagged
    (built, pulled or tagged), and on Podman, which does not record that, its creation time.
    """
    from crank_cli import render
    from crank_cli.cli.absent import reject_absent_project
    from crank_cli.operations import labels
    from crank_cli.operations.images import project_images
    from crank_cli.operations.up import require_services

    names = tuple(services or ())
    as_json = output_format is OutputFormat.json
    with json_errors(as_json):
        project, engine = load_project_or_containers(ctx, names, verb="images")
        require_services(project, names)
        states = engine.backend.list_containers(labels.container_filter(project.name))
        if not states:
            reject_absent_project(ctx, project.name, engine, "images")
        chosen = [state for state in states if not names or state.service in names]
        rows = project_images(engine.backend, chosen)
    # As in docker compose images, -q takes precedence over --format.
    if quiet:
        render.print_lines(list(dict.fromkeys(row.id for row in rows)))
    elif as_json:
        render.print_json({"schema": render.JSON_SCHEMA_VERSION, "images": [row.as_dict() for row in rows]})
    else:
        _print_table(rows)


def _print_table(rows: Sequence[ImageRow]) -> None:
    from crank_cli import render
    from crank_cli.render.humanize import human_size

    cells = [[row.container, row.repository or "<none>", row.tag or "<none>", row.platform or "-",
              row.id[:SHORT_ID], "-" if row.size is None else human_size(row.size), _age(row)]
             for row in rows]
    # CONTAINER and REPOSITORY tell the rows apart, so the other columns give way first.
    render.print_table(None, HEADERS, cells, hidden_when_narrow=("PLATFORM", "CREATED", "SIZE", "IMAGE ID"))


def _age(row: ImageRow) -> str:
    """Return the CREATED cell: on Docker, as docker compose (v2.40.3) shows it, when the image was last tagged."""
    from crank_cli.render.humanize import human_age

    moment = row.last_tagged or row.created
    return "N/A" if moment is None else human_age(moment)
