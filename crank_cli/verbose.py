"""The messages `-v` and `-vv` add on stderr: what crank chose, and each engine command or request.

`-v` shows info messages and `-vv` debug messages as well, each as `crank: MESSAGE`. The
standard `logging` package prints them, but it is imported only once `-v` is given: the
import costs several milliseconds, which every command would otherwise pay.
"""

from __future__ import annotations

from typing import Any

_INFO = 1
_DEBUG = 2

_level = 0


def set_level(verbose: int) -> None:
    """Show info messages from one `-v`, and debug messages too from two or more."""
    global _level
    _level = verbose
    if verbose:
        import logging
        import sys

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("crank: %(message)s"))
        logger = logging.getLogger("crank")
        logger.handlers[:] = [handler]
        logger.setLevel(logging.DEBUG if verbose >= _DEBUG else logging.INFO)


def info(topic: str, message: str, *args: Any) -> None:
    """Show a message under `-v`. `topic` names the logger below `crank`, such as `process`."""
    if _level >= _INFO:
        _log(topic, _INFO, message, args)


def debug(topic: str, message: str, *args: Any) -> None:
    """Show a message under `-vv`. `topic` names the logger below `crank`, such as `process`."""
    if _level >= _DEBUG:
        _log(topic, _DEBUG, message, args)


def _log(topic: str, level: int, message: str, args: tuple[Any, ...]) -> None:
    import logging

    logger = logging.getLogger(f"crank.{topic}")
    logger.log(logging.DEBUG if level == _DEBUG else logging.INFO, message, *args)
