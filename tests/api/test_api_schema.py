"""The committed SDL matches the code, and every type, field and argument is described."""

from __future__ import annotations

from collections import Counter

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    build_schema,
)

from graphql_api.schema import SDL_PATH, export_sdl


def test_committed_sdl_matches_the_code() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == export_sdl(), (
        "graphql_api/schema.graphql is stale: regenerate it with `cityledger schema`"
    )


def test_every_type_field_and_argument_has_a_description() -> None:
    schema = build_schema(export_sdl())
    missing: list[str] = []
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "Float", "ID"}:
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
        if isinstance(kind, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, v in kind.fields.items() if not v.description]
        assert not isinstance(kind, GraphQLUnionType) or kind.description
        assert not isinstance(kind, GraphQLEnumType) or kind.description
    assert missing == []


def test_no_two_fields_of_a_type_share_a_description() -> None:
    # Fields alike but for the point, edition or case they hold say which (a shared field
    # type's Doc narrowed by a Qualifier), so that a reader can tell them apart.
    schema = build_schema(export_sdl())
    alike: list[str] = []
    for name, kind in schema.type_map.items():
        if not name.startswith("__") and isinstance(
            kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            texts = Counter(field.description for field in kind.fields.values())
            alike += [f"{name}: {text}" for text, n in texts.items() if n > 1]
    assert alike == []


def test_mutations_cover_every_ledger_command() -> None:
    schema = build_schema(export_sdl())
    assert schema.mutation_type is not None
    expected = {
        "registerCity",
        "defineFramework",
        "reviseFramework",
        "stateLineage",
        "enrolVerifier",
        "changeVerifierLanguages",
        "createWeightSet",
        "enrolPanelist",
        "castBallot",
        "reviseBallot",
        "aggregateWeights",
        "setWeights",
        "createEdition",
        "includeCities",
        "changeQuorum",
        "publish",
        "submitClaim",
        "withdrawClaim",
        "openRound",
        "castVote",
        "closeRound",
        "fileAppeal",
        "answerAppeal",
        "withdrawAppeal",
        "openAppealReview",
        "castAppealVote",
        "closeAppealReview",
        "giveFeedback",
        "setAppealWindow",
    }
    assert set(schema.mutation_type.fields) == expected
    for name, field in schema.mutation_type.fields.items():
        assert "idempotencyKey" in field.args, name
        union = field.type.of_type
        assert isinstance(union, GraphQLUnionType), name
        assert "LedgerError" in {t.name for t in union.types}, name


def test_as_of_position_description_says_past_the_head_is_refused() -> None:
    schema = build_schema(export_sdl())
    as_of = schema.type_map["AsOf"]
    assert isinstance(as_of, GraphQLInputObjectType)
    description = as_of.fields["position"].description or ""
    assert "capped" not in description and "INVALID_INPUT" in description


def test_ranking_rank_is_nullable_and_guarded_like_score() -> None:
    schema = build_schema(export_sdl())
    row = schema.type_map["RankingRow"]
    assert isinstance(row, GraphQLObjectType)
    assert str(row.fields["rank"].type) == str(row.fields["score"].type).replace("Exact", "Int")
    description = row.fields["rank"].description or ""
    assert "Allowed: editors, auditors and the city itself" in description
