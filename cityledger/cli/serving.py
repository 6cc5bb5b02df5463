"""The API: `serve` it, manage its bearer `token`s, print its GraphQL `schema`.

The web stack is imported only by these commands, so that every other command starts fast.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from typing import TYPE_CHECKING, Any

from cityledger.cli.arguments import OneLineParser, add_format, bounded, parse_instant
from ledger.errors import InvalidInput

if TYPE_CHECKING:
    from cityledger.bootstrap import Runtime


def cmd_serve(rt: None, a: argparse.Namespace) -> None:
    """Serve the GraphQL API with uvicorn."""
    from cityledger.bootstrap import open_runtime
    from graphql_api.app import create_app
    from graphql_api.serving import serve

    # Before the ledger is opened: a start that replays read models first is not wasted.
    listenable(a.host, a.port)
    runtime = open_runtime(a.db)
    try:
        runtime.catch_up()
        app = create_app(runtime, body_timeout=a.body_timeout)
        serve(app, a.host, a.port, header_timeout=a.header_timeout)
    finally:
        runtime.close()


def listenable(host: str, port: int) -> None:
    """Refuse, in one line, a host and port the server could not listen on (the port taken
    by another server, an address not of this machine), by binding them as uvicorn will."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise InvalidInput(
            f"--host {host!r} is not an address of this machine: {error.strerror}",
            field="host",
            value=host,
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            raise InvalidInput(
                f"cannot listen on {host}:{port}: {error.strerror} (another server there? "
                "stop it or choose another --port)",
                field="port",
                value=port,
            ) from None


def cmd_token(rt: Runtime, a: argparse.Namespace) -> None:
    """Create a bearer token; it is printed once and only its hash is stored."""
    from graphql_api.tokens import create_token

    rt.catch_up()
    languages = [x.strip() for x in a.languages.split(",")] if a.languages else None
    panelist = (a.weight_set, a.panelist) if a.panelist else None
    expires = parse_instant(a.expires, "expires") if a.expires else None
    print(
        create_token(
            rt.db,
            a.role,
            a.name,
            languages=languages,
            city_id=a.city,
            panelist=panelist,
            expires=expires,
        )
    )


def cmd_token_list(rt: Runtime, a: argparse.Namespace) -> None:
    """List tokens: id, role, name, binding, status and times; never a secret or hash."""
    from dataclasses import asdict

    from graphql_api.tokens import list_tokens

    listed = list_tokens(rt.db)
    if a.format == "json":
        rows = [{**asdict(t), "status": t.status} for t in listed]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    header = ("ID", "ROLE", "NAME", "BINDING", "STATUS", "CREATED", "EXPIRES", "LAST USED")
    lines = [header] + [
        (t.token_id, t.role, t.name, t.binding or "-", t.status, t.created_at,
         t.expires_at or "-", t.last_used_at or "never")
        for t in listed
    ]  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def cmd_token_revoke(rt: Runtime, a: argparse.Namespace) -> None:
    """Revoke every live token of a name (or the one --id names); effective at once."""
    from graphql_api.tokens import revoke_tokens

    for token_id in revoke_tokens(rt.db, a.name, a.id):
        print(f"revoked {token_id} ({a.name})")


def cmd_schema(rt: Runtime | None, a: argparse.Namespace) -> None:
    """Print the GraphQL SDL."""
    from graphql_api.schema import export_sdl

    sys.stdout.write(export_sdl())


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    """`serve`, `token create|list|revoke` and `schema`."""
    serve = sub.add_parser("serve", help="serve the web page, GraphQL API and GraphiQL")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    serve.add_argument("--port", type=bounded(1, 65535), default=8000, help="TCP port")
    serve.add_argument(
        "--header-timeout", type=bounded(1, 3600), default=10, help="seconds for request headers"
    )
    serve.add_argument(
        "--body-timeout", type=bounded(1, 3600), default=30, help="seconds for a request body"
    )
    serve.set_defaults(func=cmd_serve, opens=None)

    token = sub.add_parser("token", help="manage API tokens")
    token_sub = token.add_subparsers(dest="action", required=True, parser_class=OneLineParser)
    create = token_sub.add_parser("create", help="create a bearer token")
    create.add_argument(
        "--role", required=True,
        help="anonymous, researcher, verifier, panelist, city, auditor or editor",
    )  # fmt: skip
    create.add_argument("--name", required=True, help="the holder's name or acting id")
    create.add_argument("--languages", help="verifier: languages read, comma-separated")
    create.add_argument("--city", help="city role: the city id the token acts for")
    create.add_argument("--weight-set", help="panelist: the weight set")
    create.add_argument("--panelist", help="panelist: the panelist id")
    create.add_argument("--expires", help="expiry: an ISO-8601 instant with a UTC offset")
    create.set_defaults(func=cmd_token, reads=True)  # a token binds to an existing ledger
    listing = token_sub.add_parser("list", help="list tokens (never their secrets)")
    add_format(listing, "table", "json", default="table")
    listing.set_defaults(func=cmd_token_list, reads=True)
    revoke = token_sub.add_parser("revoke", help="revoke a name's tokens, effective at once")
    revoke.add_argument("name", help="the holder's name (see token list)")
    revoke.add_argument("--id", help="revoke only the token with this id (see token list)")
    revoke.set_defaults(func=cmd_token_revoke, reads=True)

    schema = sub.add_parser("schema", help="print the GraphQL SDL")
    schema.set_defaults(func=cmd_schema, opens=None)
