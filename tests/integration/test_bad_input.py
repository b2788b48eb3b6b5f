"""Bad input: one line on stderr, a documented exit code, no traceback, nothing created."""

from __future__ import annotations

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


def test_unknown_runtime_in_dotenv_names_file(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(f"services:\n  web:\n    image: {TEST_IMAGE}\n")
    (project.folder / ".env").write_text("CRANK_CONTAINER_RUNTIME=dokcer\n")

    result = project("up", "-d", env={"CRANK_CONTAINER_RUNTIME": ""})

    assert result.returncode == 2
    assert "CRANK_CONTAINER_RUNTIME in .env" in result.stderr
