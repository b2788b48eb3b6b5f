"""Loader rules that do not need the reference: file discovery, project names, error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from compose_reference import write_project

from crank_cli.compose import LoadOptions, load_project, project_directory, project_variables
from crank_cli.errors import InvalidProjectError, ProjectNotFoundError

SIMPLE = "services:\n  web:\n    image: nginx\n"


def options(directory: Path, environ: dict[str, str] | None = None, **extra: object) -> LoadOptions:
    return LoadOptions(working_dir=directory, environ=environ or {}, **extra)  # type: ignore[arg-type]


def load_error(directory: Path, **extra: object) -> str:
    with pytest.raises(InvalidProjectError) as caught:
        load_project(options(directory, **extra))
    return caught.value.message


def test_default_file_found_in_parent(tmp_path: Path) -> None:
    write_project(tmp_path / "my-app", {"compose.yaml": SIMPLE})
    deeper = tmp_path / "my-app" / "src" / "lib"
    deeper.mkdir(parents=True)
    project = load_project(options(deeper))
    assert project.files == (tmp_path / "my-app" / "compose.yaml",)
    assert project.working_dir == tmp_path / "my-app"
    assert project.name == "my-app"


def test_override_file_loaded_beside_main(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": SIMPLE, "compose.override.yaml": "services:\n  web:\n    image: other\n"})
    project = load_project(options(tmp_path))
    assert project.services["web"]["image"] == "other"
    assert len(project.files) == 2


def test_missing_compose_file_raises_not_found(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFoundError, match="no compose file found"):
        load_project(options(tmp_path))


@pytest.mark.parametrize("given", ["absolute", "relative"])
def test_missing_file_named_by_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    (tmp_path / "x").mkdir()
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "x" / "nosuch.yaml"
    path = missing if given == "absolute" else Path("x/nosuch.yaml")

    message = load_error(tmp_path, files=(path,))

    assert message == f"{missing}: compose file not found: check the -f value or COMPOSE_FILE"


def test_missing_env_file_named_by_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, {"compose.yaml": SIMPLE})
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "x" / "nosuch.env"

    message = load_error(tmp_path, env_files=(missing,))

    assert message == f"{missing}: env file not found: check the --env-file value"


def test_directory_name_is_normalized(tmp_path: Path) -> None:
    directory = write_project(tmp_path / "_My App.v2", {"compose.yaml": SIMPLE})
    assert load_project(options(directory)).name == "myappv2"


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
def test_project_name_precedence(
    tmp_path: Path, environ: dict[str, str], extra: dict[str, str], dotenv: str, expected: str
) -> None:
    files = {"compose.yaml": "name: From-File\n" + SIMPLE}
    if dotenv:
        files[".env"] = dotenv
    directory = write_project(tmp_path / "dir", files)
    assert load_project(options(directory, environ, **extra)).name == expected


@pytest.mark.parametrize("name", ["Upper", "-dash-first", "has space", "dots.bad"])
def test_invalid_explicit_project_name_is_rejected(tmp_path: Path, name: str) -> None:
    write_project(tmp_path, {"compose.yaml": SIMPLE})
    assert "invalid project name" in load_error(tmp_path, project_name=name)


def test_project_directory_and_variables_without_loading(tmp_path: Path) -> None:
    write_project(tmp_path / "sub", {"compose.yaml": "not: [valid", ".env": "A=dotenv\nB=dotenv\n"})
    opts = options(tmp_path, {"B": "process"}, files=(Path("sub/compose.yaml"),))
    assert project_directory(opts) == tmp_path / "sub"
    assert project_variables(opts) == {"A": "dotenv", "B": "process", "PWD": str(tmp_path)}


def test_variables_of_project_directory_without_compose_file(tmp_path: Path) -> None:
    write_project(tmp_path / "sub", {".env": "A=sub\n"})
    opts = options(tmp_path, {}, project_directory=Path("sub"))
    assert project_variables(opts) == {"A": "sub", "PWD": str(tmp_path)}
    with pytest.raises(ProjectNotFoundError):
        load_project(opts)


def test_env_files_replace_dotenv_and_later_wins(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": SIMPLE, ".env": "A=dotenv\n", "one.env": "A=one\nB=one\n", "two.env": "B=two\nC=${A}\n"})
    opts = options(tmp_path, {}, env_files=(Path("one.env"), Path("two.env")))
    assert project_variables(opts) == {"A": "one", "B": "two", "C": "one", "PWD": str(tmp_path)}


def test_yaml_error_names_line_and_column(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: [x\n"})
    message = load_error(tmp_path)
    assert "compose.yaml: line 4, column 1: invalid YAML: " in message
    assert "\n" not in message


def test_service_without_image_or_build(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": "services:\n  web:\n    restart: always\n"})
    assert load_error(tmp_path).endswith('compose.yaml: services.web: neither "image" nor "build" is set; add one of them')


def test_invalid_port_names_its_index(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x\n    ports: ['80', '80:80:80:80']\n"})
    assert 'compose.yaml: services.web.ports[1]: invalid port "80:80:80:80"' in load_error(tmp_path)


def test_container_port_0_is_rejected(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x\n    ports: ['127.0.0.1:18094:0']\n"})
    message = load_error(tmp_path)
    assert 'compose.yaml: services.web.ports[0]: invalid port "127.0.0.1:18094:0": ' in message
    assert "the port the container listens on" in message


def test_long_port_target_0_is_rejected(tmp_path: Path) -> None:
    # The reference accepts this form in `config`; crank rejects it as it does "18094:0".
    write_project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x\n    ports: [{target: 0, published: '18094'}]\n"})
    assert "compose.yaml: services.web.ports[0].target: invalid target port 0: " in load_error(tmp_path)


def test_long_port_without_target_is_rejected(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x\n    ports: [{published: '18094'}]\n"})
    assert 'compose.yaml: services.web.ports[0]: missing "target": ' in load_error(tmp_path)


def test_required_variable_message(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": "services:\n  db:\n    image: 'x'\n    environment: ['P=${DB_PASSWORD:?set it in .env}']\n"})
    message = load_error(tmp_path)
    assert message.endswith("services.db.environment[0]: required variable DB_PASSWORD is missing a value: set it in .env")


def test_named_service_enables_its_profile(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": SIMPLE + "  debug:\n    image: y\n    profiles: [dev]\n"})
    assert set(load_project(options(tmp_path)).services) == {"web"}
    assert set(load_project(options(tmp_path, services=("debug",))).services) == {"web", "debug"}


def test_compose_profiles_variable(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": SIMPLE + "  debug:\n    image: y\n    profiles: [dev]\n"})
    assert set(load_project(options(tmp_path, {"COMPOSE_PROFILES": "dev"})).services) == {"web", "debug"}


PROFILE_DEPENDENCY = "services:\n  web:\n    image: x\n    depends_on: [debug]\n  debug:\n    image: y\n    profiles: [{profiles}]\n"


@pytest.mark.parametrize(("profiles", "message"), [
    ("dev", 'service "debug" is only in profile "dev", which is not enabled: '
            "enable it with --profile dev or COMPOSE_PROFILES=dev"),
    ("dev, test", 'service "debug" is only in profiles "dev", "test", none of which is enabled: '
                  "enable one with --profile dev or COMPOSE_PROFILES=dev"),
], ids=["one profile", "two profiles"])
def test_dependency_in_disabled_profile(tmp_path: Path, profiles: str, message: str) -> None:
    write_project(tmp_path, {"compose.yaml": PROFILE_DEPENDENCY.format(profiles=profiles)})
    assert load_error(tmp_path).endswith(f"/compose.yaml: services.web.depends_on: {message}")


def test_dependency_loads_with_its_profile(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": PROFILE_DEPENDENCY.format(profiles="dev")})
    assert set(load_project(options(tmp_path, {"COMPOSE_PROFILES": "dev"})).services) == {"web", "debug"}


def test_undefined_dependency_message(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x\n    depends_on: [nosuch]\n"})
    assert load_error(tmp_path).endswith('/compose.yaml: services.web.depends_on: undefined service "nosuch": define it or remove the dependency')


@pytest.mark.parametrize(
    "text",
    [
        "",
        "- a list\n",
        "services: [1]\n",
        "services:\n  web: 3\n",
        "\t\x00",
        "services:\n  web:\n    ports: {a: 1}\n",
        "a: *unknown\n",
        "services:\n  web:\n    image: x\n    extends: null\n",
        "services:\n  web:\n    image: x\n    stop_grace_period: ''\n",
    ],
)
def test_bad_input_raises_invalid_project_error(tmp_path: Path, text: str) -> None:
    write_project(tmp_path, {"compose.yaml": text})
    assert load_error(tmp_path)


def test_unset_variable_warned_once(tmp_path: Path) -> None:
    text = "services:\n  web:\n    image: busybox:${TAG}\n    command: sh -c 'for i in 1 2; do echo $i; done; echo ${TAG}'\n"
    write_project(tmp_path, {"compose.yaml": text})

    project = load_project(options(tmp_path))

    assert project.services["web"]["image"] == "busybox:"
    assert project.warnings == (
        'the "TAG" variable is not set, so it was replaced by a blank string; set it, or write $$ for a literal $',
        'the "i" variable is not set, so it was replaced by a blank string; set it, or write $$ for a literal $',
    )


def test_unset_variable_warnings_cover_every_file(tmp_path: Path) -> None:
    files = {
        "compose.yaml": "name: app${IN_NAME}\ninclude: [sub/inc.yaml]\nservices:\n  web:\n    image: x\n    env_file: [svc.env]\n",
        ".env": "A=${IN_DOTENV}\n",
        "svc.env": "B=$IN_ENV_FILE\n",
        "sub/inc.yaml": "services:\n  inc:\n    image: ${IN_INCLUDE}x\n",
    }
    write_project(tmp_path, files)

    warned = {warning.split('"')[1] for warning in load_project(options(tmp_path)).warnings}

    assert warned == {"IN_NAME", "IN_DOTENV", "IN_ENV_FILE", "IN_INCLUDE"}


def test_set_or_defaulted_variables_not_warned(tmp_path: Path) -> None:
    text = "services:\n  web:\n    image: x${EMPTY}${UNSET:-a}${UNSET-b}${UNSET:+c}$${UNSET}\n"
    write_project(tmp_path, {"compose.yaml": text})

    project = load_project(options(tmp_path, {"EMPTY": ""}))

    assert project.services["web"]["image"] == "xab${UNSET}"
    assert project.warnings == ()


def test_extension_keys_sorted_as_reference(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("x-meta:\n  zeta: 1\n  alpha: {y: 2, b: 3}\nservices:\n  web:\n    image: busybox\n")

    model = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo")).model

    assert list(model["x-meta"]) == ["alpha", "zeta"]
    assert list(model["x-meta"]["alpha"]) == ["b", "y"]


@pytest.mark.parametrize(("key", "written", "shown"), [
    ("deploy:\n      replicas", "99999999999999999999999", "the number 1e+23"),
    ("deploy:\n      replicas", "9223372036854775808", "the number 9223372036854775808"),
    ("deploy:\n      replicas", "-2", "the number -2"),
    ("scale", "-1", "the number -1"),
    ("scale", "'-1'", 'the string "-1"'),
    ("scale", "${COUNT}", 'the string "99999999999999999999999"'),
])
def test_replica_count_out_of_range(tmp_path: Path, key: str, written: str, shown: str) -> None:
    write_project(tmp_path, {"compose.yaml": f"services:\n  web:\n    image: x\n    {key}: {written}\n"})

    message = load_error(tmp_path, environ={"COUNT": "99999999999999999999999"})

    path = "services.web.deploy.replicas" if key.startswith("deploy") else "services.web.scale"
    assert message == f"{tmp_path / 'compose.yaml'}: {path}: must be an integer from 0 to 9223372036854775807, not {shown}"


@pytest.mark.parametrize("count", ["0", "9223372036854775807", "2.0", "1e3", "'7'"])
def test_replica_count_in_range_accepted(tmp_path: Path, count: str) -> None:
    write_project(tmp_path, {"compose.yaml": f"services:\n  web:\n    image: x\n    scale: {count}\n"})

    project = load_project(options(tmp_path))

    assert isinstance(project.services["web"]["scale"], int)


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("pids_limit", "99999999999999999999999", "from -9223372036854775808 to 9223372036854775807"),
    ("cpu_shares", "9223372036854775808", "from -9223372036854775808 to 9223372036854775807"),
    ("oom_score_adj", "1001", "from -1000 to 1000"),
    ("cpu_count", "-3", "from 0 to 9223372036854775807"),
    ("healthcheck:\n      retries", "-1", "from 0 to 9223372036854775807"),
    ("ulimits:\n      nofile", "99999999999999999999999", "from -9223372036854775808 to 9223372036854775807"),
])
def test_integer_key_out_of_range(tmp_path: Path, key: str, value: str, expected: str) -> None:
    write_project(tmp_path, {"compose.yaml": f"services:\n  web:\n    image: x\n    {key}: {value}\n"})

    message = load_error(tmp_path)

    assert f"must be an integer {expected}, not " in message


@pytest.mark.parametrize(("line", "key"), [
    ("network_mode: service:nothere", "network_mode"),
    ("ipc: service:nothere", "ipc"),
    ("links: [nothere]", "links"),
    ("volumes_from: ['nothere:ro']", "volumes_from"),
    ("depends_on: [nothere]", "depends_on"),
])
def test_undefined_service_names_its_key(tmp_path: Path, line: str, key: str) -> None:
    write_project(tmp_path, {"compose.yaml": f"services:\n  web:\n    image: x\n    {line}\n"})

    message = load_error(tmp_path)

    assert message.startswith(f'{tmp_path / "compose.yaml"}: services.web.{key}: undefined service "nothere": define it or ')


@pytest.mark.parametrize(("line", "key"), [("scale: 2", "scale"), ("deploy: {replicas: 3}", "deploy.replicas")])
def test_container_name_with_replicas_rejected(tmp_path: Path, line: str, key: str) -> None:
    write_project(tmp_path, {"compose.yaml": f"services:\n  web:\n    image: x\n    container_name: fixed\n    {line}\n"})

    message = load_error(tmp_path)

    count = line.rstrip("}").split()[-1]
    assert message == (f'{tmp_path / "compose.yaml"}: services.web.{key}: container_name "fixed" names one container, '
                       f"so the service cannot have {count} replicas: remove container_name or set {key} to 1")


def test_container_name_with_one_replica_accepted(tmp_path: Path) -> None:
    write_project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x\n    container_name: fixed\n    scale: 1\n"})

    assert load_project(options(tmp_path)).services["web"]["container_name"] == "fixed"


@pytest.mark.parametrize("test", ["true", "3", "{cmd: x}"])
def test_healthcheck_test_type_message(tmp_path: Path, test: str) -> None:
    write_project(tmp_path, {"compose.yaml": f"services:\n  web:\n    image: x\n    healthcheck:\n      test: {test}\n"})

    message = load_error(tmp_path)

    assert "services.web.healthcheck.test: must be a string or a list, not " in message
