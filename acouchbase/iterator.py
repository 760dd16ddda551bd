"""Result classes of the asyncio front end (3.x reference names).

``AQueryResult``, ``AAnalyticsResult``, ``ASearchResult`` and ``AViewResult`` are what
``cluster.query``, ``analytics_query``, ``search_query``/``search`` and
``bucket.view_query`` return (one class, :class:`~acouchbase.cluster.AsyncRowsResult`,
under the four names): ``async for row in result`` inside the loop, a plain ``for``
outside it (the loop then runs until every row is in), ``await result.execute()`` for a
list, ``metadata()`` afterwards. ``bucket.view_query(..., itercls=MyViewResult)`` takes a
subclass.
"""
from __future__ import annotations

from acouchbase.cluster import AAnalyticsResult, AQueryResult, ASearchResult, AsyncRowsResult, AViewResult

__all__ = ["AQueryResult", "AAnalyticsResult", "ASearchResult", "AViewResult", "AsyncRowsResult"]
