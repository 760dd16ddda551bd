"""Management APIs (design documents)."""
