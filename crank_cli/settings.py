"""crank's own settings, each with the place its value came from.

Precedence, highest first: the command-line flag, the process environment, the project's
`.env` file (or the `--env-file` files), the default. The result records the source of
every value, so `crank doctor` and error messages can name where a value was set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from crank_cli.errors import UsageError

RUNTIME_KEY = "CRANK_CONTAINER_RUNTIME"
FALLBACK_KEY = "CRANK_RUNTIME_FALLBACK"
SETTING_KEYS = (RUNTIME_KEY, FALLBACK_KEY)
RUNTIME_NAMES = ("auto", "containerd", "docker", "podman")
FALLBACK_VALUES = {"enabled": True, "disabled": False}


class Setting(NamedTuple):
    """One setting's value and where it was read from."""

    value: str
    source: str


class Settings(NamedTuple):
    """The settings that choose the container engine."""

    runtime: Setting
    fallback: Setting

    @property
    def fallback_enabled(self) -> bool:
        return FALLBACK_VALUES[self.fallback.value]


def load_settings(
    *,
    runtime_flag: str | None,
    environ: Mapping[str, str],
    file_values: Mapping[str, str],
    file_label: str = ".env",
    check: bool = True,
) -> Settings:
    """Resolve crank's settings from the flag, the environment and the env file values.

    With `check`, an invalid value raises `UsageError`. Without it, the settings are returned
    as found, for `crank doctor` to report with `invalid_settings`.
    """
    runtime = _pick(RUNTIME_KEY, "--runtime", runtime_flag, environ, file_values, file_label, "auto")
    fallback = _pick(FALLBACK_KEY, None, None, environ, file_values, file_label, "enabled")
    settings = Settings(runtime=runtime, fallback=fallback)
    problems = invalid_settings(settings)
    if check and problems:
        raise UsageError(problems[0])
    return settings


def invalid_settings(settings: Settings) -> list[str]:
    """Return a message for each setting whose value is invalid, naming where it was set and the valid values."""
    checks = ((settings.runtime, RUNTIME_NAMES), (settings.fallback, tuple(FALLBACK_VALUES)))
    return [_invalid_message(setting, allowed) for setting, allowed in checks if setting.value not in allowed]


def _pick(
    key: str,
    flag_name: str | None,
    flag_value: str | None,
    environ: Mapping[str, str],
    file_values: Mapping[str, str],
    file_label: str,
    default: str,
) -> Setting:
    if flag_value is not None:
        return Setting(flag_value.strip().lower(), f"the {flag_name} flag")
    if environ.get(key):
        return Setting(environ[key].strip().lower(), f"{key}{_ENVIRONMENT_SUFFIX}")
    if file_values.get(key):
        return Setting(file_values[key].strip().lower(), f"{key} in {file_label}")
    return Setting(default, _DEFAULT_SOURCE)


_ENVIRONMENT_SUFFIX = " in the environment"
_DEFAULT_SOURCE = "the default"


def named_for_project(setting: Setting) -> bool:
    """Tell whether a setting came from a command-line flag or the project's env files.

    A value in the process environment often applies to every project in a shell, so it
    does not count, and neither does the default.
    """
    return setting.source != _DEFAULT_SOURCE and not setting.source.endswith(_ENVIRONMENT_SUFFIX)


def _invalid_message(setting: Setting, allowed: tuple[str, ...]) -> str:
    expected = ", ".join(sorted(allowed))
    return f"invalid value {setting.value!r} from {setting.source}: expected one of {expected}"
