"""Management APIs of acouchbase (the official SDK's import paths).

The managers are the core's (:mod:`couchbase.management`): obtained from a acouchbase
cluster, bucket, scope or collection, their methods return awaitables (asyncio futures).
"""
