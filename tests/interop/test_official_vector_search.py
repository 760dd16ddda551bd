"""Vector search: the official SDK 4.6.3 and this SDK send the same request body to the mock and get
the same hits and scores (each similarity, base64, prefilter, boost, AND/OR, with a text query)."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from couchbase.options import VectorSearchOptions
from couchbase.search import MatchQuery, SearchRequest
from couchbase.vector_search import VectorQuery, VectorQueryCombination, VectorSearch
from couchbase_mock.search.service import service_for
from support.official_sdk import mock_args, run

POINTS = {"p0": [0.0, 0.5], "p1": [1.0, 0.0], "p2": [0.5, 2.0], "p3": [3.0, 3.0], "p4": [-1.0, -1.0],
          "p5": [4.0, 2.0]}
COLOR = {"p0": "red", "p1": "blue", "p2": "red", "p3": "blue", "p4": "red", "p5": "green"}

# (index, case): each case builds a SearchRequest from these names in either SDK
CASES = {
    "l2": ("v_l2", "SearchRequest.create(VectorSearch.from_vector_query(VectorQuery('v', [1.0, 0.2])))"),
    "dot": ("v_dot", "SearchRequest.create(VectorSearch([VectorQuery('v', [1.0, 0.2], num_candidates=4)]))"),
    "cosine": ("v_cos", "SearchRequest.create(VectorSearch([VectorQuery('v', [1.0, 0.2], 2, 2.0)]))"),
    "base64": ("v_l2", "SearchRequest.create(VectorSearch([VectorQuery('v', 'AACAP83MTD4=')]))"),
    "prefilter": ("v_l2", "SearchRequest.create(VectorSearch([VectorQuery('v', [1.0, 0.2], 2, "
                          "prefilter=MatchQuery('red', field='color'))]))"),
    "and": ("v_l2", "SearchRequest.create(VectorSearch([VectorQuery('v', [1.0, 0.2], 2), "
                    "VectorQuery('v', [0.2, 1.8], 2)], VectorSearchOptions("
                    "vector_query_combination=VectorQueryCombination.AND)))"),
    "or": ("v_l2", "SearchRequest.create(VectorSearch([VectorQuery('v', [1.0, 0.2], 2), "
                   "VectorQuery('v', [0.2, 1.8], 2)], VectorSearchOptions(vector_query_combination='or')))"),
    "with_text": ("v_l2", "SearchRequest.create(MatchQuery('blue', field='color')).with_vector_search("
                          "VectorSearch.from_vector_query(VectorQuery('v', [1.0, 0.2], 2)))"),
}

OFFICIAL = """
from couchbase.options import SearchOptions, VectorSearchOptions
from couchbase.search import MatchQuery, SearchRequest
from couchbase.vector_search import VectorQuery, VectorQueryCombination, VectorSearch
out = {}
for name, (index, expr) in ARGS["cases"].items():
    result = cluster.search(index, eval(expr), SearchOptions(limit=10))
    out[name] = [[row.id, row.score] for row in result.rows()]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def vmock() -> Iterator[Any]:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.management.search import SearchIndex
    from couchbase.options import ClusterOptions
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as m:
        m.put_docs("default", {k: json.dumps({"v": v, "color": COLOR[k]}).encode()
                               for k, v in POINTS.items()})
        with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password))) as c:
            for name, sim in (("v_l2", "l2_norm"), ("v_dot", "dot_product"), ("v_cos", "cosine")):
                field = {"name": "v", "type": "vector", "dims": 2, "similarity": sim, "index": True}
                params = {"mapping": {"default_mapping": {"dynamic": True, "properties": {
                    "v": {"dynamic": False, "fields": [field]}}}}}
                c.search_indexes().upsert_index(SearchIndex(name=name, source_name="default", params=params))
        yield m


def test_official_sdk_and_ours_send_the_same_body_and_get_the_same_hits(vmock):
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.options import ClusterOptions, SearchOptions

    received = service_for(vmock.cluster).received
    received.clear()
    theirs = run(OFFICIAL, cases=CASES, **mock_args(vmock))
    their_bodies = list(received)
    received.clear()
    names = {"SearchRequest": SearchRequest, "VectorSearch": VectorSearch, "VectorQuery": VectorQuery,
             "VectorSearchOptions": VectorSearchOptions, "VectorQueryCombination": VectorQueryCombination,
             "MatchQuery": MatchQuery}
    ours = {}
    with Cluster(vmock.connstr, ClusterOptions(PasswordAuthenticator(vmock.username, vmock.password))) as c:
        for name, (index, expr) in CASES.items():
            result = c.search(index, eval(expr, names), SearchOptions(limit=10))  # noqa: S307 - our own cases
            ours[name] = [[row.id, row.score] for row in result]
    # The official SDK 4.6.3 sends knn_operator "and" for every VectorQueryCombination, OR too: its
    # Python layer passes "and"/"or" to a binding that only knows "combination_and"/"combination_or"
    # and falls back to its default, AND. So its OR search is an AND search. This SDK sends what was
    # asked; everything else is the same.
    assert theirs["or"] == theirs["and"] and ours["or"] != ours["and"]
    assert [b.get("knn_operator") for b in their_bodies] == [None] * 5 + ["and", "and", None]
    assert {k: v for k, v in ours.items() if k != "or"} == {k: v for k, v in theirs.items() if k != "or"}
    assert ours["l2"] == [["p1", pytest.approx(1 / 0.04)], ["p0", pytest.approx(1 / 1.09)],
                          ["p2", pytest.approx(1 / 3.49)]]
    our_bodies = list(received)

    def comparable(body: Any) -> Any:
        # not part of the comparison: the timeout (each SDK's default), the index name libcouchbase's
        # request carries, and the defaults the 4.x core always spells out (explain, showrequest false)
        body = {k: v for k, v in body.items() if k not in ("indexName", "explain", "showrequest")}
        body["ctl"] = {k: v for k, v in (body.get("ctl") or {}).items() if k != "timeout"}
        return {k: v for k, v in body.items() if v != {}}

    assert our_bodies[6]["knn_operator"] == "or"
    their_bodies[6]["knn_operator"] = "or"  # as above
    assert [comparable(b) for b in our_bodies] == [comparable(b) for b in their_bodies]
    assert all(b["explain"] is False and b["showrequest"] is False for b in their_bodies)


REFUSED = """
from couchbase.exceptions import FeatureUnavailableException
from couchbase.search import SearchRequest
from couchbase.vector_search import VectorQuery, VectorSearch
try:
    request = SearchRequest.create(VectorSearch.from_vector_query(VectorQuery('v', [1.0, 0.2])))
    list(cluster.search('plain', request).rows())  # rows() runs the request when iterated
    out = 'sent'
except FeatureUnavailableException as exc:
    out = type(exc).__name__
print(json.dumps(out))
"""


def test_official_sdk_refuses_vector_search_on_a_mock_before_7_6():
    """The capability the mock advertises (or not) drives the official SDK's own check too."""
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"], server_version="7.0.0") as old:
        old.create_search_index("plain", "default")
        assert run(REFUSED, **mock_args(old)) == "FeatureUnavailableException"
        assert list(service_for(old.cluster).received) == []  # refused before sending
    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as new:
        new.create_search_index("plain", "default")
        assert run(REFUSED, **mock_args(new)) == "sent"
