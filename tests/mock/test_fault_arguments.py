"""Fault-injection controls refuse arguments that would make them silent no-ops."""
from __future__ import annotations

import pytest

from couchbase_mock import MockCluster


@pytest.fixture(scope="module")
def solo():
    with MockCluster(nodes=1, http=False, control_port=None) as mock:
        yield mock


@pytest.mark.parametrize("kwargs, wrong", [
    ({"status": 0x86, "count": 0}, "count"),
    ({"status": 0x86, "count": -1}, "count"),
    ({"status": 0x86, "count": "2"}, "count"),
    ({"status": 0x10000}, "status"),
    ({"status": -1}, "status"),
    ({"status": 0x86, "node": 3}, "node"),
])
def test_inject_error_refuses(solo, kwargs, wrong):
    before = solo.info()["injected_pending"]
    with pytest.raises(ValueError, match=wrong):
        solo.inject_error(**kwargs)
    assert solo.info()["injected_pending"] == before


@pytest.mark.parametrize("kwargs, wrong", [
    ({"mode": "truncate", "count": 0}, "count"),
    ({"mode": "corrupt", "count": 1.5}, "count"),
    ({"mode": "explode"}, "mode"),
    ({"mode": "truncate", "node": 2}, "node"),
])
def test_chaos_refuses(solo, kwargs, wrong):
    before = solo.info()["chaos_pending"]
    with pytest.raises(ValueError, match=wrong):
        solo.chaos(**kwargs)
    assert solo.info()["chaos_pending"] == before


def test_valid_rules_are_pending(solo):
    before = solo.info()
    solo.inject_error(0x86, opcode=0x00, count=2, node=0)
    solo.chaos("truncate", count=3)
    after = solo.info()
    assert after["injected_pending"] - before["injected_pending"] == 2
    assert after["chaos_pending"] - before["chaos_pending"] == 3
