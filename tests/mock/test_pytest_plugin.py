"""The pytest plugin's fixtures, as a project that installed couchbase-cffi would use them."""
from __future__ import annotations

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions


def test_plugin_fixtures(couchbase_mock_cluster, couchbase_connstr):
    assert couchbase_connstr == couchbase_mock_cluster.connstr
    with Cluster(couchbase_connstr, ClusterOptions(PasswordAuthenticator("Administrator", "password"))) as c:
        coll = c.bucket("default").default_collection()
        coll.upsert("plugin", {"ok": True})
        assert couchbase_mock_cluster.get_doc("default", "plugin")["value"] == b'{"ok":true}'
