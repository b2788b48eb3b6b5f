"""Each loader rule, checked against what the reference prints for the same project."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from compose_reference import Compare, Outcome, clean_environment, needs_reference, reference_binary, write_project

from crank_cli.compose import LoadOptions, load_project

pytestmark = needs_reference

def assert_same(reference: Outcome, crank: Outcome) -> None:
    """Assert crank prints the reference's model, or rejects what the reference rejects."""
    if reference.model is None:
        assert crank.model is None, f"the reference rejects the project: {reference.error}"
        assert crank.error
    else:
        assert crank.model == reference.model, crank.error


SERVICE_CASES = {
    "image only": "image: nginx:1.25",
    "build string": "build: ./app",
    "build mapping": "build: {context: app, dockerfile: Containerfile, args: {A: 1, B: 'two'}}",
    "build args list with bare key": "build: {context: ., args: [A=1, UNSET_ARG]}",
    "command string": """image: x\n    command: echo "hello world" 'a b' c\\ d""",
    "command list": "image: x\n    command: [echo, '1', a b]",
    "command list with a number": "image: x\n    command: [echo, 1]",
    "command with shell operator": "image: x\n    command: echo a; echo b",
    "command empty string": "image: x\n    command: ''",
    "entrypoint string": "image: x\n    entrypoint: /bin/sh -c",
    "environment list": "image: x\n    environment: [A=1, B=, C, D=x=y]",
    "environment map": "image: x\n    environment: {A: 1, B: 1.5, C: true, D: null, E: ''}",
    "ports short": "image: x\n    ports: ['80', '8080:80', '127.0.0.1:8081:81', '[::1]:82:82/udp', '9000-9001:9000-9001', '7000-7002:7000', '3000-3001']",
    "ports long": "image: x\n    ports: [{target: 80, published: 8080, protocol: udp, mode: host}, {target: 81, host_ip: 1.2.3.4, published: '81'}]",
    "ports integer": "image: x\n    ports: [80, 443]",
    "volumes short": "image: x\n    volumes: [data:/data, ./src:/src:ro, /abs:/abs:rw, ~/home:/home, /anon, 'cache:/cache:nocopy', './z:/z:z']",
    "volumes long": "image: x\n    volumes: [{type: bind, source: ./rel, target: /rel, read_only: true}, {type: volume, source: data, target: /d}, {type: tmpfs, target: /t}]",
    "depends_on list": "image: x\n    depends_on: [db]",
    "depends_on map": "image: x\n    depends_on: {db: {condition: service_healthy, restart: true}}",
    "labels list": "image: x\n    labels: [a=b, c, d=e=f]",
    "labels map": "image: x\n    labels: {a: b, n: 1}",
    "restart": "image: x\n    restart: unless-stopped",
    "networks list": "image: x\n    networks: [front]",
    "networks map": "image: x\n    networks: {front: {aliases: [web]}, back: null}",
    "container_name": "image: x\n    container_name: my-web",
    "healthcheck string test": "image: x\n    healthcheck: {test: curl -f http://localhost, interval: 30s, retries: 3}",
    "healthcheck list test": "image: x\n    healthcheck: {test: [CMD, curl, -f, http://localhost], disable: false}",
}

COMMON = """
  db:
    image: postgres
networks:
  front:
  back:
volumes:
  data:
  cache:
"""


@pytest.mark.parametrize("body", SERVICE_CASES.values(), ids=SERVICE_CASES.keys())
def test_service_field_matches_reference(compare: Compare, body: str) -> None:
    reference, crank = compare({"compose.yaml": f"services:\n  web:\n    {body}\n{COMMON}"})
    assert_same(reference, crank)


INTERPOLATION_CASES = [
    "$SET", "${SET}", "${UNSET:-default}", "${EMPTY:-default}", "${EMPTY-default}", "${UNSET-default}",
    "${SET:+alt}", "${EMPTY:+alt}", "${EMPTY+alt}", "${UNSET+alt}", "$$SET", "a$", "$1", "${UNSET:-${SET}}",
    "${UNSET:-${ALSO_UNSET:-deep}}", "${SET:?must be set}", "${EMPTY?only unset fails}", "${UNSET:-a}}",
    "pre-${SET}-post", "$SET$SET", "${UNSET:-}",
]


@pytest.mark.parametrize("template", INTERPOLATION_CASES)
def test_interpolation_matches_reference(compare: Compare, template: str) -> None:
    quoted = template.replace("'", "''")
    text = f"services:\n  web:\n    image: x\n    environment:\n      V: '{quoted}'\n"
    reference, crank = compare({"compose.yaml": text}, env={"SET": "value", "EMPTY": ""})
    assert reference.model is not None, reference.error
    assert crank.model == reference.model


# The reference also warns about an unset variable in a default or replacement that it does
# not use, such as UNSET in `${SET:-$UNSET}`, and crank does not, so no case here has one.
WARNING_CASES = [
    *INTERPOLATION_CASES, "$UNSET", "${UNSET}", "a-$UNSET-$UNSET", "$${UNSET}", "${UNSET:-$ALSO_UNSET}", "${EMPTY:-$UNSET}",
]


@pytest.mark.parametrize("template", WARNING_CASES)
def test_unset_variable_warnings_match_reference(tmp_path: Path, template: str) -> None:
    quoted = template.replace("'", "''")
    directory = write_project(tmp_path / "proj", {"compose.yaml": f"services:\n  web:\n    image: x\n    environment:\n      V: '{quoted}'\n"})
    env = clean_environment({"SET": "value", "EMPTY": ""})
    command = [str(reference_binary()), "-p", "proj", "config", "--format", "json"]
    reference = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, timeout=60, check=True)

    project = load_project(LoadOptions(working_dir=directory, environ=env, project_name="proj"))

    reference_names = set(re.findall(r'The \\"(\w+)\\" variable is not set', reference.stderr))
    crank_names = set(re.findall(r'the "(\w+)" variable is not set', "\n".join(project.warnings)))
    assert crank_names == reference_names
    assert len(project.warnings) == len(crank_names)


REJECTED_TEMPLATES = ["${}", "${UNSET:?missing}", "${UNSET?}", "${EMPTY:?}", "${A B}", "${UNCLOSED", "${A:x}"]


@pytest.mark.parametrize("template", REJECTED_TEMPLATES)
def test_bad_interpolation_is_rejected_by_both(compare: Compare, template: str) -> None:
    text = f"services:\n  web:\n    image: x\n    environment:\n      V: '{template}'\n"
    reference, crank = compare({"compose.yaml": text}, env={"EMPTY": ""})
    assert reference.model is None
    assert crank.model is None
    assert "compose.yaml: services.web.environment.V: " in crank.error


REJECTED_PORTS = {
    "container port 0": "'127.0.0.1:18094:0'",
    "bare container port 0": "0",
    "container range from 0": "'18094-18095:0-1'",
    "no target": "{published: '18094'}",
    "null target": "{target: null, published: '18094'}",
    "negative target": "{target: -1}",
    "ranges of different sizes": "'18094-18096:80-81'",
    "unknown protocol": "'18094:80/icmp'",
    "published port above 65535": "'70000:80'",
    "container port above 65535": "'80:70000'",
}


@pytest.mark.parametrize("port", REJECTED_PORTS.values(), ids=REJECTED_PORTS.keys())
def test_bad_port_is_rejected_by_both(compare: Compare, port: str) -> None:
    reference, crank = compare({"compose.yaml": f"services:\n  web:\n    image: x\n    ports: [{port}]\n"})
    assert reference.model is None
    assert crank.model is None
    assert "compose.yaml: services.web.ports[0]" in crank.error


def test_dotenv_in_project_directory(compare: Compare) -> None:
    files = {
        "compose.yaml": "services:\n  web:\n    image: 'nginx:${TAG}'\n    environment: ['FROM_ENV=${FROM_ENV}']\n",
        ".env": "TAG=1.25\nFROM_ENV=dotenv\n",
    }
    reference, crank = compare(files, env={"FROM_ENV": "process"})
    assert reference.model is not None, reference.error
    assert crank.model == reference.model
    assert crank.model["services"]["web"]["environment"] == {"FROM_ENV": "process"}


def test_env_file_values(compare: Compare) -> None:
    files = {
        "compose.yaml": "services:\n  web:\n    image: x\n    env_file: [a.env, b.env]\n    environment: {OVER: service}\n",
        "a.env": "A=1\nOVER=file\nSHARED=a\n",
        "b.env": "SHARED=b\nREF=${A}\n",
    }
    reference, crank = compare(files)
    assert reference.model is not None, reference.error
    assert crank.model == reference.model


def test_several_files_merge(compare: Compare) -> None:
    files = {
        "compose.yaml": "services:\n  web:\n    image: x\n    command: a b\n    ports: ['80:80']\n    environment: {A: 1, B: 2}\n    volumes: [./a:/a]\n",
        "override.yaml": "services:\n  web:\n    image: y\n    command: [c]\n    ports: ['80:80', '81:81']\n    environment: {B: 3}\n    volumes: [./b:/a]\n",
    }
    names = ("compose.yaml", "override.yaml")
    reference, crank = compare(files, args=["-f", names[0], "-f", names[1]], files=tuple(Path(name) for name in names))
    assert reference.model is not None, reference.error
    assert crank.model == reference.model


def test_top_level_resources(compare: Compare) -> None:
    files = {
        "compose.yaml": (
            "name: ignored-because-p-wins\nservices:\n  web:\n    image: x\n    networks: [front, ext]\n"
            "    volumes: [data:/d, named:/n]\nnetworks:\n  front: {driver: bridge}\n  ext: {external: true}\n"
            "  unused: {}\nvolumes:\n  data: {}\n  named: {name: custom}\n  unused: {}\n"
        )
    }
    reference, crank = compare(files)
    assert reference.model is not None, reference.error
    assert crank.model == reference.model


@pytest.mark.parametrize("dependency", ["[debug]", "{debug: {condition: service_started, required: false}}"],
                         ids=["required", "not required"])
def test_dependency_on_disabled_profile(compare: Compare, dependency: str) -> None:
    files = {"compose.yaml": f"services:\n  web:\n    image: x\n    depends_on: {dependency}\n  debug:\n    image: y\n    profiles: [dev]\n"}
    assert_same(*compare(files))


def test_profiles(compare: Compare) -> None:
    files = {
        "compose.yaml": "services:\n  web:\n    image: x\n  debug:\n    image: y\n    profiles: [dev]\n  tools:\n    image: z\n    profiles: [ops]\n"
    }
    reference, crank = compare(files, args=["--profile", "dev"], profiles=("dev",))
    assert reference.model is not None, reference.error
    assert crank.model == reference.model
    assert set(crank.model["services"]) == {"web", "debug"}
