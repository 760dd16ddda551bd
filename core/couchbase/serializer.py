"""JSON serializers (SDK 4.x module ``couchbase.serializer``).

``ClusterOptions(serializer=MySerializer())`` or ``JSONTranscoder(serializer=...)``: any object
with ``serialize(obj) -> bytes`` and ``deserialize(bytes) -> obj``. Defined in
:mod:`couchbase.transcoder`, re-exported here under the 4.x module name.
"""
from couchbase.transcoder import DefaultJsonSerializer, Serializer

__all__ = ["DefaultJsonSerializer", "Serializer"]
