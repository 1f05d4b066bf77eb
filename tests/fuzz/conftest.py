"""Property-based fuzzing of every edge that reads input from outside (issue 11): AMI, FastAGI, the
websocket protocol, HTTP forms, CSV import.

CI runs each property with a bounded budget (profile ``ci``: 150 examples, derandomised so a red run
replays the same inputs). A long campaign runs the same properties with a large budget:

    CC_FUZZ_PROFILE=campaign CC_FUZZ_EXAMPLES=20000 python -m pytest tests/fuzz -p no:cacheprovider

Hypothesis prints the failing example, shrunk; add it with ``@example(...)`` to keep it in the suite.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

FUZZ_DIR = Path(__file__).parent

settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("campaign", max_examples=int(os.environ.get("CC_FUZZ_EXAMPLES", "20000")),
                          deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("CC_FUZZ_PROFILE", "ci"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if FUZZ_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.fuzz)
