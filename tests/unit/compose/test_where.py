"""Where: key paths of nested positions and the errors that name them."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.compose.units import parse_duration
from crank_cli.compose.where import Where


def test_child_paths() -> None:
    root = Where(Path("compose.yaml"))
    ports = root.child("services").child("web.1").child("ports")

    assert root.path == ""
    assert ports.path == "services.web.1.ports"
    assert ports.child(2).path == "services.web.1.ports[2]"
    assert ports.child(2).child("target").path == "services.web.1.ports[2].target"
    assert Where("compose.yaml", "name").child("x").path == "name.x"


def test_equal_by_source_and_path() -> None:
    nested = Where("compose.yaml").child("services").child("web")

    assert nested == Where("compose.yaml", "services.web")
    assert hash(nested) == hash(Where("compose.yaml", "services.web"))
    assert nested != Where("other.yaml", "services.web")
    assert repr(nested) == "Where('compose.yaml', 'services.web')"


def test_fail_names_file_and_path() -> None:
    error = Where("compose.yaml").child("services").child("web").child("ports").child(0).fail("invalid port")
    assert error.message == "compose.yaml: services.web.ports[0]: invalid port"


@pytest.mark.parametrize("text", ["1x", "s", ".s", "-", "+"])
def test_invalid_duration_message(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration") as caught:
        parse_duration(text)
    assert str(caught.value) == f'invalid duration "{text}": use a value such as 30s, 1m30s or 500ms'
