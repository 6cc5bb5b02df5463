"""GraphQL over HTTP and WebSockets: status rules, content negotiation, and no 500 tracebacks."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing, suppress
from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import (
    WebSocket,
    WebSocketDisconnect,
    WebSocketDisconnected,
    WebSocketState,
)
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived
from strawberry.http.exceptions import WebSocketDisconnected as StrawberryDisconnected
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message as WSMessage,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from cityledger.bootstrap import Runtime
from graphql_api.context import ApiContext, build_context
from graphql_api.counting import LiveCount
from graphql_api.errors import INTERNAL_MESSAGE
from graphql_api.limits import MAX_STRING
from graphql_api.offload import blocking, in_worker
from graphql_api.subscriptions import FORBIDDEN
from graphql_api.watcher import Watcher
from graphql_api.web.routes import graphiql_page
from graphql_api.wire import (
    INVALID_UNICODE,
    has_invalid_unicode,
    is_subscription,
    long_string,
    message_problem,
)
from ledger import validate
from ledger.validate import unique_keys

logger = logging.getLogger("graphql_api.http")

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
SUBSCRIPTIONS_OVER_WS = "subscriptions are served over WebSockets (graphql-transport-ws)"
#: The largest request body accepted (1 MiB); a larger one is refused with 413.
MAX_BODY_BYTES = 1024 * 1024
#: Seconds a client may take to send a request body.
BODY_TIMEOUT = 30.0
#: The longest WebSocket close reason, in UTF-8 bytes (RFC 6455 allows 123).
MAX_CLOSE_REASON = 123
NUMBER_TOO_LONG = (
    "a JSON number in the request has more digits than are accepted (at most 4300 for a "
    "whole number); send large values as strings"
)
#: WebSocket close code for a message over MAX_BODY_BYTES (RFC 6455: message too big).
MESSAGE_TOO_BIG = 1009
#: The URL parameters of a GraphQL request (GET), each of which may be given once.
REQUEST_PARAMETERS = ("query", "variables", "operationName", "extensions")
#: graphql-transport-ws close code for an invalid message.
INVALID_MESSAGE = 4400


#: One item of a result stream, and the stream (as strawberry's schema.stream returns it).
StreamItem = Any


class NumberTooLong(json.JSONDecodeError):
    """A JSON number too long to convert (Python's integer string limit)."""


class RepeatedKey(json.JSONDecodeError):
    """A JSON object that gives one key twice: which one counts is the parser's guess (a
    proxy that reads the first "query" and a server that runs the last disagree)."""


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
    """The request body, or None as soon as it is known to exceed `limit` bytes (starlette's
    ClientDisconnect when the client goes away mid-upload)."""
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


class BodyTimedOut(Exception):
    """The request body did not arrive in time."""


class BodyDeadline:
    """ASGI middleware: a request's body must arrive within `seconds`, else 408; a client
    that goes away mid-upload is logged in one line.

    It wraps the receive channel, so whichever layer reads the body (the published-table
    cache or the GraphQL view) is held to the same deadline; a slow client then holds a
    connection for no longer than that.
    """

    def __init__(self, app: ASGIApp, seconds: float = BODY_TIMEOUT) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with a deadline on its body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.seconds
        body_done = False
        started = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimedOut from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except ClientDisconnect:
            # Nobody is left to answer; one line says what happened, no traceback.
            logger.info("%s: went away while sending its request body", client_of(scope))
        except BodyTimedOut:
            logger.info(
                "%s: gave up on a request body after %.0f s", client_of(scope), self.seconds
            )
            if not started:
                response = error_response(
                    408,
                    f"the request body did not arrive within {self.seconds:.0f} s",
                    "REQUEST_TIMEOUT",
                )
                await response(scope, receive, send)


def client_of(scope: Scope) -> str:
    """host:port of a request's client, for log lines."""
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "a client"


def replayed(body: bytes, receive: Receive) -> Receive:
    """A receive channel that yields an already read body, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def replaying(request: Request, body: bytes) -> Request:
    """A request that yields an already read body (then defers to the real channel), its
    content type (checked: JSON, in any case) written as strawberry compares it."""
    headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
    scope = {**request.scope, "headers": [*headers, (b"content-type", JSON.encode())]}
    return Request(scope, replayed(body, request.receive))


def close_reason(reason: str) -> str:
    """A close reason cut to what a close frame can carry (strawberry quotes client ids)."""
    return reason.encode("utf-8")[:MAX_CLOSE_REASON].decode("utf-8", "ignore")


def too_big(text: str, limit: int = MAX_BODY_BYTES) -> bool:
    """Whether a text is over `limit` bytes in UTF-8 (without encoding a huge one)."""
    return len(text) > limit or (
        len(text) * 4 > limit and len(text.encode("utf-8", "replace")) > limit
    )


class LedgerWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's WebSocket adapter: close reasons that fit a close frame, and messages no
    larger than an HTTP body (a larger one closes the socket with 1009, unread)."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        """Decode each text message, refusing one over MAX_BODY_BYTES before parsing it."""
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if too_big(text):
                    await self.close(
                        MESSAGE_TOO_BIG, f"messages are limited to {MAX_BODY_BYTES} bytes"
                    )
                    return
                try:
                    yield self.view.decode_json(text)
                except RepeatedKey as error:
                    await self.close(INVALID_MESSAGE, error.msg)
                    return
                except json.JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass

    async def send_json(self, message: Mapping[str, object]) -> None:
        """Send a message encoded in a worker thread: a large result never stalls the loop."""
        encoded = await blocking(self.view.encode_json, message)
        try:
            if isinstance(encoded, bytes):
                await self.ws.send_bytes(encoded)
            else:
                await self.ws.send_text(encoded)
        except (WebSocketDisconnect, WebSocketDisconnected) as exc:
            # The first send to a vanished client fails as a disconnect; starlette refuses each
            # later one (answers still queued) with WebSocketDisconnected, a RuntimeError.
            raise StrawberryDisconnected from exc

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
        """Refuse an operation whose payload holds invalid Unicode or an overlong variable
        string as that operation's error (as over HTTP)."""
        ready = self.connection_acknowledged and message["id"] not in self.operations
        problem = payload_problem(message["payload"]) if ready else None
        if problem is not None:
            error = {"message": problem, "extensions": {"code": "BAD_REQUEST"}}
            await self.send_message(
                cast(WSMessage, {"id": message["id"], "type": "error", "payload": [error]})
            )
            return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[ApiContext, None]) -> None:
        """Run one operation with its own context (fresh loaders, the token checked again).

        A token revoked or expired since the socket opened closes the socket with 4403.
        Queries and mutations run in a worker thread; only a subscription's stream runs on
        the event loop (it reads through worker threads itself).
        """
        context = self.context.for_operation()
        if not await blocking(context.reauthenticate):
            await self.websocket.close(FORBIDDEN, "Forbidden: the token was revoked or has expired")
            self.operations.pop(operation.id, None)
            return
        try:
            if is_subscription(operation.query, operation.operation_name):
                source = await self._stream(operation, context)
            else:
                results = await in_worker(lambda: self._collect(operation, context))
                source = _replay(results)
            async with aclosing(source):
                await self._send_result_stream(operation, source)
            await operation.send_operation_message(
                CompleteMessage(id=operation.id, type="complete")
            )
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

    async def _collect(
        self, operation: Operation[ApiContext, None], context: ApiContext
    ) -> list[StreamItem]:
        """Every result of a query or mutation (one, or a pre-execution error)."""
        source = await self._stream(operation, context)
        async with aclosing(source):
            return [result async for result in source]

    async def _stream(
        self, operation: Operation[ApiContext, None], context: ApiContext
    ) -> StreamResult:
        """The operation's results as the schema streams them, run with `context`."""
        return await self.schema.stream(
            operation.query,
            variable_values=operation.variables,
            context_value=context,
            root_value=self.root_value,
            operation_name=operation.operation_name,
        )

    async def handle_task_exception(self, error: Exception) -> None:
        """Log failures of operations, but not a client that went away mid-stream."""
        if isinstance(error, WebSocketDisconnect | WebSocketDisconnected | StrawberryDisconnected):
            return
        await super().handle_task_exception(error)


async def _replay(results: list[StreamItem]) -> StreamResult:
    """Results computed in a worker thread, handed to strawberry's sender as a stream."""
    for result in results:
        yield result


def payload_problem(payload: object) -> str | None:
    """Why a request's query, name, variables and extensions cannot be run (None: they can)."""
    if has_invalid_unicode(payload):
        return INVALID_UNICODE
    variables = payload.get("variables") if isinstance(payload, Mapping) else None
    found = long_string(variables, MAX_STRING)
    if found is not None:
        return (
            f"a string in the variables ({found}) is longer than {MAX_STRING} characters; "
            "it was not read further"
        )
    return None


class LedgerGraphQL(GraphQL[ApiContext, None]):
    """Strawberry's ASGI view with the API's HTTP rules and per-request context."""

    graphql_transport_ws_handler_class = LedgerTransportWSHandler
    websocket_adapter_class = LedgerWebSocketAdapter  # type: ignore[assignment]

    def __init__(
        self,
        schema: BaseSchema,
        runtime: Runtime,
        subscriptions: LiveCount,
        watcher: Watcher,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.runtime = runtime
        self.subscriptions = subscriptions
        self.watcher = watcher

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL served with this app's own copies of its scripts (works offline)."""
        return graphiql_page()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ApiContext:
        """A fresh context: the viewer of the Authorization header and new loaders."""
        # Several Authorization headers are joined, as HTTP joins a repeated field, so that
        # bearer_token refuses them rather than one of them being picked silently.
        header = ", ".join(request.headers.getlist("authorization")) or None
        return await blocking(
            build_context, self.runtime, self.subscriptions, self.watcher, header, request, response
        )

    async def on_ws_connect(self, context: ApiContext) -> UnsetType | dict[str, object] | None:
        """Accept a token in the connection_init payload too; refuse a bad one (4403)."""
        params: dict[str, object] = context.connection_params or {}
        given = [params[k] for k in ("Authorization", "authorization") if params.get(k) is not None]
        if not all(isinstance(g, str) for g in given):
            # A token that is not text is a bad token, not an anonymous visit.
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        header = cast(str, given[0]) if given else None
        upgrade = context.authorization
        if len(set(given)) > 1 or (header is not None and upgrade and header != upgrade):
            # Two different credentials (both spellings, or the upgrade's header and the
            # payload): which one speaks would be a guess, as with two Authorization headers.
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        if isinstance(header, str):
            await blocking(context.authenticate, header)
        if context.auth_error is not None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        return cast(UnsetType, UNSET)

    def decode_json(self, data: str | bytes) -> object:
        """JSON, with nesting too deep for the parser, or a number too long for Python's
        integer conversion, reported as malformed JSON."""
        try:
            return json.loads(data, object_pairs_hook=unique_keys)
        except validate.RepeatedKey as repeated:
            raise RepeatedKey(
                f"the request repeats the key {repeated.key[:200]!r} in one JSON object; send "
                "each key once",
                "",
                0,
            ) from None
        except RecursionError as error:
            raise json.JSONDecodeError("JSON nested too deeply", "", 0) from error
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise
        except ValueError as error:
            # Python refuses to convert an integer of more than 4300 digits (sys.int_info).
            raise NumberTooLong(NUMBER_TOO_LONG, "", 0) from error

    def encode_json(self, data: object) -> str:
        """A result as compact JSON text, by orjson: the same JSON value as json.dumps gives,
        several times faster on a large table (a value orjson does not take, such as an
        integer past 64 bits, goes to json.dumps)."""
        try:
            return orjson.dumps(data).decode("utf-8")
        except TypeError:
            return str(super().encode_json(data))

    def parse_json(self, data: str | bytes) -> dict[str, Any]:
        """A request body (or variables/extensions) must be a JSON object in UTF-8."""
        try:
            value: object = self.decode_json(data)
        except NumberTooLong as error:
            raise HTTPException(400, NUMBER_TOO_LONG) from error
        except RepeatedKey as error:
            raise HTTPException(400, error.msg) from error
        except json.JSONDecodeError as error:
            raise HTTPException(400, "Unable to parse request body as JSON") from error
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
        problem = payload_problem(
            {
                "query": request_data.query,
                "operationName": request_data.operation_name,
                "variables": request_data.variables,
                "extensions": request_data.extensions,
            }
        )
        if problem is not None:
            raise HTTPException(400, problem)
        try:
            # In a worker thread already (respond runs the whole request there).
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
        """Note a request error, which is a 400 under application/graphql-response+json,
        with no `data` entry at all (the GraphQL-over-HTTP spec's SHOULD)."""
        request.state.request_error = is_request_error(result)
        processed = await super().process_result(request, result)
        if request.state.request_error and wants_graphql_response(request):
            body = cast(dict[str, object], processed)
            body.pop("data", None)
        return processed

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
        repeated = next(
            (k for k in REQUEST_PARAMETERS if len(request.query_params.getlist(k)) > 1), None
        )
        if repeated is not None:
            # As a JSON key given twice: which one counts would be a guess.
            return error_response(
                400, f"the request repeats the parameter {repeated!r}; send each parameter once"
            )
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
            # Parsing, execution and encoding the answer all happen in a worker thread: the
            # event loop is left free for every other request (and /healthz).
            response = await in_worker(lambda: self.run(request))
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
