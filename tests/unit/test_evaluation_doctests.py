"""The evaluation modules' docstring examples run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["campaign", "families", "geography", "scoring", "stats", "summary", "thresholds"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(f"stream.evaluation.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
