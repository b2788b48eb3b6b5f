"""Bad input: one line on stderr, a documented exit code, no traceback, nothing created."""

from __future__ import annotations

import socket

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

CASES = {
    "invalid-yaml": ("services:\n  web:\n    image: [unclosed\n", {}, 3, "compose.yaml"),
    "no-image-or-build": ("services:\n  web:\n    command: [sleep, '1']\n", {}, 3, "services.web"),
    "required-variable": (
        f"services:\n  web:\n    image: {TEST_IMAGE}\n    environment:\n      PASSWORD: ${{DB_PASSWORD:?set DB_PASSWORD in .env}}\n",
        {},
        3,
        "set DB_PASSWORD in .env",
    ),
    "container-port-0": (
        f"services:\n  web:\n    image: {TEST_IMAGE}\n    ports: ['127.0.0.1:18094:0']\n",
        {},
        3,
        'compose.yaml: services.web.ports[0]: invalid port "127.0.0.1:18094:0"',
    ),
    "unknown-runtime": (
        f"services:\n  web:\n    image: {TEST_IMAGE}\n",
        {"CRANK_CONTAINER_RUNTIME": "dokcer"},
        2,
        "invalid value 'dokcer' from CRANK_CONTAINER_RUNTIME in the environment",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_cleanly(engine: Engine, project: Crank, case: str) -> None:
    content, env, code, expected = CASES[case]
    (project.folder / "compose.yaml").write_text(content)

    result = project("up", "-d", env=env)

    assert result.returncode == code
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("crank: error: ")
    assert expected in lines[0]
    assert engine.objects(project.project) == {"containers": [], "networks": [], "volumes": []}


@pytest.mark.parametrize("kind", ["volume", "network"])
@pytest.mark.parametrize("verb", [("up", "-d"), ("create",), ("run", "--rm", "web", "true")], ids=lambda verb: verb[0])
def test_missing_external_creates_nothing(engine: Engine, project: Crank, kind: str, verb: tuple[str, ...]) -> None:
    missing = f"{project.project}-missing"
    use = "volumes: [ext:/data]" if kind == "volume" else "networks: [ext]"
    (project.folder / "compose.yaml").write_text(
        f"services:\n  web:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n    {use}\n"
        f"{kind}s:\n  ext:\n    external: true\n    name: {missing}\n"
    )

    try:
        result = project(*verb)

        assert result.returncode == 3
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f'crank: error: {kind}s.ext: external {kind} "{missing}" not found on {engine.name}')
        assert f"`{engine.name} {kind} create {missing}`" in lines[0]
        assert engine.objects(project.project) == {"containers": [], "networks": [], "volumes": []}
        # The engine would create a missing volume unlabelled, so it is looked for by name.
        assert engine.client(kind, "inspect", missing, check=False).returncode != 0
        listed = engine.client("ps", "-a", "--format", "{{.Names}}", "--filter", f"name={project.project}").stdout.split()
        assert listed == []
    finally:
        for container in engine.client("ps", "-aq", "--filter", f"name={project.project}").stdout.split():
            engine.client("rm", "-f", container, check=False)
        engine.client(kind, "rm", missing, check=False)


def test_unknown_runtime_in_dotenv_names_file(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(f"services:\n  web:\n    image: {TEST_IMAGE}\n")
    (project.folder / ".env").write_text("CRANK_CONTAINER_RUNTIME=dokcer\n")

    result = project("up", "-d", env={"CRANK_CONTAINER_RUNTIME": ""})

    assert result.returncode == 2
    assert "CRANK_CONTAINER_RUNTIME in .env" in result.stderr


def test_missing_image_creates_nothing(engine: Engine, project: Crank) -> None:
    # The registry on this machine's loopback does not exist, so the pull fails at once.
    (project.folder / "compose.yaml").write_text(
        "services:\n  web:\n    image: localhost/crank-missing-image:none\n    volumes: [data:/data]\nvolumes:\n  data: {}\n"
    )

    result = project("up", "-d")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "crank-missing-image" in result.stderr.strip().splitlines()[-1]
    assert engine.objects(project.project) == {"containers": [], "networks": [], "volumes": []}


def test_port_in_use_removes_new_project(engine: Engine, project: Crank) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        (project.folder / "compose.yaml").write_text(
            "services:\n"
            f"  db:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n    init: true\n    volumes: [data:/data]\n"
            f"  web:\n    image: {TEST_IMAGE}\n    command: [httpd, -f, -p, '80']\n    depends_on: [db]\n"
            f"    ports: ['127.0.0.1:{port}:80']\n"
            "volumes:\n  data: {}\n"
        )

        result = project("up", "-d")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("crank: error: ")
    assert "service web" in last
    assert "check services.web.ports" in last
    assert engine.objects(project.project) == {"containers": [], "networks": [], "volumes": []}


def test_name_conflict_leaves_foreign_container(engine: Engine, project: Crank) -> None:
    foreign = f"{project.project}-web-1"
    engine.client("run", "-d", "--name", foreign, TEST_IMAGE, "sleep", "600")
    try:
        (project.folder / "compose.yaml").write_text(f"services:\n  web:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n")

        result = project("up", "-d")

        assert result.returncode == 1
        assert "service web" in result.stderr
        # The container that has the name belongs to another user, so it stays.
        assert engine.client("ps", "-a", "--format", "{{.Names}}", "--filter", f"name={foreign}").stdout.split() == [foreign]
    finally:
        engine.client("rm", "-f", foreign, check=False)


def test_failed_up_keeps_volume_it_did_not_make(engine: Engine, project: Crank) -> None:
    volume = f"{project.project}_data"
    engine.client("volume", "create", volume)
    engine.client("run", "--rm", "-v", f"{volume}:/v", TEST_IMAGE, "sh", "-c", "echo precious > /v/f")
    try:
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            (project.folder / "compose.yaml").write_text(
                f"services:\n  web:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n"
                f"    volumes: [data:/v]\n    ports: ['127.0.0.1:{port}:80']\nvolumes:\n  data: {{}}\n"
            )

            result = project("up", "-d")

        assert result.returncode == 1
        content = engine.client("run", "--rm", "-v", f"{volume}:/v", TEST_IMAGE, "cat", "/v/f")
        assert content.stdout == "precious\n"
    finally:
        engine.client("volume", "rm", volume, check=False)


def test_impossible_scale_creates_nothing(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"services:\n  web:\n    image: {TEST_IMAGE}\n    container_name: {project.project}-fixed\n"
    )

    result = project("up", "-d", "--scale", "web=2")

    assert result.returncode == 2
    assert "--scale web=2: service web sets container_name" in result.stderr
    assert engine.objects(project.project) == {"containers": [], "networks": [], "volumes": []}


@pytest.mark.parametrize("argv", [("up", "-d", "nosuch"), ("up", "--no-deps", "-d", "nosuch"),
                                  ("up", "-d", "--scale", "nosuch=2"), ("build", "nosuch"), ("push", "nosuch")],
                         ids=["up", "up --no-deps", "up --scale", "build", "push"])
def test_unknown_service_is_usage_error(engine: Engine, project: Crank, argv: tuple[str, ...]) -> None:
    (project.folder / "compose.yaml").write_text(f"services:\n  web:\n    image: {TEST_IMAGE}\n")

    result = project(*argv)

    assert result.returncode == 2
    assert result.stderr == "crank: error: no such service: nosuch (the project has web)\n"
    assert engine.objects(project.project) == {"containers": [], "networks": [], "volumes": []}


def test_status_of_broken_file_is_error(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text("services:\n  web: [\n")

    result = project("status", "--format", "json")

    assert result.returncode == 3
    assert '"error": "invalid-project"' in result.stdout
