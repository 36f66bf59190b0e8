"""bench/idp_load.py --versus-python: a second IdP of ours takes the peer's place.

Only the flags and the labels are checked here; the servers are started by the bench itself
(bench/README.md), and its speed is never asserted.
"""

from __future__ import annotations

import pytest

from bench.idp_load import describe, parse_args, twin

OTHER = "bench/.cpython/venv/bin/python"


def test_versus_python_drives_two_of_ours_and_no_peer():
    args = parse_args(["--versus-python", OTHER, "--no-peer"])
    assert twin(args)
    assert not args.no_peer and not args.no_ours  # both sides are needed to compare


def test_each_side_is_labelled_with_the_python_that_serves_it():
    args = parse_args(["--versus-python", OTHER, "--server-python", "/usr/bin/python3"])
    assert "on /usr/bin/python3," in describe(args, "ours")
    assert f"on {OTHER}," in describe(args, "peer")


def test_without_it_the_peer_is_the_certified_one():
    args = parse_args([])
    assert not twin(args)
    assert describe(args, "peer").startswith("oidc-provider")


def test_it_cannot_be_combined_with_the_metrics_comparison(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--versus-python", OTHER, "--metrics-compare"])
    assert "both take the peer's place" in capsys.readouterr().err
