"""The README's examples run: every ```sh line and every ```graphql operation, in order.

An example that stops working fails the tests. Examples are found by their fences, so one
added later is picked up without editing this file. An example that cannot run here (it
starts a server, or runs the test suite itself) is listed in NOT_RUN with the reason.
Commands run on a copy of the reference ledger, in a folder holding the files in FILES.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from cityledger import reference
from cityledger.bootstrap import Runtime, open_runtime
from graphql_api.app import create_app
from graphql_api.tokens import create_token
from ledger.vocabulary import Role
from tests.support.databases import build_template, copy_db

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"

#: Commands (by how they begin) that the tests do not run, and why.
NOT_RUN = {
    "make ": "make targets build and test the whole project; CI runs them",
    "cityledger serve": "serves until stopped (tests/api runs the server end to end)",
}

#: Files the examples name, written into the folder they run in.
FILES = {
    "commands.jsonl": json.dumps(
        {
            "command": "register_city",
            "at": "2025-01-01T00:00:00+00:00",  # after the reference ledger's last record
            "args": {
                "city_id": "readme-city",
                "name_en": "Readme",
                "name_zh": "自述",
                "country": "JP",
            },
        }
    )
    + "\n",
}

FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def fenced(language: str) -> list[tuple[int, str]]:
    """The README's code blocks of one language: (line of the block's first line, text)."""
    text = README.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start(2)) + 1, m.group(2))
        for m in FENCE.finditer(text)
        if m.group(1) == language
    ]


def shell_examples() -> list[tuple[int, str]]:
    """Each command line of the ```sh blocks, without its trailing comment."""
    found = []
    for first, block in fenced("sh"):
        for offset, line in enumerate(block.splitlines()):
            command = re.split(r"\s+#\s", line, maxsplit=1)[0].strip()
            if command and not command.startswith("#"):
                found.append((first + offset, command))
    return found


def graphql_operations(block: str) -> list[str]:
    """Split a ```graphql block into its operations (each ends where its braces close)."""
    source = "\n".join(re.sub(r"#.*", "", line) for line in block.splitlines())
    operations, depth, start = [], 0, 0
    for i, char in enumerate(source):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                operations.append(source[start : i + 1].strip())
                start = i + 1
    assert depth == 0 and not source[start:].strip(), f"unbalanced GraphQL example:\n{block}"
    return operations


def graphql_examples() -> list[tuple[int, str]]:
    """Each operation of the ```graphql blocks, with its block's line."""
    return [(first, op) for first, block in fenced("graphql") for op in graphql_operations(block)]


def not_run(command: str) -> str | None:
    """Why a command is not run, or None."""
    return next((why for start, why in NOT_RUN.items() if command.startswith(start)), None)


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the reference ledger, as `make run` leaves it."""
    path = tmp_path_factory.mktemp("readme") / "cityledger.sqlite"
    return build_template(path, reference.load)


@pytest.fixture(scope="module")
def workdir(reference_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the commands run in: the files they name, `audit/`, and the database."""
    folder = tmp_path_factory.mktemp("readme-run")
    for name, content in FILES.items():
        (folder / name).write_text(content, encoding="utf-8")
    (folder / "audit").symlink_to(REPO / "audit")
    copy_db(reference_db, folder / "cityledger.sqlite")
    return folder


@pytest.fixture(scope="module")
def api(reference_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """POST an operation to the API over a copy of the reference ledger, as an editor."""
    path = copy_db(reference_db, tmp_path_factory.mktemp("readme-api") / "cityledger.sqlite")
    runtime: Runtime = open_runtime(path)
    token = create_token(runtime.db, Role.EDITOR, "readme-editor")
    with TestClient(create_app(runtime, follow=False)) as client:

        def post(query: str) -> dict[str, Any]:
            response = client.post(
                "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        yield post
    runtime.close()


def test_the_readme_has_examples_of_both_kinds() -> None:
    commands = [c for _, c in shell_examples()]
    assert "cityledger verify" in commands and len(commands) >= 15
    assert len(graphql_examples()) >= 3


def test_operations_are_split_where_their_braces_close() -> None:
    block = "# a comment { with a brace\n{ a { b } }\nquery Q($x: Int) {\n  c(x: $x) { d }\n}\n"
    assert graphql_operations(block) == ["{ a { b } }", "query Q($x: Int) {\n  c(x: $x) { d }\n}"]


def runnable_examples() -> list[tuple[int, str]]:
    """The shell examples the tests run (those NOT_RUN names are left out, with its reason)."""
    return [(line, command) for line, command in shell_examples() if not_run(command) is None]


def test_only_servers_and_make_targets_are_left_out() -> None:
    left_out = [command for _, command in shell_examples() if not_run(command) is not None]
    assert left_out and all(c.startswith(("make ", "cityledger serve")) for c in left_out)


@pytest.mark.parametrize(
    ("line", "command"),
    runnable_examples(),
    ids=[f"README.md:{n}" for n, _ in runnable_examples()],
)
def test_readme_command_runs(line: int, command: str, workdir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYLEDGER_", "POSTGRES_"))}
    env.pop("PERSISTENCE_MODULE", None)
    env["CITYLEDGER_DB"] = str(workdir / "cityledger.sqlite")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"README.md:{line}: {command}\n{result.stderr}"
    # A command that redirects its output to a file must have written something there.
    redirect = re.search(r">\s*(\S+)\s*$", command)
    output = (workdir / redirect.group(1)).read_text() if redirect else result.stdout
    assert output.strip(), f"README.md:{line}: {command} printed nothing"


@pytest.mark.parametrize(
    ("line", "operation"),
    graphql_examples(),
    ids=[f"README.md:{n}-{i}" for i, (n, _) in enumerate(graphql_examples())],
)
def test_readme_graphql_example_runs(line: int, operation: str, api: Any) -> None:
    body = api(operation)
    assert "errors" not in body, f"README.md:{line}: {operation}\n{body['errors']}"
    assert body["data"] and all(v is not None for v in body["data"].values())
