"""Turn crank's settings into the one Backend that a command uses.

`auto` tries the engines in the order of `ENGINES` (docker, podman, containerd) and takes the
first that responds. A named engine that does not respond gives way to the first one that does
when fallback is enabled, with a warning; otherwise crank stops. When none responds, the
error lists every engine tried and why it was rejected.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from crank_cli import process
from crank_cli.errors import NoUsableEngineError
from crank_cli.process import AttachedRunner, Runner
from crank_cli.runtime import ENGINES
from crank_cli.runtime import docker_socket
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.docker_local import LocalDockerEngine
from crank_cli.runtime.models import EngineInfo
from crank_cli.settings import Settings
from crank_cli.threads import run_all


class Resolution(NamedTuple):
    """The chosen engine, what its probe found, and how it was chosen."""

    backend: DockerCompatibleEngine
    info: EngineInfo
    reason: str
    # The engines probed and found unusable before the chosen one, in the order tried.
    rejected: tuple[EngineInfo, ...] = ()
    # Every engine probed and found unusable, in the order of `ENGINES`, also those after the
    # chosen one that `resolve_where` asked for the project's containers.
    unusable: tuple[EngineInfo, ...] = ()


def make_backend(name: str, runner: Runner = process.run,
                 attached_runner: AttachedRunner = process.run_attached) -> DockerCompatibleEngine:
    """Return the adapter registered under `name`.

    With the real process runner and a local Docker daemon, Docker's adapter is the one that
    talks to the daemon's socket. A fake or printing runner stands for the whole engine, so
    everything then goes through it.
    """
    if name == "docker" and runner is process.run:
        api = docker_socket.from_environment()
        if api is not None:
            return LocalDockerEngine(api, runner=runner, attached_runner=attached_runner)
    engine_class = ENGINES[name]
    return engine_class(runner=runner, attached_runner=attached_runner)  # type: ignore[call-arg]


def dry_run_backend(resolution: Resolution, write: Callable[[str], None]) -> DockerCompatibleEngine:
    """Return the chosen engine's adapter, printing changing commands through `write`."""
    from crank_cli.runtime.dryrun import DryRunRunner

    runner = DryRunRunner(write, resolution.backend.runner)
    return make_backend(resolution.info.name, runner, runner.attached)


def probe_all(names: Iterable[str] = ENGINES, runner: Runner = process.run, *, fresh: bool = False) -> list[EngineInfo]:
    """Probe several engines at once and return their findings in the order given.

    With `fresh`, every engine is asked, even one whose version crank remembers.
    """
    backends = [make_backend(name, runner) for name in names]
    return run_all(lambda backend: backend.probe(fresh=fresh), backends, limit=len(backends))


def resolve(
    settings: Settings,
    *,
    runner: Runner = process.run,
    warn: Callable[[str], None] | None = None,
    probed: Mapping[str, tuple[DockerCompatibleEngine, EngineInfo]] | None = None,
) -> Resolution:
    """Choose the engine that the settings ask for, or raise `NoUsableEngineError`.

    `probed` contains the engines this command has already probed, by name, which are not probed again.
    """
    known = dict(probed or {})

    def probe(name: str) -> EngineInfo:
        if name not in known:
            backend = make_backend(name, runner)
            known[name] = (backend, backend.probe())
        return known[name][1]

    chosen, rejected = choose(settings, probe)
    if chosen is None:
        if settings.runtime.value != "auto" and not settings.fallback_enabled:
            others = {name: info for name, (_, info) in known.items() if name != settings.runtime.value}
            raise NoUsableEngineError(_fallback_disabled_message(rejected[0], settings, others))
        raise NoUsableEngineError(_no_engine_message(rejected))
    preferred = settings.runtime.value
    if rejected and preferred != "auto":
        (warn or _print_warning)(_fallback_warning(rejected[0], chosen, settings))
    unusable = tuple(known[name][1] for name in ENGINES if name in known and not known[name][1].usable)
    return Resolution(known[chosen.name][0], chosen, choice_reason(chosen.name, settings, rejected), tuple(rejected),
                      unusable)


def resolve_where(settings: Settings, labels: dict[str, str | None], runner: Runner = process.run, *,
                  other_tool_labels: dict[str, str | None] | None = None) -> Resolution:
    """Under runtime auto, choose the usable engine that has containers with these labels.

    An engine where some of them run comes first: after `crank migrate --keep-source` the
    stopped copy stays on the source, and the project runs on the target. Otherwise the
    first engine with any of them is chosen. The engines are asked in order, one at a time,
    so a project that runs on Docker with a local daemon costs two socket requests and no
    `podman` process. When no engine has any, the first engine with containers that carry
    `other_tool_labels` (another tool's project) is chosen, so that the verb can name that
    tool. Falls back to the usual order when no engine has either; raises
    `NoUsableEngineError` when no engine is usable at all.
    """
    probed: dict[str, tuple[DockerCompatibleEngine, EngineInfo]] = {}
    stopped: Resolution | None = None
    for name in ENGINES:
        backend = make_backend(name, runner)
        info = backend.probe()
        probed[name] = (backend, info)
        if not info.usable:
            continue
        if backend.has_containers(labels, running=True):
            return Resolution(backend, info, "the engine where the project's containers run")
        if stopped is None and backend.has_containers(labels):
            stopped = Resolution(backend, info, "the engine where the project's containers are")
    if stopped is None and other_tool_labels is not None:
        stopped = _other_tool_engine(probed.values(), other_tool_labels)
    return stopped or resolve(settings, runner=runner, probed=probed)


def _other_tool_engine(probed: Iterable[tuple[DockerCompatibleEngine, EngineInfo]],
                       labels: dict[str, str | None]) -> Resolution | None:
    """Return the first usable engine with containers that carry another tool's project labels."""
    for backend, info in probed:
        if info.usable and backend.has_containers(labels):
            return Resolution(backend, info, "the engine where another tool's containers of the project are")
    return None


def engines_with_containers(labels: dict[str, str | None], *, skip: Iterable[str],
                            runner: Runner = process.run) -> list[EngineInfo]:
    """Return the usable engines, other than those in `skip`, that have containers with these labels.

    The engines are probed at once. An engine whose client is not installed fails its probe
    when the client cannot be started, without a process.
    """
    return [holder.info for holder in engines_holding(labels, skip=skip, runner=runner)]


def engines_holding(labels: dict[str, str | None], *, skip: Iterable[str], running: bool = False,
                    runner: Runner = process.run) -> list[Resolution]:
    """Return each usable engine outside `skip` with containers that carry these labels, in the order of `ENGINES`.

    With `running`, only running containers count. The engines are probed and asked at once.
    """
    skipped = set(skip)
    backends = [make_backend(name, runner) for name in ENGINES if name not in skipped]
    reason = "an engine where the project's containers run" if running else "an engine where the project's containers are"

    def holder(backend: DockerCompatibleEngine) -> Resolution | None:
        info = backend.probe()
        if info.usable and backend.has_containers(labels, running=running):
            return Resolution(backend, info, reason)
        return None

    found = run_all(holder, backends, limit=max(len(backends), 1))
    return [resolution for resolution in found if resolution is not None]


def choose(settings: Settings, probe: Callable[[str], EngineInfo]) -> tuple[EngineInfo | None, list[EngineInfo]]:
    """Probe candidates in order until one is usable; return it and those rejected before it."""
    rejected: list[EngineInfo] = []
    for name in _candidates(settings.runtime.value, fallback=settings.fallback_enabled):
        info = probe(name)
        if info.usable:
            return info, rejected
        rejected.append(info)
    return None, rejected


def _candidates(preferred: str, *, fallback: bool) -> list[str]:
    if preferred == "auto":
        return list(ENGINES)
    if not fallback:
        return [preferred]
    return [preferred, *(name for name in ENGINES if name != preferred)]


def choice_reason(chosen: str, settings: Settings, rejected: list[EngineInfo]) -> str:
    """Return why `chosen` was taken, given the engines rejected before it, for messages."""
    preferred = settings.runtime.value
    if preferred == "auto":
        skipped = "".join(f", {info.name} skipped" for info in rejected)
        return f"first usable engine (runtime auto from {settings.runtime.source}{skipped})"
    if chosen == preferred:
        return f"chosen by {settings.runtime.source}"
    return f"fallback: {preferred} is not usable"


def _print_warning(message: str) -> None:
    print(f"crank: warning: {message}", file=sys.stderr)


def _fallback_warning(first: EngineInfo, chosen: EngineInfo, settings: Settings) -> str:
    return (
        f"{first.name} ({settings.runtime.source}) is not usable: {_sentence(first.reason)} "
        f"crank uses {chosen.name} {chosen.version} instead "
        f"(set CRANK_RUNTIME_FALLBACK=disabled to stop instead). "
        f"crank cannot see containers on {first.name}: a project running there is not shown or "
        f"changed, and `crank up` would start it a second time on {chosen.name}, with new volumes"
    )


def _sentence(reason: str) -> str:
    """Return an engine's reason as a sentence, so that another can follow it.

    Reasons come from the engines too, and Docker's own end with a question, such as "Is
    the docker daemon running?".
    """
    reason = reason.rstrip()
    return reason if reason.endswith((".", "?", "!")) else f"{reason}."


def _no_engine_message(rejected: list[EngineInfo]) -> str:
    reasons = "; ".join(f"{info.name}: {info.reason}" for info in rejected)
    return f"no usable container engine ({reasons}); start one of them, or run `crank doctor` for details"


def _fallback_disabled_message(chosen: EngineInfo, settings: Settings, others: Mapping[str, EngineInfo]) -> str:
    """Say that the chosen engine is not usable and crank tried no other, naming the usable ones it probed."""
    message = (
        f"{chosen.name} ({settings.runtime.source}) is not usable: {_sentence(chosen.reason)} "
        f"Fallback to other engines is disabled by {settings.fallback.source}"
    )
    usable = [name for name in ENGINES if name in others and others[name].usable]
    if usable:
        return f"{message}. Usable engines: {', '.join(usable)}; choose one with --runtime, or enable fallback"
    return f"{message}, so crank did not check the other engines; run `crank doctor` to see which are usable"
