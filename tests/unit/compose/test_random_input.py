"""Random input to the parsers: InvalidProjectError is the only exception that may come out."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crank_cli.compose import LoadOptions, load_project, project_variables
from crank_cli.compose.dotenv import DotenvError, parse_dotenv
from crank_cli.compose.interpolation import interpolate_tree
from crank_cli.compose.where import Where
from crank_cli.errors import InvalidProjectError

# Characters that take part in the syntax of templates, .env files and YAML, so that random
# text often reaches the branches that handle them.
SYNTAX = "${}:-+?=#'\"\\\n\r\t xAZ_09.,[]&*!|>@`%"
syntax_text = st.text(alphabet=st.sampled_from(SYNTAX), max_size=60)
any_text = st.one_of(syntax_text, st.text(max_size=60))


@given(template=any_text)
@settings(max_examples=400)
def test_interpolation_raises_only_invalid_project(template: str) -> None:
    variables = {"x": "1", "A": "", "Z_0": "v"}
    where = Where(Path("compose.yaml"))
    try:
        result = interpolate_tree({"key": [template]}, variables.get, "", lambda path, problem: where.child(path).fail(problem))
    except InvalidProjectError as error:
        assert "\n" not in error.message
        return
    assert isinstance(result["key"][0], str)


@given(text=any_text)
@settings(max_examples=400)
def test_dotenv_parser_raises_only_dotenv_error(text: str) -> None:
    try:
        values = parse_dotenv(text, {"x": "1"}.get)
    except DotenvError:
        return
    assert all(isinstance(key, str) and isinstance(value, str) for key, value in values.items())


@given(content=st.one_of(st.binary(max_size=80), syntax_text.map(str.encode)))
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_env_file_raises_only_invalid_project(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / ".env").write_bytes(content)
        options = LoadOptions(working_dir=Path(directory), environ={}, project_directory=Path(directory))
        try:
            project_variables(options)
        except InvalidProjectError as error:
            assert "\n" not in error.message


COMPOSE_SNIPPETS = st.sampled_from(
    [
        "services:\n",
        "  web:\n",
        "    image: x\n",
        "    ports: ['",
        "    volumes: [",
        "    environment:\n",
        "      - A=${B:-",
        "    command: \"",
        "    depends_on: [web]\n",
        "    extends: web\n",
        "    build: .\n",
        "networks:\n",
        "  n: {external: ",
        "    <<: *a\n",
        "x-a: &a {image: y}\n",
        "    healthcheck: {test: ",
        "    deploy: {resources: {limits: {memory: ",
        "include: [",
        "    ulimits: {nofile: ",
        "    !reset ",
    ]
)


@given(parts=st.lists(st.one_of(COMPOSE_SNIPPETS, syntax_text), max_size=12))
@settings(max_examples=150, deadline=None)
def test_compose_loader_raises_only_invalid_project(parts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "compose.yaml").write_text("".join(parts), encoding="utf-8", errors="surrogatepass")
        try:
            load_project(LoadOptions(working_dir=Path(directory), environ={}, project_name="fuzz"))
        except InvalidProjectError as error:
            assert "\n" not in error.message
