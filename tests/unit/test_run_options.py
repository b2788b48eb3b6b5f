"""Parsing of `crank run` flags."""

from __future__ import annotations

import pytest

from crank_cli.errors import UsageError
from crank_cli.operations.run import parse_env, parse_port, parse_volume
from crank_cli.runtime.models import Mount, PortMapping


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("80", PortMapping(target=80)),
        ("8080:80", PortMapping(target=80, published="8080")),
        ("127.0.0.1:8080:80/udp", PortMapping(target=80, published="8080", host_ip="127.0.0.1", protocol="udp")),
        ("127.0.0.1::80", PortMapping(target=80, host_ip="127.0.0.1")),
        ("[::1]:8080:80", PortMapping(target=80, published="8080", host_ip="::1")),
    ],
)
def test_parse_port(value: str, expected: PortMapping) -> None:
    assert parse_port(value) == expected


@pytest.mark.parametrize("value", ["", "80:80:80:80", "web", "80/icmp"])
def test_parse_port_rejects(value: str) -> None:
    with pytest.raises(UsageError, match="invalid --publish value"):
        parse_port(value)


def test_parse_volume_named_and_bind() -> None:
    assert parse_volume("data:/data") == Mount("volume", "/data", "data")
    assert parse_volume("/srv:/srv:ro") == Mount("bind", "/srv", "/srv", read_only=True)


@pytest.mark.parametrize("value", ["data", ":/x", "data:/x:rx"])
def test_parse_volume_rejects(value: str) -> None:
    with pytest.raises(UsageError, match="invalid --volume value"):
        parse_volume(value)


def test_parse_env_passes_through_from_environment() -> None:
    assert parse_env("A=1=2", {}) == ("A", "1=2")
    assert parse_env("HOME", {"HOME": "/root"}) == ("HOME", "/root")
    assert parse_env("MISSING", {}) is None
