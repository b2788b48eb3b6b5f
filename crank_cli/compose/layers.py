"""Read one compose file into layers: one per YAML document, interpolated and in canonical form."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from crank_cli.compose.environment import read_compose_text
from crank_cli.compose.interpolation import interpolate_tree
from crank_cli.compose.merge import KeyPath, extract_tags
from crank_cli.compose.problems import invalid_file
from crank_cli.compose.project_checks import check_top_level
from crank_cli.compose.schema import SERVICE, TOP_LEVEL_RESOURCES, legacy_external
from crank_cli.compose.where import Where, describe
from crank_cli.compose.parse_cache import load_documents


class Layer(NamedTuple):
    """One YAML document of a compose file, ready to merge over the layers before it."""

    path: Path
    content: dict[str, Any]
    resets: list[KeyPath]
    overrides: list[KeyPath]

    @property
    def tagged_paths(self) -> list[KeyPath]:
        """The key paths whose earlier value the merge must drop: `!reset` and `!override` ones."""
        return [*self.resets, *self.overrides]


def read_documents(path: Path) -> list[dict[str, Any]]:
    """Parse a compose file; raise InvalidProjectError when it cannot be read or is not a mapping."""
    return parse_documents(read_compose_text(path), path)


def parse_documents(text: str, path: Path) -> list[dict[str, Any]]:
    """Parse the text of a compose file; raise InvalidProjectError when it is not a mapping."""
    documents = [document for document in load_documents(text.removeprefix("\ufeff"), path) if document is not None]
    for document in documents:
        if not isinstance(document, dict):
            raise invalid_file(path, f"the top level must be a mapping, not {describe(document)}")
    return documents


def read_layers(path: Path, variables: dict[str, str]) -> list[Layer]:
    """Return the layers of one compose file, interpolated with `variables`."""
    return [make_layer(document, path, variables) for document in read_documents(path)]


def make_layer(document: dict[str, Any], path: Path, variables: dict[str, str]) -> Layer:
    """Interpolate one document, take out its merge tags and bring it into canonical form."""

    def on_error(key_path: str, problem: str) -> Exception:
        return Where(path, key_path).fail(problem)

    interpolated = interpolate_tree(document, variables.get, "", on_error)
    check_top_level(interpolated, Where(path))
    content, resets, overrides = extract_tags(interpolated)
    return Layer(path, canonical_content(content, path), resets, overrides)


def canonical_content(layer: dict[str, Any], path: Path) -> dict[str, Any]:
    """Check one document's services and top-level resources and bring them into canonical form."""
    result = dict(layer)
    where = Where(path)
    services = layer.get("services")
    if services is not None:
        here = where.child("services")
        result["services"] = {
            str(name): SERVICE.convert(service or {}, here.child(str(name)))
            for name, service in here.expect_mapping(services).items()
        }
    for kind, structure in TOP_LEVEL_RESOURCES.items():
        resources = layer.get(kind)
        if resources is None:
            continue
        here = where.child(kind)
        result[kind] = {
            str(key): structure.convert(legacy_external(resource or {}), here.child(str(key)))
            for key, resource in here.expect_mapping(resources).items()
        }
    return result
