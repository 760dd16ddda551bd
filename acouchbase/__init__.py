"""asyncio front end of couchbase-cffi: ``from acouchbase.cluster import Cluster``.

Every operation returns an awaitable (an asyncio future resolved from the
libcouchbase callback on the loop thread; no threads involved). Works on the
default event loop and on uvloop; it uses the running loop and never creates,
replaces or closes it.
"""

from acouchbase.cluster import get_event_loop  # noqa: E402,F401  (SDK 4.x: ``from acouchbase import get_event_loop``)
