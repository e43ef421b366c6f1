"""mylib's CI oracle: every function mylib maps onto the catalogue must satisfy
every property gradoracle checks for that formula."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import gradoracle
from mylib import nn
from mylib_gradoracle import FORMULAS


@pytest.mark.parametrize("formula_id", sorted(FORMULAS))
def test_matches_the_catalogue(formula_id: str) -> None:
    # Raises AssertionError with gradoracle's report: which property failed,
    # expected vs got, and the minimal input Hypothesis found.
    gradoracle.assert_formula(formula_id, FORMULAS[formula_id])


def test_every_mapped_id_is_in_the_catalogue() -> None:
    assert set(FORMULAS) <= set(gradoracle.formulas())


@given(gradoracle.strategies("softmax.forward"))
def test_log_softmax_is_the_log_of_softmax(args: tuple) -> None:
    # gradoracle's input strategies serve mylib's own properties too: here the
    # catalogue's logits (up to ±1e4, batches of rows) for a function the
    # catalogue does not cover.
    (z,) = args
    np.testing.assert_allclose(np.exp(nn.log_softmax(z)), nn.softmax(z), rtol=1e-9, atol=1e-15)
