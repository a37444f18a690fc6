"""System test: the load benchmark in short (a few seconds), on SQLite and PostgreSQL: many
beneficiaries answering at once through ``bilan serve``, and no acknowledged answer lost."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from storekit import require_postgres

pytestmark = pytest.mark.system

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def test_beneficiaries_answering_at_once_lose_no_answer():
    require_postgres()
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import web_load
    finally:
        sys.path.remove(str(BENCHMARKS))
    rows = web_load.run(24, 3.0, postgres=True)
    assert [row["store"] for row in rows] == ["SQLite", "PostgreSQL"]
    for row in rows:
        assert row["answers"] > 24, row  # every beneficiary answered, more than once
        assert row["lost"] == 0, row
        assert row["bare_requests"] > 0 and row["p95_ms"] >= row["median_ms"] > 0
