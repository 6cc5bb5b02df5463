"""View: the base of the read side's views, immutable values built by field name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, dataclass_transform


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(field,))
class View:
    """A read view: each subclass is a frozen, keyword-only dataclass of its annotated fields
    (the policy of every view, said once), mapped to GraphQL by graphql_api.outputs."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True, kw_only=True)(cls)
