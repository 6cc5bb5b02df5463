"""The registry of use cases: the one list of commands the importer and the API read."""

from __future__ import annotations

import json

import pytest

from cityledger import importer
from ledger.application import Ledger
from ledger.errors import InvalidInput
from ledger.usecases.registry import USE_CASES, Supplied

AT = "2023-01-02T03:04:05+00:00"


def line(command: str, **args: object) -> str:
    """One import line."""
    return json.dumps({"command": command, "at": AT, "args": args})


def test_the_import_command_table_is_the_registry_of_use_cases() -> None:
    assert set(USE_CASES) == importer.COMMANDS
    assert all(callable(getattr(Ledger, name)) for name in USE_CASES)
    # Queries and infrastructure are not commands.
    assert not {"verifier_languages", "records", "head", "batch"} & set(USE_CASES)


def test_every_parameter_of_every_use_case_is_described() -> None:
    undescribed = [
        f"{name}.{p.name}" for name, case in USE_CASES.items() for p in case.parameters if not p.doc
    ]
    assert undescribed == []


def test_a_use_case_says_which_parameters_the_caller_s_token_supplies() -> None:
    vote = USE_CASES["cast_vote"]
    assert [p.name for p in vote.inputs()] == ["claim_id", "decision", "note"]
    assert [(p.name, p.supplied) for p in vote.supplied()] == [("verifier_id", Supplied.VERIFIER)]
    ballot = USE_CASES["cast_ballot"]
    assert [p.supplied for p in ballot.supplied()] == [Supplied.PANEL, Supplied.PANELIST]


def test_an_import_line_runs_its_registered_use_case_with_its_arguments(
    empty_ledger: Ledger,
) -> None:
    commands = importer.parse(
        [line("register_city", city_id="hangzhou", name_en="Hangzhou", name_zh="杭州",
              country="CN", by="importer")]
    )  # fmt: skip

    assert importer.run(empty_ledger, commands) == 1

    recorded = empty_ledger.records()[-1]
    assert (recorded.type, recorded.data["city_id"], recorded.data["by"]) == (
        "CityRegistered",
        "hangzhou",
        "importer",
    )
    assert recorded.time.isoformat() == AT


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (line("register_city", city_id="x", mayor="y"), "register_city takes no argument 'mayor'"),
        (line("verifier_languages", verifier_id="v"), "unknown command 'verifier_languages'"),
        (line("register_city", city_id="x"), "missing a required argument: 'name_en'"),
    ],
)
def test_an_import_line_the_registry_does_not_accept_is_refused_before_anything_runs(
    text: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        importer.parse([text])

    assert message in refused.value.message


def test_a_parameter_s_check_is_declared_once_with_its_type() -> None:
    checked = {
        (name, p.name)
        for name, case in USE_CASES.items()
        for p in case.parameters
        if p.check is not None
    }
    # The caller's name, a title and a new id are checked wherever they are parameters.
    assert {("register_city", "by"), ("create_edition", "by"), ("open_round", "by")} <= checked
    assert {("create_edition", "title"), ("create_weight_set", "title")} <= checked
    assert {("create_edition", "edition_id"), ("enrol_verifier", "verifier_id")} <= checked
    # A reference to an existing id is not checked as an id: an unknown one is refused as such.
    assert ("change_quorum", "edition_id") not in checked


def test_a_use_case_body_gets_its_arguments_as_their_checks_clean_them(
    empty_ledger: Ledger,
) -> None:
    empty_ledger.register_city(
        city_id="hangzhou", name_en="  Hangzhou ", name_zh="杭州", country="CN", by=" importer "
    )

    recorded = empty_ledger.records()[-1].data
    assert (recorded["name_en"], recorded["by"]) == ("Hangzhou", "importer")


def test_a_bad_argument_is_refused_naming_its_parameter_before_the_body_runs(
    empty_ledger: Ledger,
) -> None:
    before = len(empty_ledger.records())
    with pytest.raises(InvalidInput) as refused:
        empty_ledger.register_city(
            city_id="hangzhou", name_en="Hangzhou", name_zh="杭州", country="CN", by=" " * 3
        )

    assert (refused.value.field, refused.value.message) == ("by", "by must not be empty")
    assert len(empty_ledger.records()) == before
