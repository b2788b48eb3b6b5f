"""`run`: one container from an image, as `docker run` does, on whichever engine is chosen."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from crank_cli.errors import EngineError, ImageError, UsageError
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerSpec, Mount, PortMapping

_PORT = re.compile(r"^(?:(?:(?P<ip>\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?P<published>\d*):)?(?P<target>\d+)(?:/(?P<protocol>tcp|udp|sctp))?$")


class ContainerOptions(NamedTuple):
    """The settings `crank run` gives the container it makes, for an image and for a service's one-off alike."""

    command: tuple[str, ...] = ()
    detach: bool = False
    publish: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    name: str | None = None
    remove: bool = False
    entrypoint: str | None = None
    workdir: str | None = None
    user: str | None = None
    terminal: bool = True
    dry_run: bool = False


class RunOptions(NamedTuple):
    """A container of an image, as `docker run` makes one."""

    image: str
    container: ContainerOptions = ContainerOptions()
    # Hide the output of the image's pull.
    quiet: bool = False


def prepare(backend: Backend, options: RunOptions, environ: Mapping[str, str] = os.environ) -> ContainerSpec:
    """Return the container's spec, after pulling its image if the engine lacks it and making missing bind folders.

    A dry run pulls and makes nothing. Raises `ImageError` naming the image and the fix when
    the pull fails.
    """
    container = options.container
    spec = ContainerSpec(
        name=container.name or "",
        image=options.image,
        command=container.command or None,
        environment=_environment(container.env, environ),
        ports=tuple(parse_port(value) for value in container.publish),
        mounts=tuple(parse_volume(value) for value in container.volumes),
        remove=container.remove,
        entrypoint=parse_entrypoint(container.entrypoint),
        user=container.user,
        working_dir=container.workdir,
        terminal=container.terminal,
    )
    if container.dry_run:
        return spec
    # As with `docker run -v`, a bind source that does not exist yet is made as a folder.
    for mount in spec.mounts:
        if mount.type == "bind" and mount.source and not os.path.exists(mount.source):
            os.makedirs(mount.source)
    if backend.image_id(spec.image) is None:
        _pull(backend, spec.image, quiet=options.quiet)
    return spec


def _pull(backend: Backend, image: str, *, quiet: bool) -> None:
    """Pull an image that the engine lacks, as `docker run` would, with crank's error when that fails."""
    from crank_cli.operations.transfers import engine_reason, registry_advice

    try:
        backend.pull_image(image, quiet=quiet)
    except EngineError as error:
        # Attached to a terminal, the engine's output went there and the error only points to it.
        reason = "the engine's output is above" if error.stderr.endswith("its output is above") else engine_reason(error)
        advice = registry_advice(backend, image, verb="pull", offer_ignore=False)
        message = (f"image {image}: not found on the engine, and its pull failed ({reason}). "
                   f"Build or pull the image first, or correct its name. {advice}")
        raise ImageError(error, message) from None


def start(backend: Backend, spec: ContainerSpec, *, detach: bool) -> str | int:
    """Run the container; return its ID when detached, else its exit code."""
    if detach:
        return backend.run_container(spec)
    return backend.run_attached(spec)


def _environment(values: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    pairs = (parse_env(value, environ) for value in values)
    return dict(pair for pair in pairs if pair is not None)


def parse_port(value: str) -> PortMapping:
    """Parse a `-p` value: `[[IP:][HOST]:]CONTAINER[/PROTOCOL]`."""
    match = _PORT.match(value)
    if match is None:
        raise UsageError(f"invalid --publish value {value!r}: expected [[IP:][HOST_PORT]:]CONTAINER_PORT[/tcp|udp]")
    return PortMapping(
        target=int(match["target"]),
        published=match["published"] or None,
        host_ip=(match["ip"] or "").strip("[]") or None,
        protocol=match["protocol"] or "tcp",
    )


def parse_volume(value: str) -> Mount:
    """Parse a `-v` value: `SOURCE:TARGET[:ro|rw]`, a path source being a bind mount."""
    parts = value.split(":")
    if len(parts) not in (2, 3) or not all(parts[:2]) or parts[2:] not in ([], ["ro"], ["rw"]):
        raise UsageError(f"invalid --volume value {value!r}: expected SOURCE:TARGET[:ro]")
    source, target = parts[0], parts[1]
    read_only = parts[2:] == ["ro"]
    if source.startswith(("/", ".", "~")):
        return Mount("bind", target, str(Path(source).expanduser().resolve()), read_only)
    return Mount("volume", target, source, read_only)


def parse_entrypoint(value: str | None) -> tuple[str, ...] | None:
    """Split an `--entrypoint` value into words as a shell would, as docker compose does."""
    if value is None:
        return None
    try:
        return tuple(shlex.split(value))
    except ValueError as error:
        message = f"invalid --entrypoint value {value!r}: {error}"
        raise UsageError(message) from None


def parse_env(value: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """Parse an `-e` value: `KEY=VALUE`, or `KEY` to pass crank's own value (none if unset)."""
    key, equals, content = value.partition("=")
    if not key:
        raise UsageError(f"invalid --env value {value!r}: expected KEY=VALUE or KEY")
    if equals:
        return key, content
    return (key, environ[key]) if key in environ else None



def env_file_entries(paths: Sequence[Path]) -> list[str]:
    """Return the `KEY=VALUE` entries that `--env-from-file` files define, in order.

    The files are read as `.env` files are, except that `${VAR}` reads only the lines above
    it, not crank's environment. A later file's value wins, and a key without `=` sets
    nothing. Raises `UsageError` naming a file that is missing or malformed.
    """
    from crank_cli.compose.dotenv import DotenvError, parse_dotenv

    values: dict[str, str] = {}
    for path in paths:
        try:
            values.update(parse_dotenv(path.read_bytes().decode("utf-8")))
        except FileNotFoundError:
            raise UsageError(f"--env-from-file {path}: file not found") from None
        except (OSError, UnicodeDecodeError, DotenvError) as error:
            raise UsageError(f"--env-from-file {path}: invalid env file: {error}") from None
    return [f"{key}={value}" for key, value in values.items()]
