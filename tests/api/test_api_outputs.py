"""Output types generated from frozen views: fields, types and descriptions come from the view."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from textwrap import dedent
from typing import TYPE_CHECKING, Annotated, Any

import pytest
import strawberry

from graphql_api.features.years import IndicatorPoints
from graphql_api.fields import field as resolver
from graphql_api.outputs import FromView, documented, output, rows
from graphql_api.permissions import CanSeeCityScores
from ledger.doc import Doc
from ledger.fields import CityId, IndicatorId
from ledger.vocabulary import ClaimStatus

if TYPE_CHECKING:
    from projections.causes import Cause as OnlyForTypes


@dataclass(frozen=True)
class LeafView:
    """A leaf of the tree."""

    label: Annotated[str, Doc("The leaf's label.")]
    weight: Annotated[Fraction, Doc("Its exact weight.")]


@dataclass(frozen=True)
class TreeView:
    """A tree and its leaves."""

    tree_id: Annotated[str, Doc("Tree id.")]
    status: Annotated[ClaimStatus, Doc("A word from the vocabulary, shown as its text.")]
    height: Annotated[int | None, Doc("Height, when measured.")]
    leaves: Annotated[tuple[LeafView, ...], Doc("The leaves, lowest first.")]
    crown: Annotated[LeafView | None, Doc("The top leaf, if any.")]
    tags: Annotated[tuple[str, ...], Doc("Free tags.")]
    internal: int


@output(LeafView)
class Leaf(FromView[LeafView]):
    """Generated entirely from the view."""


@output(TreeView, description="A tree, as the API shows it.", exclude=["internal"])
class Tree(FromView[TreeView]):
    """Generated from the view, plus one resolver field reading the view."""

    @resolver("How many leaves the tree has.")
    def leaf_count(self) -> int:
        return len(self.view.leaves)


TREE = TreeView(
    tree_id="t1",
    status=ClaimStatus.ACCEPTED,
    height=None,
    leaves=(LeafView("a", Fraction(1, 3)), LeafView("b", Fraction(2))),
    crown=LeafView("b", Fraction(2)),
    tags=("old", "oak"),
    internal=7,
)


@documented("A pin in a tree: hand-written, with a field of a shared field type.")
class Pin:
    indicator_id: IndicatorId
    depth: int = strawberry.field(description="How deep it goes.")


@documented("Where a pin goes: an input whose field of a shared type has a default.", is_input=True)
class PinPlace:
    indicator_id: IndicatorId = "egov"


@strawberry.type(description="Test root.")
class Query:
    @resolver("The tree.")
    def tree(self) -> Tree:
        return Tree.from_view(TREE)

    @resolver("A pin.")
    def pin(self) -> Pin:
        return Pin(indicator_id="egov", depth=2)

    @resolver("The indicator a pin would go on.")
    def placed(self, place: PinPlace) -> str:
        return place.indicator_id


SCHEMA = strawberry.Schema(query=Query)


def declares(schema: strawberry.Schema, sdl: str) -> bool:
    """Whether the schema's SDL holds this (indented) block word for word."""
    return dedent(sdl).strip() in schema.as_str()


def test_a_view_with_nested_optional_and_list_fields_becomes_the_described_type() -> None:
    sdl = SCHEMA.as_str()
    leaf = dedent('''
        """A leaf of the tree."""
        type Leaf {
          """The leaf's label."""
          label: String!

          """Its exact weight."""
          weight: Exact!
        }
        ''')
    tree = dedent('''
        """A tree, as the API shows it."""
        type Tree {
          """Tree id."""
          treeId: String!

          """A word from the vocabulary, shown as its text."""
          status: String!

          """Height, when measured."""
          height: Int

          """The leaves, lowest first."""
          leaves: [Leaf!]!

          """The top leaf, if any."""
          crown: Leaf

          """Free tags."""
          tags: [String!]!

          """How many leaves the tree has."""
          leafCount: Int!
        }
        ''')
    assert leaf.strip() in sdl
    assert tree.strip() in sdl


def test_a_documented_type_describes_a_field_of_a_shared_field_type_by_its_doc() -> None:
    pin = dedent('''
        """A pin in a tree: hand-written, with a field of a shared field type."""
        type Pin {
          """Indicator id."""
          indicatorId: String!

          """How deep it goes."""
          depth: Int!
        }
        ''')

    assert pin.strip() in SCHEMA.as_str()
    answer = SCHEMA.execute_sync("{ pin { indicatorId depth } }")
    assert answer.data == {"pin": {"indicatorId": "egov", "depth": 2}}


def test_a_documented_field_of_a_shared_type_keeps_its_default() -> None:
    assert '"""Indicator id."""\n  indicatorId: String! = "egov"' in SCHEMA.as_str()
    answer = SCHEMA.execute_sync("{ placed(place: {}) }")
    assert answer.data == {"placed": "egov"}


def test_from_view_converts_nested_views_tuples_and_exact_numbers() -> None:
    result = SCHEMA.execute_sync(
        "{ tree { treeId status height tags leafCount crown { label }"
        " leaves { label weight { fraction } } } }"
    )
    assert result.errors is None
    assert result.data == {
        "tree": {
            "treeId": "t1",
            "status": "accepted",
            "height": None,
            "tags": ["old", "oak"],
            "leafCount": 2,
            "crown": {"label": "b"},
            "leaves": [
                {"label": "a", "weight": {"fraction": "1/3"}},
                {"label": "b", "weight": {"fraction": "2"}},
            ],
        }
    }


@dataclass(frozen=True)
class MoveView:
    """A city's move between two points."""

    city_id: Annotated[str, Doc("City id.")]
    before: Annotated[str, Doc("Band before.")]
    score: Annotated[Fraction, Doc("Exact score.")]
    points: Annotated[tuple[tuple[str, int], ...], Doc("Points per indicator.")]


@output(
    MoveView,
    renamed={"before": "band_before"},
    convert={"points": rows(IndicatorPoints)},
    guarded={"score": CanSeeCityScores},
)
class Move(FromView[MoveView]):
    points: list[IndicatorPoints]


MOVE = MoveView("c1", "top 10%", Fraction(7, 2), (("i1", 3), ("i2", 0)))


@strawberry.type(description="Test root.")
class MoveQuery:
    @resolver("The move.")
    def move(self) -> Move:
        return Move.from_view(MOVE)


def test_renamed_converted_and_guarded_fields_keep_the_views_descriptions() -> None:
    assert declares(
        strawberry.Schema(query=MoveQuery),
        '''
        """A city's move between two points."""
        type Move {
          """City id."""
          cityId: String!

          """Band before."""
          bandBefore: String!

          """Exact score. Allowed: editors, auditors and the city itself."""
          score: Exact

          """Points per indicator."""
          points: [IndicatorPoints!]!
        }
        ''',
    )


def test_from_view_converts_plain_tuples_and_takes_replacements() -> None:
    move = Move.from_view(MOVE)
    # Generated fields are not declared to type checkers: read them by name.
    fields = vars(move)
    assert (fields["city_id"], fields["band_before"]) == ("c1", "top 10%")
    assert [(p.indicator_id, p.points) for p in move.points] == [("i1", 3), ("i2", 0)]
    assert move.view is MOVE
    assert vars(Move.from_view(MOVE, band_before=None))["band_before"] is None


@dataclass(frozen=True)
class StandingView:
    """A standing that does not say whose it is."""

    band: Annotated[str, Doc("Band.")]


@output(StandingView)
class CityStanding(FromView[StandingView]):
    # Whose standing it is: a field the class adds, of a shared field type.
    city_id: CityId


@strawberry.type(description="Test root.")
class StandingQuery:
    @resolver("The standing.")
    def standing(self) -> CityStanding:
        return CityStanding.from_view(StandingView("top 10%"), city_id="c1")


def test_a_field_the_class_adds_of_a_shared_field_type_is_described_by_its_doc() -> None:
    schema = strawberry.Schema(query=StandingQuery)
    assert declares(
        schema,
        '''
        """A standing that does not say whose it is."""
        type CityStanding {
          """Band."""
          band: String!

          """City id."""
          cityId: String!
        }
        ''',
    )
    answer = schema.execute_sync("{ standing { cityId band } }")
    assert answer.data == {"standing": {"cityId": "c1", "band": "top 10%"}}


@dataclass(frozen=True)
class SpanView:
    """A span between two points."""

    start: Annotated[int, Doc("Where it starts.")]
    end: Annotated[int, Doc("Where it ends.")]


@output(SpanView)
class Span(FromView[SpanView]):
    # Renamed to GraphQL names Python cannot use; the first keeps the view's words.
    start: int = strawberry.field(name="from")
    end: int = strawberry.field(name="to", description="Its own words.")


@documented("Two spans.")
class Spans:
    first: Annotated[Span, Doc("The first span.")] = strawberry.field(name="one")


@strawberry.type(description="Test root.")
class SpanQuery:
    @resolver("The spans.")
    def spans(self) -> Spans:
        return Spans(first=Span.from_view(SpanView(start=1, end=2)))


def test_a_field_declared_only_to_rename_it_keeps_the_description_of_its_doc() -> None:
    schema = strawberry.Schema(query=SpanQuery)
    assert declares(
        schema,
        '''
        """A span between two points."""
        type Span {
          """Where it starts."""
          from: Int!

          """Its own words."""
          to: Int!
        }
        ''',
    )
    assert declares(schema, '"""The first span."""\n  one: Span!')
    answer = schema.execute_sync("{ spans { one { from to } } }")
    assert answer.data == {"spans": {"one": {"from": 1, "to": 2}}}


@dataclass(frozen=True)
class RivalView:
    """A rival city."""

    city_id: Annotated[str, Doc("City id.")]
    score: Annotated[Fraction, Doc("Exact score.")]
    rank: Annotated[int | None, Doc("Rank (null: unranked).")]


HIDDEN = "Null for some viewers."


@output(RivalView, withheld=dict.fromkeys(["score", "rank"], HIDDEN))
class Rival(FromView[RivalView]):
    pass


RIVAL = RivalView("c2", Fraction(5, 2), 3)


@strawberry.type(description="Test root.")
class RivalQuery:
    @resolver("The rival as one viewer or the other sees it.")
    def rival(self, hide: bool) -> Rival:
        return Rival.withholding(RIVAL, hide)


def test_a_withheld_field_is_nullable_described_by_the_view_then_why_and_null_when_hidden() -> None:
    schema = strawberry.Schema(query=RivalQuery)
    assert declares(
        schema,
        '''
        """A rival city."""
        type Rival {
          """City id."""
          cityId: String!

          """Exact score. Null for some viewers."""
          score: Exact

          """Rank (null: unranked). Null for some viewers."""
          rank: Int
        }
        ''',
    )
    query = "query ($hide: Boolean!) { rival(hide: $hide) { cityId score { fraction } rank } }"
    shown = schema.execute_sync(query, variable_values={"hide": False})
    hidden = schema.execute_sync(query, variable_values={"hide": True})
    assert shown.data == {"rival": {"cityId": "c2", "score": {"fraction": "5/2"}, "rank": 3}}
    assert hidden.data == {"rival": {"cityId": "c2", "score": None, "rank": None}}


@dataclass(frozen=True)
class Inner:
    """A view no output type was made for."""

    x: Annotated[int, Doc("x.")]


@dataclass(frozen=True)
class Outer:
    """A view nesting it."""

    inner: Annotated[Inner, Doc("The inner view.")]


@dataclass(frozen=True)
class Unresolved:
    """A view whose field names a type its module imports only for type checking."""

    cause: Annotated[OnlyForTypes, Doc("A cause.")]


@dataclass(frozen=True)
class Bare:
    """Undescribed."""

    name: str


@pytest.mark.parametrize(
    ("view", "options", "says"),
    [
        pytest.param(Bare, {}, r"Bare\.name has no description", id="undescribed-field"),
        pytest.param(Outer, {}, "Inner has no output type yet", id="nested-view-without-its-type"),
        pytest.param(
            MoveView,
            {"exclude": ["points"], "renamed": {"after": "band_after"}},
            r"MoveView has no fields \['after'\] to show",
            id="renamed-field-the-view-lacks",
        ),
        pytest.param(
            Unresolved,
            {},
            r"Unresolved\.cause names 'OnlyForTypes', which its module does not define when "
            r"Unresolved is decorated: define OnlyForTypes above Unresolved",
            id="type-not-imported",
        ),
        pytest.param(
            MoveView,
            {"exclude": ["points"], "withheld": {"rank": HIDDEN}},
            r"MoveView has no fields \['rank'\] to show",
            id="withheld-field-the-view-lacks",
        ),
    ],
)
def test_a_view_the_api_cannot_show_is_refused_naming_why(
    view: type[Any], options: dict[str, Any], says: str
) -> None:
    with pytest.raises(TypeError, match=says):

        @output(view, **options)
        class Never(FromView[Any]):
            """Never made."""


@documented("A trail: hand-written, its fields naming a type defined further down.")
class Trail:
    first: Annotated[Marker, Doc("The first marker.")]
    last: Marker | None = strawberry.field(description="The last marker, if any.")
    markers: list[Marker] = strawberry.field(description="Every marker, first to last.")


@strawberry.type(description="A marker on a trail.")
class Marker:
    at: int = strawberry.field(description="Where it stands.")


@strawberry.type(description="Test root.")
class TrailQuery:
    @resolver("The trail.")
    def trail(self) -> Trail:
        return Trail(first=Marker(at=1), last=None, markers=[Marker(at=1)])


def test_a_hand_written_type_may_name_a_type_defined_further_down_in_described_fields() -> None:
    schema = strawberry.Schema(query=TrailQuery)

    assert declares(
        schema,
        '''
        """A trail: hand-written, its fields naming a type defined further down."""
        type Trail {
          """The first marker."""
          first: Marker!

          """The last marker, if any."""
          last: Marker

          """Every marker, first to last."""
          markers: [Marker!]!
        }
        ''',
    )
    assert schema.execute_sync("{ trail { first { at } markers { at } } }").data == {
        "trail": {"first": {"at": 1}, "markers": [{"at": 1}]}
    }


def test_an_undescribed_field_naming_a_type_not_defined_yet_is_refused_saying_what_to_do() -> None:
    with pytest.raises(TypeError) as refused:

        @documented("Never made.")
        class Stray:
            where: list[OnlyForTypes]

    assert str(refused.value) == (
        "Stray.where names 'OnlyForTypes', which its module does not define when Stray is "
        "decorated: define OnlyForTypes above Stray (a name imported only for type checking is "
        "not seen at run time), or describe the field itself: strawberry.field(description=...)"
    )
