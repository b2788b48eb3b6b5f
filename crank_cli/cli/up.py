"""`crank up`: create and start the project's services."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import DRY_RUN_HELP, run_action


def register(app: typer.Typer) -> None:
    app.command("up")(up)


def up(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services to start, with their dependencies; default: all.")] = None,  # noqa: UP045
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Start in the background and return; without it, follow the logs until Ctrl-C, which stops the services.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Return only when every service is running and healthy (one-shot dependencies: exited 0); implies --detach.")] = False,
    wait_timeout: Annotated[Optional[float], typer.Option("--wait-timeout", min=0, help="Seconds --wait waits before failing with exit code 5; default: no limit.")] = None,  # noqa: UP045
    build: Annotated[bool, typer.Option("--build", help="Build images before starting, even when they exist.")] = False,
    no_build: Annotated[bool, typer.Option("--no-build", help="Never build; fail if a built image is missing.")] = False,
    pull: Annotated[Optional[str], typer.Option("--pull", autocompletion=complete.pull_policies, metavar="always|missing|never", help="Pull images: always, when missing, or never; default: each service's pull_policy.")] = None,  # noqa: UP045
    force_recreate: Annotated[bool, typer.Option("--force-recreate", help="Recreate containers even when their definition is unchanged.")] = False,
    no_recreate: Annotated[bool, typer.Option("--no-recreate", help="Keep existing containers even when their definition changed.")] = False,
    always_recreate_deps: Annotated[bool, typer.Option("--always-recreate-deps", help="Recreate the dependencies of the services named, even when unchanged; with no service named, recreate none. Cannot be used with --no-recreate.")] = False,
    renew_anon_volumes: Annotated[bool, typer.Option("--renew-anon-volumes", "-V", help="Recreate every container with new anonymous volumes, instead of the data of the containers it replaces. Cannot be used with --no-recreate.")] = False,
    no_deps: Annotated[bool, typer.Option("--no-deps", help="Start only the services named, not their dependencies.")] = False,
    no_start: Annotated[bool, typer.Option("--no-start", help="Create containers without starting them.")] = False,
    remove_orphans: Annotated[bool, typer.Option("--remove-orphans", help="Remove containers of services no longer in the compose files.")] = False,
    scale: Annotated[Optional[list[str]], typer.Option("--scale", metavar="SERVICE=N", help="Run N containers of SERVICE, overriding scale and deploy.replicas; repeatable.")] = None,  # noqa: UP045
    timeout: Annotated[Optional[int], typer.Option("--timeout", "-t", min=0, help="Seconds to wait for a container to stop when it is replaced; default: the engine's (10).")] = None,  # noqa: UP045
    parallel: Annotated[Optional[int], typer.Option("--parallel", min=1, help="Maximum number of containers to create and start at once; default: COMPOSE_PARALLEL_LIMIT, else 16 with a local Docker daemon and otherwise twice the number of cores (at least 4).")] = None,  # noqa: UP045
    abort_on_container_exit: Annotated[bool, typer.Option("--abort-on-container-exit", help="Stop every container when any container of the project stops, and exit with the exit code of the first one that stopped. Cannot be used with --detach or --wait.")] = False,
    exit_code_from: Annotated[Optional[str], typer.Option("--exit-code-from", metavar="SERVICE", help="Exit with the exit code of SERVICE's container; implies --abort-on-container-exit unless --abort-on-container-failure is given and, like them, cannot be used with --detach or --wait.")] = None,  # noqa: UP045
    abort_on_container_failure: Annotated[bool, typer.Option("--abort-on-container-failure", help="Stop every container when a container of the project exits with a non-zero code, and exit with that code. Cannot be used with --abort-on-container-exit, --detach or --wait.")] = False,
    attach: Annotated[Optional[list[str]], typer.Option("--attach", metavar="SERVICE", help="Follow the logs of SERVICE only; repeatable. Cannot be used with --detach or --wait.")] = None,  # noqa: UP045
    no_attach: Annotated[Optional[list[str]], typer.Option("--no-attach", metavar="SERVICE", help="Do not follow the logs of SERVICE; repeatable.")] = None,  # noqa: UP045
    attach_dependencies: Annotated[bool, typer.Option("--attach-dependencies", help="Follow the logs of the named services' dependencies too.")] = False,
    no_log_prefix: Annotated[bool, typer.Option("--no-log-prefix", help="Print each log line without its container's name.")] = False,
    timestamps: Annotated[bool, typer.Option("--timestamps", help="Prefix each log line with the engine's time stamp.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Print without colour; crank's log output has none, so this changes nothing.")] = False,
    quiet_build: Annotated[bool, typer.Option("--quiet-build", help="Hide the output of image builds; a failed build still shows its last lines.")] = False,
    quiet_pull: Annotated[bool, typer.Option("--quiet-pull", help="Accepted for docker compose's users; crank shows a pull's output as --progress selects.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Accepted for docker compose's users; crank asks no questions.")] = False,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Also act on the services' develop.watch rules as their files change, as `crank watch` does, while following the logs; Ctrl-C stops the watch and the services. Cannot be used with --detach, --wait or the abort options.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail with exit code 3, before changing anything, if the engine cannot honour a key the project uses.")] = False,
) -> None:
    """Create networks, volumes and missing images, then start services in dependency order.

    Before a service starts, its dependencies must meet their depends_on condition
    (started, healthy, or completed successfully); crank checks this itself on every engine.
    Running up again on an unchanged project changes nothing.
    """
    run_action("up", locals())
