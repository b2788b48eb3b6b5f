"""Project options and several files (-f, --env-file, --profile, COMPOSE_* variables) against the reference."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from compose_reference import needs_reference, run_crank, run_reference, write_project


def paths(*names: str) -> tuple[Path, ...]:
    return tuple(Path(name) for name in names)


S = "services:\n  web:\n    image: x\n"
CASES: list[tuple[dict[str, str], list[str], dict[str, Any], dict[str, str] | None]] = [
 ({"a.yaml": "services:\n  web:\n    image: x\n    command: a b\n    environment: {A: '1'}\n    ports: ['80:80']\n", "b.yaml": "services:\n  web:\n    command: !reset null\n    environment: !override {B: '2'}\n    ports: !reset []\n"}, ["-f", "a.yaml", "-f", "b.yaml"], {"files": paths("a.yaml", "b.yaml")}, None),
 ({"a.yaml": S, "b.yaml": "services:\n  web: !reset {}\n  other:\n    image: y\n"}, ["-f", "a.yaml", "-f", "b.yaml"], {"files": paths("a.yaml", "b.yaml")}, None),
 ({"compose.yaml": S + "  dev:\n    image: d\n    profiles: [dev]\n", ".env": "COMPOSE_PROFILES=dev\n"}, [], {}, None),
 ({"compose.yaml": S + "  dev:\n    image: d\n    profiles: [dev]\n"}, [], {}, {"COMPOSE_PROFILES": "dev,other"}),
 ({"compose.yaml": S + "  dev:\n    image: d\n    profiles: [dev]\n"}, ["--profile", "*"], {"profiles": ("*",)}, None),
 ({"one.yaml": S, "two.yaml": "services:\n  web:\n    image: z\n", ".env": "COMPOSE_FILE=one.yaml:two.yaml\n"}, [], {}, None),
 ({"one.yaml": S, "two.yaml": "services:\n  web:\n    image: z\n"}, [], {}, {"COMPOSE_FILE": "one.yaml,two.yaml", "COMPOSE_PATH_SEPARATOR": ","}),
 ({"compose.yaml": S, ".env": "COMPOSE_PROJECT_NAME=fromdotenv\n"}, [], {}, None),
 ({"compose.yaml": "name: ${N:-named}\n" + S}, [], {}, {"N": "Env-Name"}),
 ({"compose.yaml": S + "    env_file:\n      - path: missing.env\n        required: false\n      - path: raw.env\n        format: raw\n", "raw.env": "A=$HOME ${X}\nB='q'\n"}, [], {}, None),
 ({"compose.yaml": S + "    env_file: [a.env]\n    environment: [FROM_A, OVER=svc, BARE]\n", "a.env": "FROM_A=a\nOVER=a\nBARE=file\n"}, [], {}, {"BARE": "env"}),
 ({"compose.yaml": S + "    environment: [BARE]\n    env_file: a.env\n", "a.env": "BARE=file\n"}, [], {}, None),
 ({"compose.yaml": "services:\n  web:\n    image: x\n    ports:\n      - target: ${T:-80}\n        published: ${P:-8080}\n    deploy:\n      replicas: ${R:-2}\n    privileged: ${PRIV:-true}\n    cpus: ${C:-0.5}\n"}, [], {}, None),
 ({"compose.yaml": "services:\n  web:\n    image: x\n    scale: 3\n"}, [], {}, None),
 ({"compose.yaml": "services:\n  web:\n    image: x\n    mem_limit: 1g\n    deploy:\n      resources:\n        reservations:\n          cpus: '0.1'\n"}, [], {}, None),
 ({"compose.yaml": "services:\n  web:\n    image: x\n    cpus: 1.5\n    deploy:\n      resources:\n        limits:\n          cpus: '0.5'\n"}, [], {}, None),
 ({"compose.yaml": "include:\n  - path: sub/c.yaml\n    env_file: [sub/vars.env]\n    project_directory: sub\n", "sub/c.yaml": "services:\n  inc:\n    image: 'i:${V}'\n    build: ctx\n", "sub/vars.env": "V=7\n"}, [], {}, None),
 ({"compose.yaml": "include:\n  - sub/c.yaml\nservices:\n  web:\n    image: x\n    depends_on: [inc]\n", "sub/c.yaml": "services:\n  inc:\n    image: i\n    volumes: [./d:/d]\nvolumes:\n  shared: {}\n"}, [], {}, None),
 ({"a.yaml": "services:\n  web:\n    image: x\n    networks: [n1]\nnetworks:\n  n1: {}\n", "b.yaml": "services:\n  web:\n    networks: !override [n2]\nnetworks:\n  n2: {}\n"}, ["-f", "a.yaml", "-f", "b.yaml"], {"files": paths("a.yaml", "b.yaml")}, None),
 ({"a.yaml": "services:\n  web:\n    image: x\n    build: {context: ., args: [A=1]}\n", "b.yaml": "services:\n  web:\n    build: ./other\n"}, ["-f", "a.yaml", "-f", "b.yaml"], {"files": paths("a.yaml", "b.yaml")}, None),
 ({"a.yaml": "services:\n  web:\n    image: x\n    logging: {driver: syslog, options: {a: '1'}}\n", "b.yaml": "services:\n  web:\n    logging: {driver: json-file, options: {b: '2'}}\n"}, ["-f", "a.yaml", "-f", "b.yaml"], {"files": paths("a.yaml", "b.yaml")}, None),
 ({"a.yaml": "services:\n  web:\n    image: x\n    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 5}\n", "b.yaml": "services:\n  web:\n    ulimits: {nofile: 10, nproc: {soft: 1, hard: 3}}\n"}, ["-f", "a.yaml", "-f", "b.yaml"], {"files": paths("a.yaml", "b.yaml")}, None),
 ({"a.yaml": "services:\n  web:\n    image: x\n    volumes: ['./a:/a', 'v:/v']\nvolumes: {v: {}}\n", "b.yaml": "services:\n  web:\n    volumes: [{type: bind, source: ./b, target: /a}]\n"}, ["-f", "a.yaml", "-f", "b.yaml"], {"files": paths("a.yaml", "b.yaml")}, None),
 ({"a.yaml": "services:\n  web:\n    image: x\n    extra_hosts: ['a:1.1.1.1']\n    dns: [1.1.1.1]\n    tmpfs: [/a]\n    sysctls: [a=1]\n", "b.yaml": "services:\n  web:\n    extra_hosts: ['b=2.2.2.2']\n    dns: 8.8.8.8\n    tmpfs: /b\n    sysctls: {b: 2}\n"}, ["-f", "a.yaml", "-f", "b.yaml"], {"files": paths("a.yaml", "b.yaml")}, None),
 ({"a.yaml": "services:\n  web:\n    image: x\n    depends_on: {db: {condition: service_healthy}}\n  db: {image: d}\n", "b.yaml": "services:\n  web:\n    depends_on: [db]\n"}, ["-f", "a.yaml", "-f", "b.yaml"], {"files": paths("a.yaml", "b.yaml")}, None),
 ({"compose.yaml": S, "sub/.env": "X=1\n"}, ["--project-directory", "sub"], {"project_directory": Path("sub")}, None),
 ({"compose.yaml": "services:\n  web:\n    image: 'x:${A}${B}'\n", "e1.env": "A=1\nB=1\n", "e2.env": "B=2\n"}, ["--env-file", "e1.env", "--env-file", "e2.env"], {"env_files": paths("e1.env", "e2.env")}, {"A": "proc"}),
 ({"compose.yaml": "services:\n  web:\n    image: x\n    secrets: [s]\n    configs: [c]\nsecrets:\n  s: {environment: S}\nconfigs:\n  c: {content: 'hello $$x'}\n  unused: {file: ./u}\n"}, [], {}, {"S": "v"}),
 ({"compose.yaml": "services:\n  web:\n    image: x\n    volumes: [data:/d]\nvolumes:\n  data:\n    name: 'explicit-${X:-n}'\n    labels: [a=b]\n"}, [], {}, None),
]
IDS = ['reset and override in a second file', 'reset of a whole service', 'COMPOSE_PROFILES in dotenv', 'COMPOSE_PROFILES in environment', 'profile star', 'COMPOSE_FILE in dotenv', 'COMPOSE_FILE with separator', 'COMPOSE_PROJECT_NAME in dotenv', 'name key interpolated', 'env_file long syntax', 'env_file under environment', 'bare key with env_file', 'typed values from variables', 'scale alone', 'mem_limit with reservations', 'cpus against deploy limits', 'include with env_file and project_directory', 'include beside own services', 'override of networks', 'build string over mapping', 'logging with another driver', 'ulimits merge', 'volumes merge by target', 'extra_hosts dns tmpfs sysctls merge', 'depends_on list over mapping', 'project directory flag', 'env files in order', 'secrets and configs', 'volume name interpolated']


@needs_reference
@pytest.mark.parametrize(("files", "args", "options", "env"), CASES, ids=IDS)
def test_options_match_reference(
    tmp_path: Path, files: dict[str, str], args: list[str], options: dict[str, Any], env: dict[str, str] | None
) -> None:
    directory = write_project(tmp_path / "proj", files)
    reference = run_reference(directory, args, env)
    crank = run_crank(directory, env, **options)
    if reference.model is None:
        assert crank.model is None, f"the reference rejects the project: {reference.error}"
        assert crank.error
    else:
        assert crank.model == reference.model, crank.error
    shutil.rmtree(directory)
