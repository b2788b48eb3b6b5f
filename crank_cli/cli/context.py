"""The global options written before the verb, and the steps every verb shares with them.

Verb modules import this module at start-up, so it imports nothing heavy at the top: the
compose loader and the engine adapters load only when a verb needs them. Nor does it import
Typer, because the quick path (`crank_cli.cli.quick`) runs verbs without it.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from crank_cli import verbose

if TYPE_CHECKING:
    from crank_cli.compose import LoadOptions, Project
    from crank_cli.operations.events import Events
    from crank_cli.runtime.backend import Backend
    from crank_cli.runtime.models import EngineInfo
    from crank_cli.runtime.resolve import Resolution
    from crank_cli.settings import Settings


Loaded = TypeVar("Loaded")


class CommandContext(Protocol):
    """The part of a command context that the verbs use: click's context, or the quick path's stand-in."""

    obj: Any

    def find_root(self) -> CommandContext: ...


class OutputFormat(str, enum.Enum):
    """The values of `--format` on the verbs that print a table or JSON."""

    table = "table"
    json = "json"


class GlobalOptions(NamedTuple):
    """The options of every verb from the command line, and the environment and folder the command runs in."""

    environ: dict[str, str]
    working_dir: Path
    files: tuple[Path, ...] = ()
    project_name: str | None = None
    project_directory: Path | None = None
    env_files: tuple[Path, ...] = ()
    profiles: tuple[str, ...] = ()
    runtime: str | None = None
    verbose: int = 0
    dry_run: bool = False
    progress: str = "auto"

    def load_options(self, services: tuple[str, ...] = ()) -> LoadOptions:
        from crank_cli.compose import LoadOptions

        return LoadOptions(
            working_dir=self.working_dir,
            environ=self.environ,
            files=self.files,
            project_name=self.project_name,
            project_directory=self.project_directory,
            env_files=self.env_files,
            profiles=self.profiles,
            services=services,
        )


def begin(*, file: list[Path] | None, project_name: str | None, project_directory: Path | None,
          env_file: list[Path] | None, profile: list[str] | None, runtime: str | None, dry_run: bool,
          progress: str, verbose: int) -> GlobalOptions:
    """Act on the global options that take effect at once (logging, the progress mode) and return them all.

    The parameters are those of the `crank` command itself, by name.
    """
    from crank_cli import render
    from crank_cli.verbose import set_level

    set_level(verbose)
    mode = _progress_mode(progress)
    render.set_talk(mode)
    return GlobalOptions(
        environ=dict(os.environ),
        working_dir=Path.cwd(),
        files=tuple(file or ()),
        project_name=project_name,
        project_directory=project_directory,
        env_files=tuple(env_file or ()),
        profiles=tuple(profile or ()),
        runtime=runtime,
        verbose=verbose,
        dry_run=dry_run,
        progress=mode,
    )


def _progress_mode(value: str) -> str:
    from crank_cli.errors import UsageError

    modes = ("auto", "tty", "plain", "json", "quiet")
    if value not in modes:
        raise UsageError(f"invalid --progress value {value!r}: expected one of {', '.join(modes)}")
    return value


def run_action(verb: str, arguments: dict[str, Any]) -> None:
    """Run the action module of a verb that the quick path also runs, with the Typer command's arguments."""
    import importlib

    importlib.import_module(f"crank_cli.cli.actions.{verb}").run(**arguments)


def global_options(ctx: CommandContext) -> GlobalOptions:
    options = ctx.find_root().obj
    return options if isinstance(options, GlobalOptions) else GlobalOptions(environ=dict(os.environ), working_dir=Path.cwd())


def quiet_progress(ctx: CommandContext) -> None:
    """Switch this command to `--progress quiet`, for a verb's own `-q` that hides all but errors."""
    from crank_cli import render

    ctx.find_root().obj = global_options(ctx)._replace(progress="quiet")
    render.set_talk("quiet")


def load_project(ctx: CommandContext, services: tuple[str, ...] = (), *, normalize: bool = True,
                 **switches: bool) -> Project:
    """Load and validate the project before any engine is touched, and show the loader's warnings.

    Without `normalize`, the model lacks what compose-go's normalization adds, as `config
    --no-normalize` prints it. `switches` sets the other boolean fields of `LoadOptions`.
    """
    from crank_cli import render
    from crank_cli.compose import load_project as load
    from crank_cli.errors import InvalidProjectError

    try:
        project = load(global_options(ctx).load_options(services)._replace(normalize=normalize, **switches))
    except InvalidProjectError as error:
        # As docker compose does, the warnings come before the error that they may explain.
        for warning in error.warnings:
            render.warn(warning)
        raise
    for warning in project.warnings:
        render.warn(warning)
    verbose.info("project", "project %s in %s, loaded from %s", project.name, project.working_dir,
                 ", ".join(str(path) for path in project.files))
    return project


def load_project_or_name(ctx: CommandContext, services: tuple[str, ...] = ()) -> tuple[Project | None, str]:
    """Load the project for a verb on existing containers, or when no compose file is in reach, return just its name.

    The name then comes from -p or COMPOSE_PROJECT_NAME. Without either, the loader's
    `ProjectNotFoundError` is raised. A disabled service that an enabled one requires is
    enabled, because `up --profile P` created its containers along with its dependents'.
    """
    from crank_cli.errors import ProjectNotFoundError

    options = global_options(ctx)
    try:
        project = load_project(ctx, services, enable_required_dependencies=True)
    except ProjectNotFoundError:
        name = given_project_name(options)
        if name is None:
            raise
        log_project_by_name(options, name)
        return None, name
    return project, project.name


def log_project_by_name(options: GlobalOptions, name: str) -> None:
    """Say under -v that no compose file is used and the project is found by its name alone."""
    source = "-p" if options.project_name else "COMPOSE_PROJECT_NAME"
    verbose.info("project", "no compose file used: project %s (named by %s) is found by its containers' labels",
                 name, source)


def given_project_name(options: GlobalOptions) -> str | None:
    """Return the name from -p, else COMPOSE_PROJECT_NAME, for a verb run without a compose file.

    COMPOSE_PROJECT_NAME is read from the environment, then from the --env-file files or the
    .env of --project-directory, else of the current folder, as docker compose (v2.40.3) does.
    Returns None with -f, because the files named must then load.
    """
    from crank_cli.compose.naming import check_explicit_name

    if options.files:
        return None
    if options.project_name:
        return check_explicit_name(options.project_name, "-p/--project-name")
    name = options.environ.get("COMPOSE_PROJECT_NAME") or _folder_variables(options, options.environ).get("COMPOSE_PROJECT_NAME")
    return check_explicit_name(name, "COMPOSE_PROJECT_NAME") if name else None


def project_name_in_reach(ctx: CommandContext) -> str | None:
    """Return the name of the project in reach: from the compose files, else -p or COMPOSE_PROJECT_NAME, else None.

    Only the name is read. A compose file that cannot be read names no project, because
    the verbs that call this, such as `run`, work without one.
    """
    from crank_cli.compose import project_name
    from crank_cli.errors import InvalidProjectError, ProjectNotFoundError

    options = global_options(ctx)
    try:
        return project_name(options.load_options())
    except ProjectNotFoundError:
        return given_project_name(options)
    except InvalidProjectError as error:
        verbose.info("project", "no project used: %s", error.message)
        return None


def load_project_or_containers(ctx: CommandContext, services: tuple[str, ...] = (), *, verb: str,
                               dry_run: bool = False, check_services: bool = True) -> tuple[Project, Resolution]:
    """Load the project and choose its engine, or read the project from its containers' labels.

    The labels are read when no compose file is in reach and -p or COMPOSE_PROJECT_NAME names
    the project (see `crank_cli.operations.recorded`). When the engine has none of its
    containers, `UsageError` is raised if another tool or engine runs the project (see
    `crank_cli.cli.absent`). With `check_services`, a service named that no container of that
    project has raises `UsageError`.
    """
    project, name = load_project_or_name(ctx, services)
    engine = resolve_engine(ctx, dry_run=dry_run, project=name)
    if project is not None:
        return project, engine

    from crank_cli.operations.labels import container_filter
    from crank_cli.operations.recorded import recorded_project, require_recorded_services

    states = engine.backend.list_containers(container_filter(name))
    if not states:
        from crank_cli.cli.absent import reject_absent_project

        reject_absent_project(ctx, name, engine, verb)
    project = recorded_project(name, states)
    if check_services:
        require_recorded_services(project, services, engine.info.name)
    return project, engine


def _folder_variables(options: GlobalOptions, environ: dict[str, str]) -> dict[str, str]:
    """Read the --env-file files, or else the .env of --project-directory or the current folder, without a compose file."""
    from crank_cli.compose.environment import merge_env_files

    paths = tuple(options.working_dir / path for path in options.env_files)
    folder = options.working_dir / options.project_directory if options.project_directory else options.working_dir
    if not paths and (folder / ".env").is_file():
        paths = (folder / ".env",)
    return merge_env_files(paths, environ)


def load_settings(ctx: CommandContext, *, check: bool = True) -> Settings:
    """Read crank's settings from the flags, the environment and the project's env files.

    With `check`, an invalid value raises `UsageError`.
    """
    from crank_cli.compose import project_variables
    from crank_cli.errors import ProjectNotFoundError
    from crank_cli.settings import SETTING_KEYS
    from crank_cli.settings import load_settings as load

    options = global_options(ctx)
    # The files are read without crank's own keys from the environment, so an empty value
    # there does not hide the value in .env.
    file_environ = {key: value for key, value in options.environ.items() if key not in SETTING_KEYS}
    file_options = options.load_options()._replace(environ=file_environ)
    try:
        file_values = project_variables(file_options)
    except ProjectNotFoundError:
        # Verbs such as run and doctor work without a compose file; .env is then read
        # from the current folder.
        file_values = _folder_variables(options, file_environ)
    file_label = ", ".join(str(path) for path in options.env_files) or ".env"
    return load(
        runtime_flag=options.runtime,
        environ=options.environ,
        file_values=file_values,
        file_label=file_label,
        check=check,
    )


def load_and_resolve(ctx: CommandContext, load: Callable[[], tuple[Loaded, str]], *,
                     dry_run: bool = False) -> tuple[Loaded, Resolution]:
    """Run `load`, which reads the project and returns it with its name, and choose the engine.

    When the engine is named in the settings, it does not depend on the project, so it is
    probed while the project loads: with Podman that hides one client start-up. Under
    `auto` the project's name comes first, because the engine may be the one the project is on.
    """
    from crank_cli.threads import call_all

    settings = load_settings(ctx)
    if settings.runtime.value == "auto":
        loaded, name = load()
        return loaded, resolve_engine(ctx, dry_run=dry_run, project=name, settings=settings)
    (loaded, _), engine = call_all([load, lambda: resolve_engine(ctx, dry_run=dry_run, settings=settings)])
    return loaded, engine


def resolve_engine(ctx: CommandContext, *, dry_run: bool = False, project: str | None = None,
                   settings: Settings | None = None) -> Resolution:
    """Choose the engine for this command, warning on stderr when fallback picks another.

    Under runtime auto, a `project` that already has containers on a usable engine stays on
    that engine, so after `crank migrate` the other verbs follow the project. A project that
    another tool started is looked for on every engine when crank's containers are nowhere. With `dry_run`
    (or the global --dry-run), commands that would change the engine are printed on stdout
    instead of run.
    """
    from crank_cli import render
    from crank_cli.operations.labels import COMPOSE_PROJECT, container_filter
    from crank_cli.runtime.resolve import dry_run_backend, resolve, resolve_where

    settings = settings or load_settings(ctx)
    if project is not None and settings.runtime.value == "auto":
        # docker compose and podman-compose both set COMPOSE_PROJECT on their containers.
        resolution = resolve_where(settings, container_filter(project), other_tool_labels={COMPOSE_PROJECT: project})
    else:
        resolution = resolve(settings, warn=render.warn)
    log_engine(resolution.backend, resolution.info, resolution.reason)
    if not (dry_run or global_options(ctx).dry_run):
        resolution.backend.output_lines = render.engine_output()
        return resolution
    from crank_cli.operations import secrets

    # The printed commands name the files a real run would write, but a dry run writes none.
    secrets.stop_writing_files()
    return resolution._replace(backend=dry_run_backend(resolution, render.print_command))


def resolve_folder_engine(ctx: CommandContext, *, dry_run: bool = False) -> Resolution:
    """Choose the engine for a verb that works without a project, such as `run IMAGE` or `build -t`.

    Under auto, it is the engine of the project in reach (named by its compose files, -p or
    COMPOSE_PROJECT_NAME), because the other verbs run in that folder look there.
    """
    settings = load_settings(ctx)
    project = project_name_in_reach(ctx) if settings.runtime.value == "auto" else None
    return resolve_engine(ctx, dry_run=dry_run, project=project, settings=settings)


def log_engine(backend: Backend, info: EngineInfo, reason: str) -> None:
    """Say under -v which engine a command uses, how crank reaches it, and why it was chosen."""
    from crank_cli.runtime.docker_local import LocalDockerEngine

    if isinstance(backend, LocalDockerEngine):
        connection = f"the daemon's API at {backend.api.address}"
    else:
        connection = f"the {getattr(backend, 'binary_path', info.name)} client"
    verbose.info("engine", "engine %s %s, through %s: %s", info.name, info.version or "(version unknown)",
                 connection, reason)


def handle_sigint() -> None:
    """Make SIGINT raise KeyboardInterrupt again when crank started with SIGINT ignored.

    A shell without job control starts a background job with SIGINT ignored, and Python then
    leaves it ignored, so `kill -INT` could not stop a foreground verb started that way.
    docker compose 2.40.3 stops on it there, with exit code 130. Only the foreground verbs
    call this, so a background `up -d` in such a script still ignores a Ctrl-C meant for the
    script's foreground job. SIGHUP, which nohup ignores, stays ignored.
    """
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def is_dry_run(ctx: CommandContext, flag: bool) -> bool:
    return flag or global_options(ctx).dry_run


def progress(ctx: CommandContext, *, dry_run: bool = False) -> AbstractContextManager[Events]:
    """Return the progress display that the global --progress option selects.

    In a dry run each status is marked as such, because nothing it names really happens.
    """
    from crank_cli import render

    return render.progress(global_options(ctx).progress, dry_run=is_dry_run(ctx, dry_run))


DRY_RUN_HELP = "Print the engine commands that would change something, in order, and run none of them."


@contextmanager
def json_errors(as_json: bool) -> Iterator[None]:
    """With --format json, report a `CrankError` as a JSON object on stdout, same exit code."""
    from crank_cli import render
    from crank_cli.errors import CrankError, Exit

    try:
        yield
    except CrankError as error:
        if not as_json:
            raise
        render.print_error(error, as_json=True)
        raise Exit(error.exit_code) from None


def usable_engines(ctx: CommandContext) -> list[tuple[Backend, EngineInfo]]:
    """Return (backend, info) for the chosen engine, or for every usable one under `auto`."""
    import shutil

    from crank_cli import render
    from crank_cli.runtime import ENGINES
    from crank_cli.runtime.resolve import make_backend, probe_all, resolve

    settings = load_settings(ctx)
    if settings.runtime.value != "auto":
        chosen = resolve(settings, warn=render.warn)
        log_engine(chosen.backend, chosen.info, chosen.reason)
        return [(chosen.backend, chosen.info)]
    probed = probe_all()
    usable = [info for info in probed if info.usable]
    if not usable:
        resolve(settings)  # raises the error that lists each engine and its reason
    for info in probed:
        if not info.usable and shutil.which(ENGINES[info.name].binary) is not None:
            render.warn(f"{info.name} is installed but did not respond ({info.reason}), so nothing that runs on "
                        f"{info.name} is listed; start {info.name}, or name the engine to read with --runtime")
    engines = [(make_backend(info.name), info) for info in usable]
    for backend, info in engines:
        log_engine(backend, info, f"runtime auto (from {settings.runtime.source}) reads every usable engine")
    return engines
