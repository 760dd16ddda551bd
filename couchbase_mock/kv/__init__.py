"""The memcached binary protocol side of the mock (KV ports)."""
