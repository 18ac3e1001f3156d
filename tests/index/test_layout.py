"""The cost model's plans always satisfy the pigeonhole condition; layouts fit the budget."""

from __future__ import annotations

import numpy as np
import pytest

from consentry.index.codec import HASH_BITS
from consentry.index.kernels import MAX_SEGMENT_ROWS
from consentry.index.layout import (
    MIN_MIH_ROWS,
    TABLE_BYTES_FLOOR,
    TABLE_BYTES_PER_HASH,
    Layout,
    ball_size,
    choose_layout,
    even_widths,
    plan_probe_radii,
)


@pytest.mark.parametrize("rows", [10_000, 100_000, 1_000_000, 10_000_000])
def test_chosen_layouts_are_disjoint_and_within_budget(rows):
    layout = choose_layout(rows)
    assert layout is not None
    assert sum(layout.widths) <= HASH_BITS
    assert layout.table_bytes(rows) <= max(TABLE_BYTES_PER_HASH * rows, TABLE_BYTES_FLOOR)
    masks = layout.masks()
    assert int(np.bitwise_count(masks).sum()) == sum(layout.widths)
    combined = np.zeros(4, np.uint64)
    for row in masks:
        assert not np.any(combined & row)
        combined |= row


def test_tiny_segments_are_scanned():
    assert choose_layout(10) is None
    assert choose_layout(MIN_MIH_ROWS - 1) is None
    with pytest.raises(ValueError):
        choose_layout(MAX_SEGMENT_ROWS + 1)


@pytest.mark.parametrize("rows", [10_000, 10_000_000])
@pytest.mark.parametrize("radius", [0, 1, 15, 31, 47, 64])
def test_plans_satisfy_the_pigeonhole_condition(rows, radius):
    for layout in (choose_layout(rows), Layout((16,) * 16), Layout((9,) * 8)):
        radii, cost = plan_probe_radii(layout, rows, radius)
        if cost == float("inf"):
            assert sum(min(w, 1 + w) for w in layout.widths) < radius + 1
            continue
        assert sum(t + 1 for t in radii) >= radius + 1
        assert all(-1 <= t <= w for t, w in zip(radii, layout.widths, strict=True))


def test_ball_size():
    assert ball_size(16, -1) == 0
    assert ball_size(16, 0) == 1
    assert ball_size(16, 1) == 17
    assert ball_size(21, 2) == 1 + 21 + 210
    assert ball_size(4, 9) == 16


def test_even_widths():
    assert even_widths(12, 24) == (22,) * 4 + (21,) * 8
    assert even_widths(8, 24) == (24,) * 8
    assert sum(even_widths(16, 24)) == 256
