"""Shared setup for this SDK's contenders: connection options from the spec."""
from __future__ import annotations

from typing import Any, Dict

from couchbase.auth import PasswordAuthenticator
from couchbase.options import ClusterOptions


def notrace(spec: Dict[str, Any]) -> bool:
    """True for a ``…-notrace`` variant: libcouchbase's tracer and metrics off (like the
    official SDK's ``-notrace`` contenders)."""
    return str(spec.get("variant") or "").endswith("notrace")


def base_variant(spec: Dict[str, Any]) -> str:
    """The variant without its ``-notrace`` suffix (``uvloop``, ``raw``, ...)."""
    variant = str(spec.get("variant") or "")
    return (variant[: -len("-notrace")] if variant.endswith("-notrace")
            else ("" if variant == "notrace" else variant))


def options(spec: Dict[str, Any]) -> ClusterOptions:
    extra = {"enable_tracing": False, "enable_metrics": False} if notrace(spec) else {}
    return ClusterOptions(PasswordAuthenticator(spec["username"], spec["password"]), **extra)
