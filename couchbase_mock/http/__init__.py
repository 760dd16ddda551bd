"""The HTTP side of the mock: per-node REST ports and the cluster control port.

Entry points (called by the cluster model):

* :func:`start_node_http` / :func:`stop_node_http` -- a node's mgmt, capi, n1ql,
  fts and cbas ports;
* :func:`start_control_http` -- the HTTP/JSON control port (``/mock/<command>``).
"""

from __future__ import annotations

from .control import start_control_http
from .node import set_node_http_hung, start_node_http, stop_node_http

__all__ = ["start_node_http", "stop_node_http", "set_node_http_hung", "start_control_http"]
