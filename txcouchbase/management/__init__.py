"""Management APIs of txcouchbase (the official SDK's import paths).

The managers are the core's (:mod:`couchbase.management`): obtained from a txcouchbase
cluster, bucket, scope or collection, their methods return Deferreds (TxCluster) or
AsyncResults (TxRawCluster).
"""
