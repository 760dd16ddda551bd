"""Format flags under the module name older code imports them from (``couchbase.constants``)."""
from couchbase.transcoder import FMT_AUTO, FMT_BYTES, FMT_JSON, FMT_PICKLE, FMT_UTF8

__all__ = ["FMT_AUTO", "FMT_BYTES", "FMT_JSON", "FMT_PICKLE", "FMT_UTF8"]
