"""A SQL++ (N1QL) engine for couchbase_mock's query and analytics services.

Statements are parsed (:mod:`.parser`) into a tree (:mod:`.nodes`) and run
over the documents in the mock's bucket stores (:mod:`.engine`,
:mod:`.evaluator`, :mod:`.functions`, :mod:`.keyspace`; joins, nests, unnests
and the scopes of subqueries in :mod:`.from_clause`); :mod:`.service`
turns HTTP requests into the server's streamed JSON responses. Nothing is
canned: results come from the stored documents, and DML writes go through
the same store bookkeeping (CAS, sequence numbers) as KV mutations.
"""
from couchbase_mock.query.engine import QueryService, service_for
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.parser import parse

__all__ = ["QueryService", "QueryError", "parse", "service_for"]
