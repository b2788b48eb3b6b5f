"""`--format` templates: the subset of Go's template syntax that `ps` reads."""

from __future__ import annotations

import json

import pytest

from crank_cli.errors import UsageError
from crank_cli.render.row_templates import is_template, render_rows

ROWS = [{"name": "shop-web-1", "state": "running", "ports": ["127.0.0.1:8080->80/tcp", "443/tcp"]},
        {"name": "shop-db-1", "state": "exited", "ports": []}]
FIELDS = {"Name": lambda row: row["name"], "State": lambda row: row["state"], "Ports": lambda row: row["ports"]}


def render(template: str) -> list[str]:
    return render_rows(template, ROWS, FIELDS, dict)


def test_fields_fill_each_row() -> None:
    assert render("{{.Name}}: {{ .State }}") == ["shop-web-1: running", "shop-db-1: exited"]


def test_list_field_joined() -> None:
    assert render("{{.Ports}}") == ["127.0.0.1:8080->80/tcp, 443/tcp", ""]


def test_json_of_row_and_field() -> None:
    lines = render("{{json .}}|{{json .Ports}}")

    whole, ports = lines[0].split("|")
    assert json.loads(whole) == ROWS[0]
    assert json.loads(ports) == ROWS[0]["ports"]


def test_table_aligns_under_header() -> None:
    # As Go's tabwriter in the docker client: columns at least 10 wide, 3 spaces after the widest cell.
    assert render("table {{.Name}}\\t{{.State}}") == [
        "NAME         STATE",
        "shop-web-1   running",
        "shop-db-1    exited",
    ]


@pytest.mark.parametrize(("template", "message"), [
    ("{{.Nope}}", "invalid --format template field .Nope: the fields are Name, State, Ports"),
    ("{{if .State}}x{{end}}", "invalid --format template action {{if .State}}"),
    ("{{.}}", "use {{json .}} for the whole row"),
    ("{{.Name}} {{.State", "invalid --format template '{{.Name}} {{.State': an action opened with {{ is not closed"),
])
def test_unknown_action_is_usage_error(template: str, message: str) -> None:
    with pytest.raises(UsageError, match=None) as raised:
        render(template)

    assert message in raised.value.message


def test_template_told_from_format_names() -> None:
    assert is_template("{{.Name}}")
    assert not is_template("json")
    assert not is_template("table")
