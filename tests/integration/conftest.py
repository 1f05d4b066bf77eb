"""Fixtures shared by the integration tests."""
from tests.integration.ivr_support import start_ivr  # noqa: F401 (a fixture: pytest finds it here)
