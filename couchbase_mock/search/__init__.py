"""The search (FTS) service of couchbase_mock.

A small full-text engine over a bucket's JSON documents, with the request and
response formats of the server's ``/api/index`` REST API:

* :mod:`.analysis` -- the standard analyzer (lower-case, split on
  non-alphanumerics);
* :mod:`.definition` -- index definitions (source bucket, type mappings);
* :mod:`.inverted` -- the inverted index, synced lazily with the bucket;
* :mod:`.query`, :mod:`.querystring`, :mod:`.scoring` -- query parsing,
  evaluation and tf-idf scoring;
* :mod:`.facets` -- term, numeric range and date range facets;
* :mod:`.request` -- one search request and its (chunked) response;
* :mod:`.service` -- the indexes of a cluster and the management operations.

The HTTP routes live in :mod:`couchbase_mock.http.fts`.
"""
from .service import SearchError, SearchService, service_for

__all__ = ["SearchError", "SearchService", "service_for"]
