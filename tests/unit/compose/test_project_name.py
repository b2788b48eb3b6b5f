"""`project_name`: the name `load_project` chooses, found without building the model."""

from __future__ import annotations

from pathlib import Path

import pytest
from compose_reference import write_project

from crank_cli.compose import LoadOptions, load_project, project_name
from crank_cli.compose.naming import may_declare_name
from crank_cli.errors import InvalidProjectError, ProjectNotFoundError

DATA = Path(__file__).parents[2] / "data" / "compose"
DATA_FILES = sorted(path for pattern in ("*.yaml", "*.yml") for path in DATA.rglob(pattern))
SIMPLE = "services:\n  web:\n    image: nginx\n"


def options(directory: Path, environ: dict[str, str] | None = None, **extra: object) -> LoadOptions:
    return LoadOptions(working_dir=directory, environ=environ or {}, **extra)  # type: ignore[arg-type]


def load_error(load_options: LoadOptions) -> InvalidProjectError:
    with pytest.raises(InvalidProjectError) as caught:
        load_project(load_options)
    return caught.value


@pytest.mark.parametrize("path", DATA_FILES, ids=[str(path.relative_to(DATA)) for path in DATA_FILES])
def test_name_matches_load_on_data_file(path: Path) -> None:
    load_options = options(path.parent, {"HOME": "/home/user"}, files=(Path(path.name),))
    try:
        expected = load_project(load_options).name
    except InvalidProjectError:
        expected = None
    if expected is not None:
        assert project_name(load_options) == expected
        return
    # project_name does not check the content, so for a file that load_project rejects it
    # may return a name, or raise InvalidProjectError when the name's own source is invalid.
    try:
        assert project_name(load_options)
    except InvalidProjectError as error:
        assert error.message


def test_data_files_are_present() -> None:
    assert len(DATA_FILES) > 100


@pytest.mark.parametrize(
    ("environ", "extra", "dotenv", "expected"),
    [
        ({"COMPOSE_PROJECT_NAME": "from-env"}, {"project_name": "from-flag"}, "", "from-flag"),
        ({"COMPOSE_PROJECT_NAME": "from-env"}, {}, "COMPOSE_PROJECT_NAME=from-dotenv\n", "from-env"),
        ({}, {}, "COMPOSE_PROJECT_NAME=from-dotenv\n", "from-dotenv"),
        ({}, {}, "", "from-file"),
    ],
    ids=["flag beats environment", "environment beats dotenv", "dotenv beats name key", "name key beats directory"],
)
def test_name_precedence(tmp_path: Path, environ: dict[str, str], extra: dict[str, str], dotenv: str, expected: str) -> None:
    files = {"compose.yaml": "name: From-File\n" + SIMPLE}
    if dotenv:
        files[".env"] = dotenv
    directory = write_project(tmp_path / "dir", files)
    load_options = options(directory, environ, **extra)
    assert project_name(load_options) == expected
    assert load_project(load_options).name == expected


@pytest.mark.parametrize(
    ("files", "environ", "expected"),
    [
        ({"compose.yaml": SIMPLE}, {}, "my_dir-1"),
        ({"compose.yaml": "name: ${N:-fallback}\n" + SIMPLE}, {"N": "Env-Name"}, "env-name"),
        ({"compose.yaml": "name: ${N:-fallback}\n" + SIMPLE}, {}, "fallback"),
        ({"compose.yaml": "name: first\n" + SIMPLE, "compose.override.yaml": "name: second\n"}, {}, "second"),
        ({"compose.yaml": SIMPLE + "---\nname: in-second-document\n"}, {}, "in-second-document"),
        ({"compose.yaml": "x-base: &base\n  name: from-anchor\n<<: *base\n" + SIMPLE}, {}, "from-anchor"),
        ({"compose.yaml": '"name": quoted-key\n' + SIMPLE}, {}, "quoted-key"),
        ({"compose.yaml": "name: ''\n" + SIMPLE}, {}, "my_dir-1"),
        ({"compose.yaml": "name: 42\n" + SIMPLE}, {}, "my_dir-1"),
    ],
    ids=["directory", "interpolated", "default value", "override file wins", "second document", "merge key", "quoted key", "empty name", "number name"],
)
def test_name_from_files(tmp_path: Path, files: dict[str, str], environ: dict[str, str], expected: str) -> None:
    directory = write_project(tmp_path / "My_Dir-1", files)
    assert project_name(options(directory, environ)) == expected


def test_number_name_rejected_by_load_only(tmp_path: Path) -> None:
    directory = write_project(tmp_path / "proj", {"compose.yaml": "name: 42\n" + SIMPLE})
    assert "name: must be a string" in load_error(options(directory)).message
    assert project_name(options(directory)) == "proj"


def test_missing_compose_file_raises_not_found(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFoundError, match="no compose file found"):
        project_name(options(tmp_path))
    with pytest.raises(ProjectNotFoundError, match="no compose file found"):
        project_name(options(tmp_path, project_name="given"))


def test_missing_file_flag_raises_like_load(tmp_path: Path) -> None:
    load_options = options(tmp_path, project_name="given", files=(Path("missing.yaml"),))
    with pytest.raises(InvalidProjectError) as caught:
        project_name(load_options)
    assert caught.value.message == load_error(load_options).message


def test_invalid_explicit_name_raises_like_load(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": SIMPLE})
    load_options = options(tmp_path, {"COMPOSE_PROJECT_NAME": "Upper"})
    with pytest.raises(InvalidProjectError) as caught:
        project_name(load_options)
    assert caught.value.message == load_error(load_options).message


def test_invalid_name_variable_raises_like_load(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": "name: ${N:?set N}\n" + SIMPLE})
    with pytest.raises(InvalidProjectError) as caught:
        project_name(options(tmp_path))
    assert caught.value.message == load_error(options(tmp_path)).message
    assert caught.value.message.endswith("name: required variable N is missing a value: set N")


def test_content_not_checked_without_name_key(tmp_path: Path) -> None:
    directory = write_project(tmp_path / "proj", {"compose.yaml": "services:\n  web:\n    image: [unclosed\n"})
    assert "invalid YAML" in load_error(options(directory)).message
    assert project_name(options(directory)) == "proj"


@pytest.mark.parametrize(
    "text",
    [
        "name: x\n",
        "  name: x\n",
        "services: {}\nname: x\n",
        '"name": x\n',
        "'name': x\n",
        "{name: x}\n",
        "? name\n: x\n",
        "x-a: &a {name: x}\n<<: *a\n",
        "&anchor\nname: x\n",
        "!!map\nname: x\n",
        "--- {name: x}\n",
        "services: {}\n---\nname: x\n",
        "services: {}\n...\n---\n  name: x\n",
        "\ufeffname: x\n",
        "services: {}\r\nname: x\r\n",
        "services: {}\rname: x\r",
        "services: {}\x85name: x\n",
        "services: {}\u2028name: x\n",
        "%YAML 1.1\n---\nname: x\n",
        '"n\\x61me": x\n',
        "name : x\n",
    ],
)
def test_may_declare_name_true(text: str) -> None:
    assert may_declare_name(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        SIMPLE,
        "# name: commented out\n" + SIMPLE,
        "version: '3'\n" + SIMPLE + "volumes:\n  data:\n    name: nested\n",
        "x-common:\n  name: nested\n" + SIMPLE,
        "  services:\n    web:\n      name: nested\n",
        SIMPLE + "---\nnetworks: {}\n...\n",
        "services:\n  web:\n    image: nginx\n    command: |\n      name: inside a block scalar\n",
    ],
    ids=["empty", "simple", "comment", "nested resource name", "extension", "indented root", "two documents", "block scalar"],
)
def test_may_declare_name_false(text: str) -> None:
    assert not may_declare_name(text)


def test_name_from_parent_folder_file(tmp_path: Path) -> None:
    project = write_project(tmp_path / "Parent", {"compose.yaml": SIMPLE, ".env": "COMPOSE_PROJECT_NAME=from-dotenv\n"})
    deeper = project / "src"
    deeper.mkdir()
    assert project_name(options(deeper)) == load_project(options(deeper)).name == "from-dotenv"
