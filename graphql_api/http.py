"""GraphQL over HTTP and WebSockets: status rules, content negotiation, and no 500 tracebacks."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, cast

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketDisconnected
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected as StrawberryDisconnected
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message as WSMessage,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from cityledger.bootstrap import Runtime
from graphql_api.context import ApiContext, SubscriptionCounter, build_context
from graphql_api.errors import INTERNAL_MESSAGE
from graphql_api.web.routes import graphiql_page
from graphql_api.wire import INVALID_UNICODE, has_invalid_unicode, message_problem

logger = logging.getLogger("graphql_api.http")

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
SUBSCRIPTIONS_OVER_WS = "subscriptions are served over WebSockets (graphql-transport-ws)"
#: The largest request body accepted (1 MiB); a larger one is refused with 413.
MAX_BODY_BYTES = 1024 * 1024
#: The longest WebSocket close reason, in UTF-8 bytes (RFC 6455 allows 123).
MAX_CLOSE_REASON = 123


def error_response(
    status: int, message: str, code: str = "BAD_REQUEST", headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A JSON error body in the GraphQL response shape, for requests that never executed."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=dict(headers or {}),
    )


def accepted_types(accept: str) -> dict[str, float]:
    """Media types of an Accept header with their q values."""
    out: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            out[media.lower()] = q
    return out


def wants_graphql_response(request: Request) -> bool:
    """Whether the client accepts application/graphql-response+json."""
    return accepted_types(request.headers.get("accept", "")).get(GRAPHQL_RESPONSE, 0.0) > 0


def is_request_error(result: ExecutionResult) -> bool:
    """A document that failed to parse or validate: no data, no error with a path."""
    return (
        result.data is None
        and bool(result.errors)
        and all(e.path is None for e in result.errors or [])
    )


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The request body, or None as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def replaying(request: Request, body: bytes) -> Request:
    """A request that yields an already read body (then defers to the real channel)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await request.receive()

    return Request(request.scope, receive)


def close_reason(reason: str) -> str:
    """A close reason cut to what a close frame can carry (strawberry quotes client ids)."""
    return reason.encode("utf-8")[:MAX_CLOSE_REASON].decode("utf-8", "ignore")


class LedgerWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's WebSocket adapter with close reasons that always fit a close frame."""

    async def close(self, code: int, reason: str) -> None:
        """Close with the reason cut to 123 bytes."""
        await super().close(code, close_reason(reason))


class LedgerTransportWSHandler(BaseGraphQLTransportWSHandler[ApiContext, None]):
    """graphql-transport-ws with malformed messages closing the socket with 4400.

    Strawberry indexes messages without checking that they are objects of the right shape,
    so a JSON array or a non-object payload raised TypeError and dropped the socket with
    no close code; a lone surrogate in a payload failed deep in SQLite.
    """

    async def handle_message(self, message: WSMessage) -> None:
        """Refuse a malformed message with 4400 (invalid message) before strawberry reads it."""
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """Refuse an operation whose payload holds invalid Unicode as that operation's error."""
        ready = self.connection_acknowledged and message["id"] not in self.operations
        if ready and has_invalid_unicode(message["payload"]):
            error = {"message": INVALID_UNICODE, "extensions": {"code": "BAD_REQUEST"}}
            await self.send_message(
                cast(WSMessage, {"id": message["id"], "type": "error", "payload": [error]})
            )
            return
        await super().handle_subscribe(message)

    async def handle_task_exception(self, error: Exception) -> None:
        """Log failures of operations, but not a client that went away mid-stream."""
        if isinstance(error, WebSocketDisconnect | WebSocketDisconnected | StrawberryDisconnected):
            return
        await super().handle_task_exception(error)


class LedgerGraphQL(GraphQL[ApiContext, None]):
    """Strawberry's ASGI view with the API's HTTP rules and per-request context."""

    graphql_transport_ws_handler_class = LedgerTransportWSHandler
    websocket_adapter_class = LedgerWebSocketAdapter  # type: ignore[assignment]

    def __init__(
        self, schema: BaseSchema, runtime: Runtime, subscriptions: SubscriptionCounter
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.runtime = runtime
        self.subscriptions = subscriptions

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL served with this app's own copies of its scripts (works offline)."""
        return graphiql_page()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ApiContext:
        """A fresh context: the viewer of the Authorization header and new loaders."""
        header = request.headers.get("authorization")
        return build_context(self.runtime, self.subscriptions, header, request, response)

    async def on_ws_connect(self, context: ApiContext) -> UnsetType | dict[str, object] | None:
        """Accept a token in the connection_init payload too; refuse a bad one (4403)."""
        params: dict[str, object] = context.connection_params or {}
        header = params.get("Authorization", params.get("authorization"))
        if isinstance(header, str):
            context.authenticate(header)
        if context.auth_error is not None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        return cast(UnsetType, UNSET)

    def decode_json(self, data: str | bytes) -> object:
        """JSON, with nesting too deep for the parser reported as malformed JSON."""
        try:
            return super().decode_json(data)
        except RecursionError as error:
            raise json.JSONDecodeError("JSON nested too deeply", "", 0) from error

    def parse_json(self, data: str | bytes) -> dict[str, Any]:
        """A request body (or variables/extensions) must be a JSON object in UTF-8."""
        try:
            value: object = super().parse_json(data)
        except UnicodeDecodeError as error:
            raise HTTPException(400, "the request body is not valid UTF-8") from error
        if not isinstance(value, dict):
            raise HTTPException(400, "the request body and variables must be JSON objects")
        return value

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: ApiContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Execute queries (GET or POST) and mutations (POST only); streams need a WebSocket."""
        method = request_adapter.method
        allowed = OperationType.from_http(method) - {OperationType.SUBSCRIPTION}
        if has_invalid_unicode(
            [
                request_data.query,
                request_data.operation_name,
                request_data.variables,
                request_data.extensions,
            ]
        ):
            raise HTTPException(400, INVALID_UNICODE)
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type == OperationType.SUBSCRIPTION:
                raise HTTPException(400, SUBSCRIPTIONS_OVER_WS) from error
            raise HTTPException(405, error.as_http_error_reason(method)) from error
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Note a request error, which is a 400 under application/graphql-response+json."""
        request.state.request_error = is_request_error(result)
        return await super().process_result(request, result)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve HTTP through `respond`; WebSockets as strawberry does."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        response = await self.respond(Request(scope, receive))
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        """Apply the HTTP status rules around strawberry's request handling."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method == "POST" and content_type != JSON:
            return error_response(415, f"POST bodies must be {JSON}", "UNSUPPORTED_MEDIA_TYPE")
        if request.method == "POST":
            body = await read_body(request)
            if body is None:
                return error_response(
                    413,
                    f"the request body is larger than {MAX_BODY_BYTES} bytes",
                    "PAYLOAD_TOO_LARGE",
                )
            request = replaying(request, body)
        try:
            response = await self.run(request)
        except HTTPException as error:
            headers = {"Allow": "POST" if request.method == "GET" else "GET, POST"}
            return error_response(
                error.status_code, error.reason, headers=headers if error.status_code == 405 else {}
            )
        except Exception:
            logger.exception("unexpected failure serving %s %s", request.method, request.url.path)
            return error_response(500, INTERNAL_MESSAGE, "INTERNAL")
        return self.negotiate(request, response)

    def negotiate(self, request: Request, response: Response) -> Response:
        """Answer application/graphql-response+json when the client accepts it."""
        if response.media_type != JSON or not wants_graphql_response(request):
            return response
        response.headers["content-type"] = GRAPHQL_RESPONSE
        if getattr(request.state, "request_error", False):
            response.status_code = 400
        return response
