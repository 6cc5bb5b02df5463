"""Checks on what arrives over the wire, before anything runs: Unicode and message shapes."""

from __future__ import annotations

from collections.abc import Mapping

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

from graphql_api.limits import MAX_TOKENS

INVALID_UNICODE = (
    "the request contains invalid Unicode (a lone surrogate such as \\ud800 in the query, "
    "operation name, variables or extensions)"
)


def is_valid_unicode(text: str) -> bool:
    """Whether a string can be encoded as UTF-8 (it holds no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def has_invalid_unicode(value: object) -> bool:
    """Whether any string in a decoded JSON value (keys included) is not valid Unicode."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not is_valid_unicode(item):
                return True
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def subscribe_problem(message: Mapping[str, object]) -> str | None:
    """Why a graphql-transport-ws subscribe message is malformed (None when it is not)."""
    payload = message.get("payload")
    if not isinstance(message.get("id"), str):
        return "subscribe needs a string id"
    if not isinstance(payload, Mapping):
        return "subscribe needs an object payload"
    if not isinstance(payload.get("query"), str):
        return "subscribe needs a string payload.query"
    for key, kind, name in (
        ("variables", Mapping, "an object"),
        ("extensions", Mapping, "an object"),
        ("operationName", str, "a string"),
    ):
        value = payload.get(key)
        if value is not None and not isinstance(value, kind):
            return f"payload.{key} must be {name} or null"
    return None


def message_problem(message: object) -> str | None:
    """Why a graphql-transport-ws message is malformed (None when it is not).

    A subscribe message whose payload alone holds invalid Unicode is well-formed here: it is
    refused as that operation's error, keeping the connection open.
    """
    if not isinstance(message, Mapping):
        return "WebSocket messages must be JSON objects"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "WebSocket messages need a string type"
    envelope = {k: v for k, v in message.items() if not (kind == "subscribe" and k == "payload")}
    if has_invalid_unicode(envelope):
        return "WebSocket message contains invalid Unicode"
    if kind == "subscribe":
        return subscribe_problem(message)
    if kind == "complete" and not isinstance(message.get("id"), str):
        return "complete needs a string id"
    return None


def long_string(value: object, limit: int) -> str | None:
    """Where a decoded JSON value holds a string (or key) over `limit` characters, as a path
    such as `$.input.text` (None: there is none). The string itself is never echoed."""
    pending: list[tuple[str, object]] = [("$", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if len(item) > limit:
                return path
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and len(key) > limit:
                    return f"{path} (a key)"
                pending.append((f"{path}.{str(key)[:40]}", child))
        elif isinstance(item, list | tuple):
            pending.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
    return None


def is_subscription(query: str, operation_name: str | None) -> bool:
    """Whether a document's selected operation is a subscription (False when it does not
    parse or names no such operation: executing it then reports why)."""
    try:
        document = parse(query, no_location=True, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        d
        for d in operations
        if operation_name is None or (d.name is not None and d.name.value == operation_name)
    ]
    return bool(chosen) and chosen[0].operation == OperationType.SUBSCRIPTION
