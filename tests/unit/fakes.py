"""A fake of the process boundary: records engine commands and returns canned results."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from crank_cli.errors import EngineError, EngineNotFoundError
from crank_cli.process import Completed

Reply = str | EngineError | Callable[[list[str]], str]


class FakeRunner:
    """Reply to engine commands by the longest matching argument prefix."""

    def __init__(self, replies: Mapping[tuple[str, ...], Reply] | None = None) -> None:
        self.replies = dict(replies or {})
        self.calls: list[list[str]] = []

    def __call__(
        self,
        argv: Sequence[str],
        *,
        input_text: str | None = None,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        command = list(argv)
        self.calls.append(command)
        reply = self._reply_for(command)
        if isinstance(reply, EngineError):
            raise reply
        text = reply(command) if callable(reply) else reply
        return Completed(tuple(command), text, "")

    def _reply_for(self, command: list[str]) -> Reply:
        for length in range(len(command), 0, -1):
            key = tuple(command[:length])
            if key in self.replies:
                return self.replies[key]
        if command[0] not in {key[0] for key in self.replies}:
            return EngineNotFoundError(command[0])
        return ""


DOCKER_UP = '{"Client":{"Version":"28.2.2"},"Server":{"Version":"20.10.24"}}'
DOCKER_DAEMON_DOWN = EngineError(
    ["docker", "version"], 1, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock."
)
PODMAN_UP = '{"Client":{"Version":"4.3.1"}}'
