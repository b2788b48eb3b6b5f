"""Fixtures for every test."""

from __future__ import annotations

import functools
import os

import pytest

from crank_cli.compose import parse_cache


@pytest.fixture(autouse=True)
def private_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the compose parse cache of each test in a fresh folder, away from the user's cache.

    XDG_CACHE_HOME also reaches the crank processes that tests start. Some tests clear the
    environment, and the cache would then fall back to the real home folder, so in this process
    a cleared or relative XDG_CACHE_HOME leads to the fresh folder too.
    """
    cache_home = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    real_cache_directory = parse_cache.cache_directory

    @functools.wraps(real_cache_directory)
    def cache_directory() -> str | None:
        if os.path.isabs(os.environ.get("XDG_CACHE_HOME", "")):
            return real_cache_directory()
        return str(cache_home / "crank" / "compose")

    monkeypatch.setattr(parse_cache, "cache_directory", cache_directory)


@pytest.fixture(autouse=True)
def secret_files_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let each test write secret files again: a dry run in an earlier test turns writing off for the process."""
    from crank_cli.operations import secrets

    monkeypatch.setattr(secrets, "_writing_files", True)
