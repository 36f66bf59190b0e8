"""bench/idp_load.py --rounds: how one scenario's rounds become one row of the table.

The speed itself is never asserted here (bench/README.md); only the arithmetic that turns
rounds into figures: each side's median, the paired ratios and what a failed round does.
"""

from __future__ import annotations

import pytest

from bench.idp_load import combine, rounds_lines, table


def result(ops, p99, cpu, errors=0):
    return {
        "ops_per_s": ops,
        "p50_ms": p99 / 2,
        "p95_ms": p99 * 0.9,
        "p99_ms": p99,
        "server_cpu_ms_per_op": cpu,
        "errors": errors,
    }


def test_ratios_are_the_median_of_each_rounds_pair_not_a_ratio_of_medians():
    # a slow spell in round 2 slows both sides: the pair cancels it, the medians do not
    runs = [
        (result(60, 400, 30), result(62, 380, 28)),
        (result(30, 800, 60), result(40, 600, 45)),
        (result(58, 420, 31), result(60, 390, 29)),
    ]
    ours, peer, paired = combine(runs)
    assert ours["ops_per_s"] == 58 and peer["ops_per_s"] == 60
    assert paired["ops_per_s"]["rounds"] == pytest.approx([60 / 62, 30 / 40, 58 / 60])
    assert paired["ops_per_s"]["median"] == pytest.approx(58 / 60)
    assert paired["p99_ms"]["median"] == pytest.approx(420 / 390)
    assert paired["server_cpu_ms_per_op"]["median"] == pytest.approx(30 / 28)


def test_a_round_that_failed_on_one_side_leaves_the_pairs_but_counts_for_the_other_side():
    runs = [
        (result(60, 400, 30, errors=1), result(62, 380, 28)),
        (result(50, 500, 35, errors=2), None),  # the peer's driver exited non-zero
    ]
    ours, peer, paired = combine(runs)
    assert ours["ops_per_s"] == 55 and ours["errors"] == 3
    assert peer["ops_per_s"] == 62
    assert paired["ops_per_s"]["rounds"] == [60 / 62]


def test_no_peer_gives_our_figures_and_no_ratio():
    ours, peer, paired = combine([(result(60, 400, 30), None), (result(40, 400, 30), None)])
    assert ours["ops_per_s"] == 50 and peer is None and paired == {}
    assert combine([(None, None)]) == (None, None, {})


def test_the_table_shows_the_paired_median_and_the_rounds_line_each_round():
    runs = [(result(60, 400, 30), result(62, 380, 28)), (result(30, 800, 60), result(40, 600, 45))]
    rows = [("login", *combine(runs)), ("cc", *combine([(result(10, 1, 1), None)]))]
    text = table(rows)
    login = next(line for line in text.splitlines() if line.startswith("login"))
    assert f"{(60 / 62 + 30 / 40) / 2:5.2f}" in login  # median of two pairs, not 45 / 51
    assert f"{45 / 51:5.2f}" not in login
    (line,) = rounds_lines(rows)
    assert line.split()[:1] == ["login"] and "0.97 0.75" in line and "1.05 1.33" in line
