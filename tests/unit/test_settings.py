"""Precedence of crank's settings: flag, then environment, then .env, then default."""

from __future__ import annotations

import pytest

from crank_cli.errors import UsageError
from crank_cli.settings import load_settings


def test_flag_beats_environment_and_dotenv() -> None:
    settings = load_settings(
        runtime_flag="podman",
        environ={"CRANK_CONTAINER_RUNTIME": "docker"},
        file_values={"CRANK_CONTAINER_RUNTIME": "containerd"},
    )
    assert settings.runtime.value == "podman"
    assert settings.runtime.source == "the --runtime flag"


def test_environment_beats_dotenv() -> None:
    settings = load_settings(
        runtime_flag=None,
        environ={"CRANK_CONTAINER_RUNTIME": "docker"},
        file_values={"CRANK_CONTAINER_RUNTIME": "podman"},
    )
    assert settings.runtime.value == "docker"
    assert settings.runtime.source == "CRANK_CONTAINER_RUNTIME in the environment"


def test_dotenv_beats_default() -> None:
    settings = load_settings(runtime_flag=None, environ={}, file_values={"CRANK_CONTAINER_RUNTIME": "podman"})
    assert settings.runtime.value == "podman"
    assert settings.runtime.source == "CRANK_CONTAINER_RUNTIME in .env"


def test_default_is_auto_with_fallback() -> None:
    settings = load_settings(runtime_flag=None, environ={}, file_values={})
    assert settings.runtime.value == "auto"
    assert settings.runtime.source == "the default"
    assert settings.fallback_enabled is True


def test_fallback_read_from_dotenv() -> None:
    settings = load_settings(runtime_flag=None, environ={}, file_values={"CRANK_RUNTIME_FALLBACK": "disabled"})
    assert settings.fallback_enabled is False


def test_empty_environment_value_is_ignored() -> None:
    settings = load_settings(
        runtime_flag=None, environ={"CRANK_CONTAINER_RUNTIME": ""}, file_values={"CRANK_CONTAINER_RUNTIME": "podman"}
    )
    assert settings.runtime.value == "podman"


def test_unknown_runtime_names_source_and_choices() -> None:
    with pytest.raises(UsageError) as raised:
        load_settings(runtime_flag=None, environ={"CRANK_CONTAINER_RUNTIME": "dokcer"}, file_values={})
    assert raised.value.message == (
        "invalid value 'dokcer' from CRANK_CONTAINER_RUNTIME in the environment: "
        "expected one of auto, containerd, docker, podman"
    )


def test_unknown_fallback_value_rejected() -> None:
    with pytest.raises(UsageError, match="expected one of disabled, enabled"):
        load_settings(runtime_flag=None, environ={"CRANK_RUNTIME_FALLBACK": "yes"}, file_values={})
