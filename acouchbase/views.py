"""``acouchbase.views`` (SDK 4.x module path): the class of what ``bucket.view_query()`` returns on
acouchbase (rows with ``async for``; also a :class:`couchbase.views.ViewResult`)."""
from acouchbase.cluster import AViewResult

#: The class of acouchbase's view results.
AsyncViewRequest = AViewResult

__all__ = ["AsyncViewRequest"]
