"""Limits on what one request may ask: selections, depth, aliases, tokens and page sizes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from ledger.errors import InvalidInput
from projections.event_index import MAX_PAGE

MAX_SELECTIONS = 2000
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 2000
#: Fields whose cost grows with the data: each computes whole tables (a fold of the log),
#: as (parent type, field). Every selection counts, at any depth, aliases and fragments
#: included, for every role; a new field of that kind belongs here.
COSTLY_FIELDS = frozenset(
    {
        ("Query", "rankings"),
        ("Query", "bandChanges"),
        ("Query", "compareEditions"),
        ("Query", "cityHistory"),
        ("Query", "explainMove"),
        ("Query", "nextBand"),
        ("Query", "bandRobustness"),
        ("Query", "publicationDiff"),
        ("Query", "appealWhatIf"),
        ("City", "scores"),
    }
)
MAX_HEAVY = 4
#: The longest string literal in a document, and the longest string in variables (chars).
MAX_STRING = 16 * 1024
DEFAULT_PAGE = 20
MULTIPLE_OPERATIONS = "Must provide operation name if query contains multiple operations."
__all__ = [
    "DEFAULT_PAGE",
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_HEAVY",
    "MAX_PAGE",
    "MAX_SELECTIONS",
    "MAX_STRING",
    "MAX_TOKENS",
]

_CURSOR = re.compile(r"[0-9]{1,18}")


class SelectionCounter:
    """Counts field selections with fragment spreads expanded, linearly in the document.

    Each fragment is counted once and remembered; a count stops as soon as it passes the
    cap (a stopped count is a lower bound, which is all a refusal needs). A spread of a
    fragment that is being counted (a cycle, which validation refuses anyway) counts 0.
    """

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], cap: int) -> None:
        self.fragments = fragments
        self.cap = cap
        self.memo: dict[str, int] = {}
        self.open: set[str] = set()

    def count(self, selection_set: SelectionSetNode | None) -> int:
        """Fields selected in a selection set, nested ones and expanded fragments included."""
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += 1 + self.count(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += self.count(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
            if total > self.cap:
                break
        return total

    def fragment(self, name: str) -> int:
        """The (memoised) count of a named fragment; 0 when unknown or in a cycle."""
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.open:
            return 0
        self.open.add(name)
        try:
            self.memo[name] = self.count(definition.selection_set)
        finally:
            self.open.discard(name)
        return self.memo[name]


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """The fragment definitions of a document by name (the first of a repeated name)."""
    out: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            out.setdefault(definition.name.value, definition)
    return out


def selection_counts(document: DocumentNode, cap: int = MAX_SELECTIONS) -> list[tuple[str, int]]:
    """(operation name, field selections with fragments expanded) per operation, stopping
    each count once it is over the cap."""
    counter = SelectionCounter(fragments_of(document), cap)
    return [
        (d.name.value if d.name else "anonymous", counter.count(d.selection_set))
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]


def too_many_selections(name: str, count: int, cap: int) -> str:
    """The refusal message of an operation over the selection cap."""
    return (
        f"operation '{name}' selects at least {count} fields once its fragment spreads are "
        f"expanded; the limit is {cap}"
    )


def max_selections_rule(cap: int) -> type[ValidationRule]:
    """A validation rule refusing operations that select more than `cap` fields, counted
    with fragment spreads expanded (a few fragments spread twice each can expand to
    millions of fields)."""

    class MaxSelectionsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            for name, count in selection_counts(context.document, cap):
                if count > cap:
                    context.report_error(GraphQLError(too_many_selections(name, count, cap)))

    return MaxSelectionsRule


MaxSelectionsRule = max_selections_rule(MAX_SELECTIONS)


class SelectionLimiter(AddValidationRules):
    """Adds MaxSelectionsRule; over the cap, it is the only rule validation runs.

    The depth and alias limiters walk every expansion of every fragment spread, which takes
    exponential time on a fragment bomb; a document already refused for its size skips them.
    An operation-less request naming no operation in a multi-operation document is refused
    too (strawberry would run the first operation; the GraphQL spec requires a refusal).
    """

    def __init__(self, max_selections: int = MAX_SELECTIONS) -> None:
        self.max_selections = max_selections
        self.rule = max_selections_rule(max_selections)
        super().__init__([self.rule])

    def on_validate(self) -> Iterator[None]:
        """Before the other rules run: refuse an oversize or ambiguous document alone."""
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            counts = selection_counts(document, self.max_selections)
            if any(count > self.max_selections for _, count in counts):
                context.validation_rules = (self.rule,)
            elif len(counts) > 1 and _provided_operation_name(context) is None:
                context.pre_execution_errors = [GraphQLError(MULTIPLE_OPERATIONS)]
        yield


class MaxCostRule(ValidationRule):
    """Refuses operations selecting more than MAX_HEAVY costly fields (COSTLY_FIELDS), counted
    at any depth with fragment spreads expanded: each is a fold of the log."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.current = ""
        self.operations: list[str] = []
        self.direct: dict[str, int] = {}
        self.spreads: dict[str, list[str]] = {}

    def _enter(self, key: str) -> None:
        self.current = key
        self.direct.setdefault(key, 0)
        self.spreads.setdefault(key, [])

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
        """Count into this operation."""
        key = "operation:" + (node.name.value if node.name else "anonymous")
        self.operations.append(key)
        self._enter(key)

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: object) -> None:
        """Count into this fragment."""
        self._enter("fragment:" + node.name.value)

    def enter_field(self, node: FieldNode, *_: object) -> None:
        """A costly field adds one."""
        parent = self.context.get_parent_type()
        if parent is not None and (parent.name, node.name.value) in COSTLY_FIELDS:
            self.direct[self.current] = self.direct.get(self.current, 0) + 1

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        """A spread adds its fragment's cost."""
        self.spreads.setdefault(self.current, []).append("fragment:" + node.name.value)

    def leave_document(self, *_: object) -> None:
        """Total each operation; refuse those over the limit."""
        memo: dict[str, int] = {}

        def cost(key: str, open_: frozenset[str]) -> int:
            if key in memo:
                return memo[key]
            if key in open_ or key not in self.direct:
                return 0  # a cycle (refused by validation) or an unknown fragment
            total = self.direct[key]
            for spread in self.spreads[key]:
                total += cost(spread, open_ | {key})
            memo[key] = total
            return total

        for key in self.operations:
            total = cost(key, frozenset())
            if total > MAX_HEAVY:
                fields = ", ".join(sorted(f"{p}.{f}" for p, f in COSTLY_FIELDS))
                self.report_error(
                    GraphQLError(
                        f"operation '{key.split(':', 1)[1]}' asks for {total} tables "
                        f"({fields}; aliases and fragments count); the limit is {MAX_HEAVY}"
                    )
                )


class MaxStringRule(ValidationRule):
    """Refuses a string literal longer than MAX_STRING (without echoing it back)."""

    def enter_string_value(self, node: StringValueNode, *_: object) -> None:
        """Check one literal."""
        if len(node.value) > MAX_STRING:
            self.report_error(
                GraphQLError(
                    f"a string literal is {len(node.value)} characters long; "
                    f"the limit is {MAX_STRING}",
                    node,
                )
            )


def _provided_operation_name(context: object) -> str | None:
    # ExecutionContext.operation_name falls back to the first operation's name; the name
    # the request gave is kept in this attribute.
    name = getattr(context, "_provided_operation_name", None)
    return name if isinstance(name, str) else None


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories of the limiting schema extensions (a fresh instance per request)."""
    return [
        lambda: SelectionLimiter(max_selections=MAX_SELECTIONS),
        lambda: AddValidationRules([MaxCostRule, MaxStringRule]),
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]


def page_size(first: int) -> int:
    """A page size within 1..MAX_PAGE, or InvalidInput."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(
            f"first {first} is out of range 1..{MAX_PAGE}", field="first", value=first
        )
    return first


def cursor_value(after: str | None) -> int:
    """The position or offset a cursor stands for (0 when absent): 1 to 18 ASCII digits."""
    if after is None:
        return 0
    if not _CURSOR.fullmatch(after):
        raise InvalidInput(
            f"cursor {after[:40]!r} is not valid (a cursor is 1 to 18 digits 0-9)",
            field="after",
            value=after[:40],
        )
    return int(after)
