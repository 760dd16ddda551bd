"""Client-side durability (``persist_to``/``replicate_to``) and ``observe()``.

libcouchbase polls durability itself only for store commands. For remove,
counters and sub-document mutations we poll here, from the mutation token,
with raw OBSERVE_SEQNO packets (``lcb_pktfwd3``, a public primitive) sent to
the vBucket's active node and each replica, until enough copies report the
mutation's sequence number as replicated / persisted, or the durability
timeout passes. ``observe(key)`` sends raw OBSERVE packets the same way.

This module only schedules rounds and judges replies; *waiting between
rounds* belongs to the front end (the blocking one sleeps with the GIL
released; async front ends use their loop's timer), see
:func:`poll_until_durable` for the blocking driver. A :class:`Round` is a
:class:`~couchbase._pending.Pending` whose result is its list of replies.
"""
from __future__ import annotations

import struct
import time
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple

from couchbase._binding import ffi, lib
from couchbase._pending import Pending
from couchbase.exceptions import exception_for

if TYPE_CHECKING:
    from couchbase._instance import Connection

LCB_ERR_TIMEOUT = 201
LCB_ERR_MUTATION_LOST = 312
LCB_ERR_DURABILITY_TOO_MANY = 1032
LCB_ERR_NO_CONFIGURATION = 1016

_SEQNO = struct.Struct(">BHQQQ")
_SEQNO_FAILOVER = struct.Struct(">QQ")

OBSERVE_STATES = {0x00: "found", 0x01: "persisted", 0x80: "not_found", 0x81: "logically_deleted"}


class RawReply:
    """One raw reply (or its absence) from one server."""

    __slots__ = ("server", "rc", "status", "body", "cas")

    def __init__(self, server: int) -> None:
        self.server = server
        self.rc = -1
        self.status = 0
        self.body = b""
        self.cas = 0


class Round(Pending):
    """One fan-out of raw packets; completes (result: the replies) when every server has answered."""

    __slots__ = ("replies", "remaining")

    def __init__(self) -> None:
        super().__init__()
        self.replies: List[RawReply] = []
        self.remaining = 0

    def _one_done(self) -> None:
        self.remaining -= 1
        if self.remaining == 0:
            self._resolve(self.replies)

    def describe(self) -> str:
        return "an observe round"


class _RawOp:
    """Pending-registry entry for one raw packet of a round."""

    __slots__ = ("reply", "round", "done", "cookie")

    def __init__(self, reply: RawReply, rnd: Round) -> None:
        self.reply = reply
        self.round = rnd
        self.done = False
        self.cookie = 0

    def _complete(self, resp: Any) -> None:
        if self.done:
            return
        reply = self.reply
        reply.rc = resp.rc
        reply.status = resp.kv_status
        reply.cas = resp.cas
        reply.body = ffi.buffer(resp.value, resp.nvalue)[:] if resp.nvalue else b""
        self._finish()

    def _fail(self, exc: BaseException) -> None:
        if not self.done:
            self.reply.rc = getattr(exc, "rc", None) or -1
            self._finish()

    def _finish(self) -> None:
        self.done = True
        self.round._one_done()

    def describe(self) -> str:
        return "an observe packet"


def servers_for(conn: "Connection", vbid: int) -> Tuple[int, List[int]]:
    """(number of configured replicas, [active, replica1, ...] server indexes; -1 = none)."""
    out = ffi.new("int[4]")
    nrep = lib.pycb_vb_servers(conn.instance, vbid, out, 4)
    if nrep < 0:
        raise exception_for(LCB_ERR_NO_CONFIGURATION, "no cluster configuration to route observe requests")
    return nrep, [out[i] for i in range(1 + min(nrep, 3))]


def requirements(nreplicas: int, servers: List[int], persist_to: int, replicate_to: int) -> Tuple[int, int]:
    """Resolve negative ("all available") requirements and check they can be met."""
    live = [s for s in servers if s >= 0]
    if persist_to < 0:
        persist_to = len(live)
    if replicate_to < 0:
        replicate_to = max(0, len(live) - 1)
    if replicate_to > nreplicas or persist_to > nreplicas + 1:
        raise exception_for(
            LCB_ERR_DURABILITY_TOO_MANY,
            f"persist_to={persist_to}/replicate_to={replicate_to} needs more copies than the bucket's "
            f"{nreplicas} replica(s) allow",
        )
    return persist_to, replicate_to


def _fan_out(conn: "Connection", servers: List[int], send: Callable[[int, int], int]) -> Round:
    """Send one raw packet per live server (``send(cookie, server) -> rc``) in one schedule context."""
    rnd = Round()
    conn.sched_enter()  # raw packets are only flushed by an explicit schedule context
    for server in servers:
        reply = RawReply(server)
        rnd.replies.append(reply)
        if server < 0:
            continue
        raw = _RawOp(reply, rnd)
        cookie = conn.register(raw)
        rnd.remaining += 1
        rc = send(cookie, server)
        if rc:  # that server is counted as not answering; the round goes on with the others
            conn.unregister(raw)
            rnd.remaining -= 1
            reply.rc = rc
    conn.sched_leave()
    if rnd.remaining == 0:
        rnd._resolve(rnd.replies)
    return rnd


def schedule_seqno_round(conn: "Connection", vbid: int, vbuuid: int, servers: List[int]) -> Round:
    """Send OBSERVE_SEQNO to each live server of the vBucket."""
    return _fan_out(conn, servers,
                    lambda cookie, server: lib.pycb_observe_seqno(conn.instance, cookie, server, vbid,
                                                                  vbuuid))


def judge(rnd: Round, seqno: int, persist_to: int, replicate_to: int) -> bool:
    """True once enough copies hold the mutation; raises MutationLost on a failover that lost it."""
    persisted = replicated = 0
    for i, reply in enumerate(rnd.replies):
        if reply.rc != 0 or reply.status != 0 or len(reply.body) < _SEQNO.size:
            continue
        fmt, _vb, _uuid, persisted_seqno, current_seqno = _SEQNO.unpack_from(reply.body)
        if fmt == 1 and len(reply.body) >= _SEQNO.size + _SEQNO_FAILOVER.size:
            _old_uuid, old_seqno = _SEQNO_FAILOVER.unpack_from(reply.body, _SEQNO.size)
            if old_seqno < seqno:
                raise exception_for(LCB_ERR_MUTATION_LOST, "the mutation was lost in a failover")
        if persisted_seqno >= seqno:
            persisted += 1
        if i > 0 and current_seqno >= seqno:
            replicated += 1
    return persisted >= persist_to and replicated >= replicate_to


def poll_until_durable(conn: "Connection", token: Any, persist_to: int, replicate_to: int,
                       timeout: Optional[float] = None) -> None:
    """Blocking driver: poll rounds until durable, MutationLost, or TimeoutException.

    ``conn`` must be locked by the caller (the blocking front end holds its lock).
    """
    if token is None:
        raise exception_for(LCB_ERR_DURABILITY_TOO_MANY,
                            "observe-based durability needs mutation tokens (enable_mutation_tokens)")
    vbid, vbuuid, seqno = token.partition_id, token.partition_uuid, token.sequence_number
    interval = max(0.001, lib.lcb_cntl_getu32(conn.instance, lib.LCB_CNTL_DURABILITY_INTERVAL) / 1e6)
    if timeout is None:
        timeout = lib.lcb_cntl_getu32(conn.instance, lib.LCB_CNTL_DURABILITY_TIMEOUT) / 1e6
    deadline = time.monotonic() + timeout
    nrep, servers = servers_for(conn, vbid)
    persist_to, replicate_to = requirements(nrep, servers, persist_to, replicate_to)
    while True:
        rnd = schedule_seqno_round(conn, vbid, vbuuid, servers)
        conn.wait_op(rnd)
        if judge(rnd, seqno, persist_to, replicate_to):
            return
        if time.monotonic() + interval > deadline:
            raise exception_for(LCB_ERR_TIMEOUT, f"durability (persist_to={persist_to}, "
                                                 f"replicate_to={replicate_to}) not reached within "
                                                 f"{timeout:.2f}s")
        time.sleep(interval)
        nrep, servers = servers_for(conn, vbid)


def poll_async(conn: "Connection", token: Any, persist_to: int, replicate_to: int,
               call_later: Callable[[float, Callable[[], Any]], Any],
               done: Callable[[Optional[BaseException]], Any]) -> None:
    """Event-loop driver: the same rounds as :func:`poll_until_durable`, with
    ``call_later(delay, fn)`` between them; ``done(None)`` once durable, else
    ``done(exception)`` (MutationLost, DurabilityImpossible, Timeout)."""
    try:
        if token is None:
            raise exception_for(LCB_ERR_DURABILITY_TOO_MANY,
                                "observe-based durability needs mutation tokens (enable_mutation_tokens)")
        vbid, vbuuid, seqno = token.partition_id, token.partition_uuid, token.sequence_number
        interval = max(0.001, lib.lcb_cntl_getu32(conn.instance, lib.LCB_CNTL_DURABILITY_INTERVAL) / 1e6)
        timeout = lib.lcb_cntl_getu32(conn.instance, lib.LCB_CNTL_DURABILITY_TIMEOUT) / 1e6
        nrep, servers = servers_for(conn, vbid)
        persist_to, replicate_to = requirements(nrep, servers, persist_to, replicate_to)
    except BaseException as exc:  # noqa: BLE001 - reported through done()
        done(exc)
        return
    deadline = time.monotonic() + timeout

    def send_round() -> None:
        try:
            _nrep, now_servers = servers_for(conn, vbid)
            rnd = schedule_seqno_round(conn, vbid, vbuuid, now_servers)
        except BaseException as exc:  # noqa: BLE001
            done(exc)
            return
        if rnd.done:
            judged(rnd)
        else:
            rnd.on_done = judged

    def judged(rnd: Round) -> None:
        try:
            durable = judge(rnd, seqno, persist_to, replicate_to)
        except BaseException as exc:  # noqa: BLE001
            done(exc)
            return
        if durable:
            done(None)
        elif time.monotonic() + interval > deadline:
            done(exception_for(LCB_ERR_TIMEOUT, f"durability (persist_to={persist_to}, "
                                                f"replicate_to={replicate_to})"
                                                f" not reached within {timeout:.2f}s"))
        else:
            call_later(interval, send_round)

    send_round()


class ObserveInfo:
    """One server's view of a key (from ``observe``)."""

    __slots__ = ("state", "cas", "from_master", "server")

    def __init__(self, state: str, cas: int, from_master: bool, server: int) -> None:
        self.state = state
        self.cas = cas
        self.from_master = from_master
        self.server = server

    @property
    def persisted(self) -> bool:
        return self.state == "persisted"

    def __repr__(self) -> str:
        return f"ObserveInfo(state={self.state!r}, cas={self.cas}, from_master={self.from_master})"


def schedule_observe(conn: "Connection", key: bytes, master_only: bool) -> Round:
    """OBSERVE ``key`` (its wire bytes) on its active node (and replicas unless master_only);
    the round's result goes to :func:`observe_results`. Only for the default collection: on a
    connection with collections, the key carries the default collection's id (0)."""
    wire_key = b"\x00" + key if lib.lcb_cntl_getu32(conn.instance, lib.LCB_CNTL_ENABLE_COLLECTIONS) else key
    vbid = lib.pycb_key_vbucket(conn.instance, key, len(key))
    if vbid < 0:
        raise exception_for(LCB_ERR_NO_CONFIGURATION, "no cluster configuration to route observe")
    _nrep, servers = servers_for(conn, vbid)
    if master_only:
        servers = servers[:1]
    return _fan_out(conn, servers, lambda cookie, server: lib.pycb_observe_key(
        conn.instance, cookie, server, vbid, wire_key, len(wire_key)))


def observe_results(replies: List[RawReply]) -> List[ObserveInfo]:
    """Decode OBSERVE replies: ``vb u16, klen u16, key, state u8, cas u64`` per key."""
    infos = []
    for i, reply in enumerate(replies):
        if reply.rc != 0 or reply.status != 0 or len(reply.body) < 4:
            continue
        klen = struct.unpack_from(">H", reply.body, 2)[0]
        off = 4 + klen
        if len(reply.body) < off + 9:
            continue
        state, cas = struct.unpack_from(">BQ", reply.body, off)
        infos.append(ObserveInfo(OBSERVE_STATES.get(state, hex(state)), cas, i == 0, reply.server))
    return infos
