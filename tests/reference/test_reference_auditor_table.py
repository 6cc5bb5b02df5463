"""The auditor table on the reference ledger: the JSON points equal the typed ones and the
SQL-built JSON the benchmark measures against."""

from __future__ import annotations

import json
import sqlite3

from starlette.testclient import TestClient

from benchmarks.auditor_table import QUERY, TYPED_QUERY, table_from_sql
from cityledger.bootstrap import Runtime
from graphql_api.app import create_app
from graphql_api.tokens import create_token


def test_the_auditor_table_is_the_same_json_as_built_from_sql(loaded: Runtime) -> None:
    token = create_token(loaded.db, "auditor", "reference-auditor")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(loaded, follow=False)) as client:
        flat = client.post("/graphql", json={"query": QUERY}, headers=headers).json()
        typed = client.post("/graphql", json={"query": TYPED_QUERY}, headers=headers).json()
    conn = sqlite3.connect(loaded.db.conn.execute("PRAGMA database_list").fetchone()[2])
    try:
        from_sql = json.loads(table_from_sql(conn))
        typed_from_sql = json.loads(table_from_sql(conn, "indicatorScores"))
    finally:
        conn.close()

    assert len(flat["data"]["rankings"]["rows"]) == 144
    assert flat == from_sql
    assert typed == typed_from_sql
    rows = zip(flat["data"]["rankings"]["rows"], typed["data"]["rankings"]["rows"], strict=True)
    for row, typed_row in rows:
        assert row["indicatorPoints"] == typed_row["indicatorScores"]
