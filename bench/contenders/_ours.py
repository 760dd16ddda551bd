"""Shared setup for this SDK's contenders: connection options from the spec."""
from __future__ import annotations

from typing import Any, Dict

from couchbase.auth import PasswordAuthenticator
from couchbase.options import ClusterOptions


def options(spec: Dict[str, Any]) -> ClusterOptions:
    return ClusterOptions(PasswordAuthenticator(spec["username"], spec["password"]))
