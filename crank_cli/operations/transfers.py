"""Image transfers to and from registries: the loop shared by `pull` and `push`, and their failure messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from crank_cli.errors import CrankError, EngineError, ExitCode
from crank_cli.operations.cancel import interrupted_as_cancelled
from crank_cli.operations.events import Events
from crank_cli.runtime.backend import Backend

# The registry of a reference whose first part names none, as Docker and Podman read it.
DEFAULT_REGISTRY = "docker.io"


class Transfer(NamedTuple):
    """One image reference to pull or push, and the service it belongs to."""

    service: str
    reference: str
    # The service's `image`, which differs from `reference` for one of a pushed service's `build.tags`.
    image: str


class TransferPlan(NamedTuple):
    """The images to transfer, in order, and the services skipped, each with its reason."""

    targets: list[Transfer]
    skipped: dict[str, str]


class TransferError(CrankError):
    """The engine could not pull or push a service's image."""

    exit_code = ExitCode.ENGINE_FAILED
    kind = "engine"

    def __init__(self, target: Transfer, message: str) -> None:
        super().__init__(message)
        self.target = target


class Steps(NamedTuple):
    """The progress statuses of one kind of transfer, such as pulling, pulled."""

    running: str
    done: str


def transfer_images(targets: Sequence[Transfer], events: Events, steps: Steps, transfer: Callable[[str], None],
                    describe: Callable[[Transfer, EngineError], TransferError], *,
                    ignore_failures: bool = False) -> list[TransferError]:
    """Call `transfer` on each target's reference in order and return the failures.

    The first failure raises the `TransferError` that `describe` returns, unless
    `ignore_failures`: then the other images are still transferred, and the caller reports the
    failures returned.
    """
    failures: list[TransferError] = []
    for target in targets:
        subject = f"image {target.reference}"
        events.emit(subject, steps.running)
        try:
            with interrupted_as_cancelled():
                transfer(target.reference)
        except EngineError as error:
            failure = describe(target, error)
            if not ignore_failures:
                raise failure from None
            events.emit(subject, "failed")
            failures.append(failure)
            continue
        events.emit(subject, steps.done)
    return failures


def show_skipped(events: Events, skipped: dict[str, str]) -> None:
    """Emit one progress line for each service skipped, with its reason."""
    for service, reason in skipped.items():
        events.emit(f"service {service}", f"skipped: {reason}")


def registry_advice(backend: Backend, reference: str, *, verb: str, offer_ignore: bool) -> str:
    """Return what to do about a failed `verb` (pull or push): check the registry and the login.

    With `offer_ignore`, the advice also names the verb's --ignore-VERB-failures option.
    """
    registry = registry_of(reference)
    advice = (f"Check that the registry {registry} is reachable and that the engine is logged in to it "
              f"(`{backend.login_command(registry)}`)")
    if offer_ignore:
        advice += f", or add --ignore-{verb}-failures to {verb} the other images anyway"
    return advice


def engine_reason(error: EngineError) -> str:
    """Return the engine's reason for a failed transfer: its last error line, else its last line of output.

    The lines before it are progress, such as the layers copied or the repository pushed to.
    """
    lines = [line.strip() for line in error.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]
    if errors:
        return errors[-1]
    if lines:
        return lines[-1]
    return error.message


def failure_reason(error: EngineError) -> str:
    """Return why a build, pull or push failed, or, when its output went to the terminal, that it is above."""
    return "the engine's output is above" if error.stderr.endswith("its output is above") else engine_reason(error)


def registry_of(reference: str) -> str:
    """Return the registry an image reference names, such as `127.0.0.1:5000`, or docker.io."""
    first, slash, _ = reference.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return DEFAULT_REGISTRY
