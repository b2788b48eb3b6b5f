"""Dependency levels of services."""

from __future__ import annotations

import pytest

from crank_cli.errors import InvalidProjectError
from crank_cli.operations.graph import start_levels, stop_levels, with_dependencies

CHAIN = {
    "web": {"depends_on": {"api": {}}},
    "api": {"depends_on": {"db": {}, "cache": {}}},
    "db": {},
    "cache": {},
}


def test_levels_follow_dependencies() -> None:
    assert start_levels(CHAIN) == [["cache", "db"], ["api"], ["web"]]


def test_selection_pulls_in_dependencies() -> None:
    assert with_dependencies(CHAIN, ["api"]) == {"api", "db", "cache"}


def test_levels_of_subset() -> None:
    assert start_levels(CHAIN, {"web", "api"}) == [["api"], ["web"]]


def test_cycle_names_services() -> None:
    services = {"a": {"depends_on": {"b": {}}}, "b": {"depends_on": {"a": {}}}, "c": {}}
    with pytest.raises(InvalidProjectError, match="dependency cycle between a, b"):
        start_levels(services)


def test_stop_levels_reverse_dependencies() -> None:
    assert stop_levels(CHAIN) == [["web"], ["api"], ["cache", "db"]]


def test_stop_levels_put_independent_service_first() -> None:
    services = {**CHAIN, "debug": {}}

    assert stop_levels(services) == [["debug", "web"], ["api"], ["cache", "db"]]


def test_stop_levels_cycle_names_services() -> None:
    services = {"a": {"depends_on": {"b": {}}}, "b": {"depends_on": {"a": {}}}, "c": {}}
    with pytest.raises(InvalidProjectError, match="dependency cycle between a, b"):
        stop_levels(services)
