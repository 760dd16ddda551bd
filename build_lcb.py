"""Locate libcouchbase 3.x, or build it once from pinned source and cache it.

Used by ``build_ffi.py`` at build time and by the tests and benchmarks (which
need libcouchbase's ``cbc`` tools). Order of preference:

1. ``LCB_ROOT``: a prefix holding ``include/libcouchbase`` and ``lib``.
2. ``pkg-config libcouchbase`` reporting version 3.x.
3. The source that the npm package ``couchbase@3.2.7`` ships in
   ``deps/lcb`` (libcouchbase 3.3.4): the archive in ``vendor/`` when there is
   one (an sdist carries it: no npm needed), else fetched with ``npm pack``;
   checked against a pinned sha256, patched with the fixes in ``LCB_PATCHES``,
   built with cmake (the ``cmake`` PyPI package when installed, as in an
   isolated build, else the system's) once and installed into a cache
   directory outside the source tree (``$COUCHBASE_CFFI_CACHE``, else
   ``$XDG_CACHE_HOME/couchbase-cffi``, else ``~/.cache/couchbase-cffi``).
   Later builds reuse the cached install and never recompile it.

Command line: ``python build_lcb.py [--prefix|--include|--lib|--bin]`` prints
the chosen directory (building first if needed); with no flag it prints all.
``python build_lcb.py --vendor`` puts the verified archive into ``vendor/``
(what ``setup.py sdist`` ships; the git repository never holds it).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional

NPM_PACKAGE = "couchbase@3.2.7"
NPM_TARBALL = "couchbase-3.2.7.tgz"
# Where an sdist carries the archive (ignored by git; see vendor_tarball()).
VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
NPM_TARBALL_SHA256 = "b539ee1d6b6ee4ecde17f444085d5fa00702cfec017ecb3e32ef24dfa8c39f19"
LCB_VERSION = "3.3.4"
CMAKE_FLAGS = [
    "-DCMAKE_BUILD_TYPE=Release",
    "-DLCB_NO_TESTS=ON",
    "-DLCB_NO_MOCK=ON",
    "-DLCB_NO_PLUGINS=1",
    "-DLCB_SKIP_GIT_VERSION=ON",
]


# Fixes applied to the pinned source before it is built: (file under deps/lcb, text, replacement).
# Each must match exactly once. The patch level and a digest of the list are part of the cache
# directory's name, so a changed list builds afresh instead of reusing an install patched otherwise.
LCB_PATCH_LEVEL = "p10"
LCB_PATCHES = [
    # Server::start_errored_ctx: when a connection attempt fails before a context exists (e.g. the
    # HELLO/SASL negotiation was cut off), the pipeline's unflushed requests have already been
    # failed and retried, but their bytes stayed queued and were sent on the next connection,
    # out of step with the flush accounting: the server received tails of requests and freed
    # memory as headers (seen after two negotiations in a row were reset). Mark them flushed
    # first, as finalize_errored_ctx does when a context is closed.
    ("src/mcserver/mcserver.cc",
     "            /* Not closed but don't have a current context */\n",
     "            /* Not closed but don't have a current context */\n"
     "            /* couchbase-cffi: drop what the failed requests left queued (see build_lcb.py) */\n"
     "            unsigned toflush;\n"
     "            nb_IOV iov;\n"
     "            while ((toflush = mcreq_flush_iov_fill(this, &iov, 1, nullptr))) {\n"
     "                mcreq_flush_done(this, toflush, toflush);\n"
     "            }\n"),
    # RetryQueue::add, on a packet's second and later retries, takes the previous copy out of every
    # pipeline's send queue before that copy is freed. The scan meant to start at the first
    # element not yet handed to the socket, but slist_iter_init_at(node) starts *after* node, so
    # it skipped that element: when the old copy was first in the queue (typical after a reset
    # flushed the rest), its bytes stayed queued while its flush-queue entry was removed and the
    # packet freed; the next connection then sent freed memory as a request header, and the
    # pipeline's flush accounting stayed shifted by that packet's size (valgrind: sendmsg of a
    # block freed by mcreq_wipe_packet; cbc-pillowfight alone under the chaos test's fault mix).
    # Start the scan from the node before the first candidate instead.
    ("src/retryq.cc",
     "                if (sq->last_requested) {\n"
     "                    ll = sq->last_requested->slnode.next;\n"
     "                } else {\n"
     "                    ll = SLLIST_FIRST(&sq->pending);\n"
     "                }\n",
     "                /* couchbase-cffi: iter_init_at starts after ll (see build_lcb.py) */\n"
     "                if (sq->last_requested) {\n"
     "                    ll = &sq->last_requested->slnode;\n"
     "                } else {\n"
     "                    ll = &sq->pending.first_prev;\n"
     "                }\n"),
    # Same place: when the removed copy heads the flush queue, part of it may already have been
    # written (its progress is the queue's pdu_offset); with the copy gone that progress must not
    # be credited to the next packet, which would be marked flushed (and freed when it fails)
    # while its tail is still queued.
    ("src/retryq.cc",
     "                if (el == op->pkt) {\n"
     "                    sllist_iter_remove(&server->nbmgr.sendq.pdus, &iter);\n",
     "                if (el == op->pkt) {\n"
     "                    if (iter.cur == SLLIST_FIRST(&server->nbmgr.sendq.pdus)) {\n"
     "                        server->nbmgr.sendq.pdu_offset = 0; /* couchbase-cffi */\n"
     "                    }\n"
     "                    sllist_iter_remove(&server->nbmgr.sendq.pdus, &iter);\n"),
    # dispatch_ufwd_error: lcb_destroy deletes each Server, whose destructor clears its instance
    # pointer and then fails the packets still queued; a forwarded packet (lcb_pktfwd3: our
    # OBSERVE / OBSERVE_SEQNO rounds) in flight then reached the instance's pktfwd callback
    # through that NULL pointer (segfault when a connection is closed during an observe or
    # durability round). Nobody is left to tell once the instance is gone: drop the error.
    ("src/handler.cc",
     "    lcb_assert(immerr != LCB_SUCCESS);\n"
     "    resp.version = 0;\n"
     "    instance->callbacks.pktfwd(",
     "    lcb_assert(immerr != LCB_SUCCESS);\n"
     "    if (instance == nullptr) { /* couchbase-cffi: the instance is being destroyed */\n"
     "        return;\n"
     "    }\n"
     "    resp.version = 0;\n"
     "    instance->callbacks.pktfwd("),
    # Server::handle_read: an UNKNOWN_COLLECTION / UNKNOWN_SCOPE reply was taken as a stale id of
    # libcouchbase's own even on a forwarded packet (lcb_pktfwd3: our sub-document lookups on
    # replicas and their GET_COLLECTION_ID): it looked the packet's id up in its own cache, fetched
    # the id of that name -- of the _default collection when it did not know the id -- wrote it
    # into the packet and sent it again to the vBucket's *active* node, so a replica lookup was
    # refused there until its timeout, and a lookup could read another collection. A forwarded
    # packet's caller built it and owns its retry: pass the reply on (the error map still asks for
    # a fresh configuration), as every other status is.
    ("src/mcserver/mcserver.cc",
     "    } else if (status == PROTOCOL_BINARY_RESPONSE_UNKNOWN_COLLECTION ||\n"
     "               status == PROTOCOL_BINARY_RESPONSE_UNKNOWN_SCOPE) {\n",
     "    } else if ((status == PROTOCOL_BINARY_RESPONSE_UNKNOWN_COLLECTION ||\n"
     "                status == PROTOCOL_BINARY_RESPONSE_UNKNOWN_SCOPE) &&\n"
     "               (request->flags & MCREQ_F_UFWD) == 0) { /* couchbase-cffi (see build_lcb.py) */\n"),
    # The threshold-logging tracer (on by default, as in the official SDK) cost about 12k
    # instructions per key-value operation, a sixth of a small get's client CPU: every span stored
    # some ten tags (a calloc each, most with a copied key or value) and formatted its local id and
    # both socket addresses, yet the tracer's reports read only the operation id, local id and the
    # two sockets (ThresholdLoggingTracer::convert), and only of spans over their threshold. With
    # that tracer, keep just the tags a report reads, and format the per-connection ones only when
    # the span can be reported (over its threshold, orphaned, or not the outer span). Reports keep
    # their content; an external (version 1) tracer or any other tracer still gets every tag.
    ("src/tracing/span.cc",
     "LIBCOUCHBASE_API\nuint64_t lcbtrace_now()\n",
     "/* couchbase-cffi: tags the threshold-logging tracer never reads (see build_lcb.py) */\n"
     "static bool pycb_tlt_drops_tag(const lcbtrace_TRACER *tracer, const void *extspan, const char *name)\n"
     "{\n"
     "    if (extspan != nullptr || tracer == nullptr || tracer->version != 0 ||\n"
     "        (tracer->flags & LCBTRACE_F_THRESHOLD) == 0 || name == nullptr) {\n"
     "        return false;\n"
     "    }\n"
     "    /* a length check first: most tag names share their prefix (db.couchbase., net.) "
     "with a kept one */\n"
     "    size_t n = strlen(name);\n"
     "#define PYCB_IS(tag) (n == sizeof(tag) - 1 && memcmp(name, tag, n) == 0)\n"
     "    bool kept = PYCB_IS(LCBTRACE_TAG_OPERATION_ID) || PYCB_IS(LCBTRACE_TAG_LOCAL_ID) ||\n"
     "                PYCB_IS(LCBTRACE_TAG_LOCAL_ADDRESS) || PYCB_IS(LCBTRACE_TAG_LOCAL_PORT) ||\n"
     "                PYCB_IS(LCBTRACE_TAG_PEER_ADDRESS) || PYCB_IS(LCBTRACE_TAG_PEER_PORT);\n"
     "#undef PYCB_IS\n"
     "    return !kept;\n"
     "}\n"
     "\n"
     "/* couchbase-cffi: whether the threshold-logging tracer may report this span if it finishes at\n"
     " * now; true for any other tracer and whenever in doubt. */\n"
     "static bool pycb_tlt_may_report(lcbtrace_SPAN *span, const lcb_settings *settings, uint64_t now)\n"
     "{\n"
     "    const lcbtrace_TRACER *tracer = span->m_tracer;\n"
     "    if (span->m_extspan != nullptr || tracer == nullptr || tracer->version != 0 ||\n"
     "        (tracer->flags & LCBTRACE_F_THRESHOLD) == 0 || settings == nullptr) {\n"
     "        return true;\n"
     "    }\n"
     "    if (!span->is_outer() || span->m_orphaned || !span->should_finish() ||\n"
     "        span->service() == LCBTRACE_THRESHOLD__MAX) {\n"
     "        return true;\n"
     "    }\n"
     "    return now < span->m_start || now - span->m_start > settings->tracer_threshold[span->service()];\n"
     "}\n"
     "\n"
     "LIBCOUCHBASE_API\nuint64_t lcbtrace_now()\n"),
    ("src/tracing/span.cc",
     "    if (svc != LCBTRACE_THRESHOLD__MAX) {\n"
     "        span->service(svc);\n"
     "    }\n",
     "    if (svc != LCBTRACE_THRESHOLD__MAX) {\n"
     "        span->service(svc);\n"
     "    }\n"
     "    if (pycb_tlt_drops_tag(span->m_tracer, span->m_extspan, LCBTRACE_TAG_COMPONENT)) {\n"
     "        return; /* couchbase-cffi: none of the system tags is read */\n"
     "    }\n"),
    ("src/tracing/span.cc",
     "        lcbio_CTX *ctx = server->connctx;\n"
     "        if (ctx) {\n",
     "        lcbio_CTX *ctx = server->connctx;\n"
     "        uint64_t now = lcbtrace_now();\n"
     "        if (ctx && pycb_tlt_may_report(dispatch_span, server->get_settings(), now)) {\n"),
    ("src/tracing/span.cc",
     "            lcbtrace_span_finish(dispatch_span, LCBTRACE_NOW);\n",
     "            lcbtrace_span_finish(dispatch_span, now);\n"),
    ("src/tracing/span.cc",
     "void Span::add_tag(const char *name, int copy_key, const char *value, int copy_value)\n{\n",
     "void Span::add_tag(const char *name, int copy_key, const char *value, int copy_value)\n{\n"
     "    if (pycb_tlt_drops_tag(m_tracer, m_extspan, name)) {\n"
     "        return; /* couchbase-cffi */\n"
     "    }\n"),
    ("src/tracing/span.cc",
     "void Span::add_tag(const char *name, int copy_key, const char *value, "
     "size_t value_len, int copy_value)\n{\n",
     "void Span::add_tag(const char *name, int copy_key, const char *value, "
     "size_t value_len, int copy_value)\n{\n"
     "    if (pycb_tlt_drops_tag(m_tracer, m_extspan, name)) {\n"
     "        return; /* couchbase-cffi */\n"
     "    }\n"),
    ("src/tracing/span.cc",
     "void Span::add_tag(const char *name, int copy, uint64_t value)\n{\n",
     "void Span::add_tag(const char *name, int copy, uint64_t value)\n{\n"
     "    if (pycb_tlt_drops_tag(m_tracer, m_extspan, name)) {\n"
     "        return; /* couchbase-cffi */\n"
     "    }\n"),
    ("src/tracing/span.cc",
     "void Span::add_tag(const char *name, int copy, double value)\n{\n",
     "void Span::add_tag(const char *name, int copy, double value)\n{\n"
     "    if (pycb_tlt_drops_tag(m_tracer, m_extspan, name)) {\n"
     "        return; /* couchbase-cffi */\n"
     "    }\n"),
    ("src/tracing/span.cc",
     "void Span::add_tag(const char *name, int copy, bool value)\n{\n",
     "void Span::add_tag(const char *name, int copy, bool value)\n{\n"
     "    if (pycb_tlt_drops_tag(m_tracer, m_extspan, name)) {\n"
     "        return; /* couchbase-cffi */\n"
     "    }\n"),
    # The threshold-logging tracer converted every span over its threshold into a JSON report entry
    # (about 50k instructions: jsoncpp, strings) before pushing it into a queue that keeps only the
    # longest tracing_threshold_queue_size (10) of each flush interval; when every operation is slow
    # (10,000 in flight take over the 500 ms KV threshold) that was paid per operation and doubled a
    # pipelined upsert's client CPU. Convert only a span the queue would keep: with the queue full
    # and every kept span at least as long, push() keeps none of it, so the reports are unchanged.
    # Orphans likewise.
    # FixedQueue::push also dropped the heap array's last element once over capacity, which is not
    # the shortest entry when the new one sifted up (it then displaced its parent to the back), so a
    # report could miss a slower operation than the ones it listed: it now replaces the shortest.
    ("src/tracing/tracing-internal.h",
     "#include <queue>\n",
     "#include <queue>\n#include <algorithm> /* couchbase-cffi */\n"),
    ("src/tracing/tracing-internal.h",
     "        std::priority_queue<T>::push(item);\n"
     "        if (this->size() > m_capacity) {\n"
     "            this->c.pop_back();\n"
     "        }\n"
     "    }\n",
     "        /* couchbase-cffi: keep the m_capacity longest entries (see build_lcb.py) */\n"
     "        if (this->size() < m_capacity) {\n"
     "            std::priority_queue<T>::push(item);\n"
     "            return;\n"
     "        }\n"
     "        if (m_capacity == 0) {\n"
     "            return;\n"
     "        }\n"
     "        auto shortest = std::min_element(this->c.begin(), this->c.end());\n"
     "        if (*shortest < item) {\n"
     "            *shortest = item;\n"
     "            std::make_heap(this->c.begin(), this->c.end(), this->comp);\n"
     "        }\n"
     "    }\n"
     "    /* couchbase-cffi: whether push() may keep an entry of this duration (see build_lcb.py) */\n"
     "    bool pycb_may_keep(uint64_t duration) const\n"
     "    {\n"
     "        if (this->size() < m_capacity) {\n"
     "            return true;\n"
     "        }\n"
     "        for (const T &kept : this->c) {\n"
     "            if (kept.duration < duration) {\n"
     "                return true;\n"
     "            }\n"
     "        }\n"
     "        return false;\n"
     "    }\n"),
    ("src/tracing/threshold_logging_tracer.cc",
     "    m_orphans.push(convert(span));\n",
     "    if (m_orphans.pycb_may_keep(span->duration())) { /* couchbase-cffi */\n"
     "        m_orphans.push(convert(span));\n"
     "    }\n"),
    ("src/tracing/threshold_logging_tracer.cc",
     "                // found the queue, so push this in.\n"
     "                it->second.push(convert(span));\n",
     "                // found the queue, so push this in.\n"
     "                if (it->second.pycb_may_keep(span->duration())) { /* couchbase-cffi */\n"
     "                    it->second.push(convert(span));\n"
     "                }\n"),
    # mcreq_sched_add re-armed the pipeline's timeout timer for every operation scheduled, and
    # Server::next_timeout finds the earliest deadline by walking every request the pipeline has in
    # flight: O(in flight) per operation. Front ends that await whole batches barely see it (the
    # list is short when a batch is scheduled), but a steady stream with N always in flight (gevent
    # workers, a callback that schedules the next operation) pays N list steps per operation
    # (callgrind, gcouchbase with 3,000 greenlets: ~40k of ~170k instructions per get). The walk is
    # not needed when the timer is armed for at most the default timeout and the new packet has the
    # default timeout: the timer then fires no later than its deadline, and Server::io_timeout then
    # purges what expired and re-arms for the exact next deadline. A packet with its own timeout
    # still re-arms, now counting its own deadline too: the walk covers only requests already
    # enqueued, and the new packet is still in ctxqueued (mcreq_rearm_timeout's one caller is
    # mcreq_sched_add, just after it appended it there), so an operation with a timeout shorter than
    # the default used to time out only when the timer next fired (a lone get with a 0.2 s timeout:
    # after 2.5 s).
    ("src/mcserver/mcserver.cc",
     "    auto *server = reinterpret_cast<Server *>(pipeline);\n"
     "    if (server->io_timer) {\n"
     "        lcbio_timer_rearm(server->io_timer, server->next_timeout());\n",
     "    auto *server = reinterpret_cast<Server *>(pipeline);\n"
     "    sllist_node *added = pipeline->ctxqueued.last; /* couchbase-cffi (see build_lcb.py) */\n"
     "    mc_REQDATA *rd = added ? MCREQ_PKT_RDATA(SLLIST_ITEM(added, mc_PACKET, slnode)) : nullptr;\n"
     "    if (rd != nullptr && rd->deadline <= rd->start) {\n"
     "        rd = nullptr; /* no deadline of its own */\n"
     "    }\n"
     "    if (server->io_timer && rd != nullptr && lcbio_timer_armed(server->io_timer) &&\n"
     "        server->io_timer->usec_ <= server->default_timeout() &&\n"
     "        rd->deadline - rd->start >= LCB_US2NS(server->default_timeout())) {\n"
     "        return; /* the armed timer fires before this packet's deadline */\n"
     "    }\n"
     "    if (server->io_timer && rd != nullptr) {\n"
     "        uint32_t next_us = server->next_timeout();\n"
     "        hrtime_t now = gethrtime();\n"
     "        uint32_t own_us = rd->deadline > now ? (uint32_t)LCB_NS2US(rd->deadline - now) : 0;\n"
     "        lcbio_timer_rearm(server->io_timer, own_us < next_us ? own_us : next_us);\n"
     "        return;\n"
     "    }\n"
     "    if (server->io_timer) {\n"
     "        lcbio_timer_rearm(server->io_timer, server->next_timeout());\n"),
    # What the threshold-logging tracer and the operation metrics (both on by default) still cost per
    # key-value operation after p4/p5 (callgrind, blocking upsert_multi(100)): 2.2k instructions, half of
    # them in glibc's malloc slow paths (the Span and its operation-id tag -- three blocks -- are
    # allocated for every operation and freed in batches larger than malloc's per-thread cache, so
    # they went through the small bins and fastbin consolidation), a Mersenne-Twister span id, eight
    # tag-name filter calls (p4) and two std::string hash-map lookups of the metrics recorder. In
    # CPU time that was 12-15 % of a blocking upsert_multi, 3x what the instruction count suggests
    # (malloc's slow paths miss the cache). For a span of the threshold-logging tracer:
    # - Span blocks come from a per-thread free list (at most 1024 idle blocks, drained at thread exit);
    # - the first operation-id tag (the only tag such a span keeps before it can be reported) lives in
    #   the span itself, linked into the tag list as before, so every tag reader sees the same tags;
    # - the span id is drawn on its first read (lcbtrace_span_get_span_id/_trace_id), not per span;
    # - the tags p4 drops are not built at all (scope, collection, operation name, retries, transport,
    #   peer latency, system, span kind).
    # The metrics meter keeps its last four recorders by the addresses of their service and operation
    # names (checked against the names, as a view's name is a temporary), skipping the two hash-map
    # lookups. Reports (over-threshold, orphans, metrics) are unchanged; other tracers are untouched.
    ("src/tracing/tracing-internal.h",
     "         void *external_span);\n"
     "    ~Span();\n",
     "         void *external_span);\n"
     "    ~Span();\n"
     "\n"
     "    /* couchbase-cffi: blocks come from a per-thread free list (see build_lcb.py) */\n"
     "    static void *operator new(size_t size);\n"
     "    static void operator delete(void *ptr, size_t size);\n"
     "    /* couchbase-cffi: whether the threshold-logging tracer owns this span (it then skips the tags\n"
     "     * that tracer drops, keeps its operation id inline and draws its id lazily) */\n"
     "    bool pycb_lean() const\n"
     "    {\n"
     "        return m_extspan == nullptr && m_tracer != nullptr && m_tracer->version == 0 &&\n"
     "               (m_tracer->flags & LCBTRACE_F_THRESHOLD) != 0;\n"
     "    }\n"
     "    uint64_t pycb_span_id()\n"
     "    {\n"
     "        if (m_span_id == 0) {\n"
     "            m_span_id = lcb_next_rand64();\n"
     "        }\n"
     "        return m_span_id;\n"
     "    }\n"),
    ("src/tracing/tracing-internal.h",
     "    uint64_t m_encode{0};\n"
     "};\n",
     "    uint64_t m_encode{0};\n"
     "    /* couchbase-cffi: the first operation-id tag, kept in the span (see build_lcb.py) */\n"
     "    alignas(8) unsigned char m_pycb_opid_tag[64];\n"
     "    char m_pycb_opid_value[24];\n"
     "    bool m_pycb_opid_seen{false};\n"
     "};\n"),
    ("src/tracing/tracing-internal.h",
     "    lcbtrace_span_add_system_tags(span, settings, LCBTRACE_THRESHOLD_KV);\n"
     "    span->add_tag(LCBTRACE_TAG_SCOPE, cmd->collection().scope());\n"
     "    span->add_tag(LCBTRACE_TAG_COLLECTION, cmd->collection().collection());\n"
     "    span->add_tag(LCBTRACE_TAG_OPERATION, cmd->operation_name());\n",
     "    lcbtrace_span_add_system_tags(span, settings, LCBTRACE_THRESHOLD_KV);\n"
     "    if (!span->pycb_lean()) { /* couchbase-cffi: tags the threshold-logging tracer drops */\n"
     "        span->add_tag(LCBTRACE_TAG_SCOPE, cmd->collection().scope());\n"
     "        span->add_tag(LCBTRACE_TAG_COLLECTION, cmd->collection().collection());\n"
     "        span->add_tag(LCBTRACE_TAG_OPERATION, cmd->operation_name());\n"
     "    }\n"),
    ("src/tracing/span.cc",
     "LIBCOUCHBASE_API\nuint64_t lcbtrace_now()\n",
     "/* couchbase-cffi: a per-thread free list of Span blocks (see build_lcb.py). The list itself is\n"
     " * trivially destructible, so it stays readable after the guard below drained it at thread exit. */\n"
     "namespace\n"
     "{\n"
     "struct PycbSpanPool {\n"
     "    void *head;\n"
     "    size_t count;\n"
     "    bool guarded;\n"
     "    bool gone;\n"
     "};\n"
     "thread_local PycbSpanPool pycb_span_pool;\n"
     "const size_t PYCB_SPAN_POOL_MAX = 1024;\n"
     "struct PycbSpanPoolGuard {\n"
     "    bool armed{false};\n"
     "    ~PycbSpanPoolGuard()\n"
     "    {\n"
     "        PycbSpanPool &pool = pycb_span_pool;\n"
     "        while (pool.head != nullptr) {\n"
     "            void *next = *static_cast<void **>(pool.head);\n"
     "            ::operator delete(pool.head);\n"
     "            pool.head = next;\n"
     "        }\n"
     "        pool.count = 0;\n"
     "        pool.gone = true;\n"
     "    }\n"
     "};\n"
     "thread_local PycbSpanPoolGuard pycb_span_pool_guard;\n"
     "} // namespace\n"
     "\n"
     "void *lcb::trace::Span::operator new(size_t size)\n"
     "{\n"
     "    PycbSpanPool &pool = pycb_span_pool;\n"
     "    if (size == sizeof(Span) && pool.head != nullptr) {\n"
     "        void *block = pool.head;\n"
     "        pool.head = *static_cast<void **>(block);\n"
     "        pool.count--;\n"
     "        return block;\n"
     "    }\n"
     "    return ::operator new(size);\n"
     "}\n"
     "\n"
     "void lcb::trace::Span::operator delete(void *ptr, size_t size)\n"
     "{\n"
     "    if (ptr == nullptr) {\n"
     "        return;\n"
     "    }\n"
     "    PycbSpanPool &pool = pycb_span_pool;\n"
     "    if (size == sizeof(Span) && !pool.gone && pool.count < PYCB_SPAN_POOL_MAX) {\n"
     "        if (!pool.guarded) {\n"
     "            pycb_span_pool_guard.armed = true; /* constructs the guard: it drains at thread exit */\n"
     "            pool.guarded = true;\n"
     "        }\n"
     "        *static_cast<void **>(ptr) = pool.head;\n"
     "        pool.head = ptr;\n"
     "        pool.count++;\n"
     "        return;\n"
     "    }\n"
     "    ::operator delete(ptr);\n"
     "}\n"
     "\n"
     "LIBCOUCHBASE_API\nuint64_t lcbtrace_now()\n"),
    ("src/tracing/span.cc",
     "    if (!span) {\n"
     "        return 0;\n"
     "    }\n"
     "    return span->m_span_id;\n"
     "}\n"
     "\n"
     "LIBCOUCHBASE_API\n"
     "const char *lcbtrace_span_get_operation(",
     "    if (!span) {\n"
     "        return 0;\n"
     "    }\n"
     "    return span->pycb_span_id(); /* couchbase-cffi: drawn on first read */\n"
     "}\n"
     "\n"
     "LIBCOUCHBASE_API\n"
     "const char *lcbtrace_span_get_operation("),
    ("src/tracing/span.cc",
     "    if (span->m_parent) {\n"
     "        return span->m_parent->m_span_id;\n"
     "    }\n"
     "    return span->m_span_id;\n",
     "    if (span->m_parent) {\n"
     "        return span->m_parent->pycb_span_id(); /* couchbase-cffi */\n"
     "    }\n"
     "    return span->pycb_span_id();\n"),
    ("src/tracing/span.cc",
     "        dispatch_span->find_outer_or_this()->add_tag(LCBTRACE_TAG_RETRIES, 0, "
     "(uint64_t)request_pkt->retries);\n"
     "        lcbtrace_span_add_tag_str_nocopy(dispatch_span, LCBTRACE_TAG_TRANSPORT, \"IP.TCP\");\n",
     "        Span *outer = dispatch_span->find_outer_or_this();\n"
     "        if (!outer->pycb_lean()) { /* couchbase-cffi: tags the threshold-logging tracer drops */\n"
     "            outer->add_tag(LCBTRACE_TAG_RETRIES, 0, (uint64_t)request_pkt->retries);\n"
     "        }\n"
     "        if (!dispatch_span->pycb_lean()) {\n"
     "            lcbtrace_span_add_tag_str_nocopy(dispatch_span, LCBTRACE_TAG_TRANSPORT, \"IP.TCP\");\n"
     "        }\n"),
    ("src/tracing/span.cc",
     "        m_span_id = lcb_next_rand64();\n"
     "        m_orphaned = false;\n"
     "        memset(&m_tags, 0, sizeof(m_tags));\n"
     "        if (nullptr == m_extspan) {\n",
     "        /* couchbase-cffi: the threshold-logging tracer never reads it; drawn on first read */\n"
     "        m_span_id = pycb_lean() ? 0 : lcb_next_rand64();\n"
     "        m_orphaned = false;\n"
     "        memset(&m_tags, 0, sizeof(m_tags));\n"
     "        if (nullptr == m_extspan && !pycb_lean()) { /* couchbase-cffi: tags it drops */\n"),
    ("src/tracing/span.cc",
     "            if (val->t == TAGVAL_STRING && val->v.s.need_free) {\n"
     "                free(val->v.s.p);\n"
     "            }\n"
     "            free(val);\n",
     "            if (val->t == TAGVAL_STRING && val->v.s.need_free) {\n"
     "                free(val->v.s.p);\n"
     "            }\n"
     "            if (val != reinterpret_cast<tag_value *>(m_pycb_opid_tag)) { /* couchbase-cffi */\n"
     "                free(val);\n"
     "            }\n"),
    ("src/tracing/span.cc",
     "    // but this span needs the tag always\n"
     "    add_tag(LCBTRACE_TAG_PEER_LATENCY, 0, server);\n",
     "    // but this span needs the tag always\n"
     "    if (!pycb_lean()) { /* couchbase-cffi: the threshold-logging tracer drops it */\n"
     "        add_tag(LCBTRACE_TAG_PEER_LATENCY, 0, server);\n"
     "    }\n"),
    ("src/tracing/span.cc",
     "        m_parent->add_tag(name, copy_key, value, value_len, copy_value);\n"
     "        return;\n"
     "    }\n",
     "        m_parent->add_tag(name, copy_key, value, value_len, copy_value);\n"
     "        return;\n"
     "    }\n"
     "    if (!m_pycb_opid_seen && pycb_lean() && strcmp(name, LCBTRACE_TAG_OPERATION_ID) == 0) {\n"
     "        m_pycb_opid_seen = true;\n"
     "        if (value_len < sizeof(m_pycb_opid_value)) {\n"
     "            /* couchbase-cffi: the first operation id lives in the span (see build_lcb.py) */\n"
     "            static_assert(sizeof(tag_value) <= sizeof(m_pycb_opid_tag), \"tag_value fits\");\n"
     "            auto *val = reinterpret_cast<tag_value *>(m_pycb_opid_tag);\n"
     "            memset(val, 0, sizeof(*val));\n"
     "            val->t = TAGVAL_STRING;\n"
     "            val->key.p = (char *)LCBTRACE_TAG_OPERATION_ID;\n"
     "            val->key.need_free = 0;\n"
     "            memcpy(m_pycb_opid_value, value, value_len);\n"
     "            val->v.s.p = m_pycb_opid_value;\n"
     "            val->v.s.l = value_len;\n"
     "            val->v.s.need_free = 0;\n"
     "            sllist_append(&m_tags, &val->slnode);\n"
     "            return;\n"
     "        }\n"
     "    }\n"),
    ("src/metrics/logging_meter.hh",
     "    std::unordered_map<std::string, std::unordered_map<std::string, LoggingValueRecorder>> "
     "valueRecorders_;\n",
     "    std::unordered_map<std::string, std::unordered_map<std::string, LoggingValueRecorder>> "
     "valueRecorders_;\n"
     "    /* couchbase-cffi: the last recorders found, by the addresses of their names "
     "(see build_lcb.py) */\n"
     "    struct PycbRecent {\n"
     "        const char *svc{nullptr};\n"
     "        const char *op{nullptr};\n"
     "        const std::string *svc_key{nullptr};\n"
     "        const std::string *op_key{nullptr};\n"
     "        LoggingValueRecorder *recorder{nullptr};\n"
     "    };\n"
     "    PycbRecent pycb_recent_[4]{};\n"
     "    unsigned pycb_next_{0};\n"),
    ("src/metrics/logging_meter.cc",
     "    auto &first = valueRecorders_[svcName];\n"
     "    auto &recorder = first[opName];\n"
     "    return recorder;\n",
     "    for (const PycbRecent &recent : pycb_recent_) { /* couchbase-cffi (see build_lcb.py) */\n"
     "        if (recent.recorder != nullptr && recent.svc == svcName && recent.op == opName &&\n"
     "            recent.svc_key->compare(svcName) == 0 && recent.op_key->compare(opName) == 0) {\n"
     "            return *recent.recorder;\n"
     "        }\n"
     "    }\n"
     "    auto &first = valueRecorders_[svcName];\n"
     "    auto &recorder = first[opName];\n"
     "    PycbRecent &slot = pycb_recent_[pycb_next_++ % 4];\n"
     "    slot.svc = svcName;\n"
     "    slot.op = opName;\n"
     "    slot.svc_key = &valueRecorders_.find(svcName)->first;\n"
     "    slot.op_key = &first.find(opName)->first;\n"
     "    slot.recorder = &recorder;\n"
     "    return recorder;\n"),
    # p10. lcb_QUERY_HANDLE_::has_retriable_error: an error the query service answered with (a code
    # in "errors") went on to the retry strategy, which retries anything for an idempotent request,
    # and a read_only query is idempotent: a syntax error, an unknown keyspace or a write refused as
    # read-only (code 1000, HTTP 403, as on the server) was re-sent until the timeout and surfaced as
    # an AmbiguousTimeoutException. The errors libcouchbase means to retry are decided above this
    # point (prepared-statement failures, the index-not-found messages, 13014 with dynamic auth);
    # otherwise an answered error is retried only when the server says "retry": true, as SDK 4.x does.
    ("src/n1ql/query_handle.cc",
     "    if (rc == LCB_SUCCESS) {\n"
     "        return {0, 0};\n"
     "    }\n"
     "    return lcb_query_should_retry(instance_->settings, this, rc, first_error.retry);\n",
     "    if (rc == LCB_SUCCESS) {\n"
     "        return {0, 0};\n"
     "    }\n"
     "    if (first_error.code != 0 && !first_error.retry) {\n"
     "        /* couchbase-cffi p10: the service answered with an error it does not ask to retry */\n"
     "        return {0, 0};\n"
     "    }\n"
     "    return lcb_query_should_retry(instance_->settings, this, rc, first_error.retry);\n"),
]


class LibcouchbaseNotFound(RuntimeError):
    """libcouchbase could not be found or built; the message says what is missing."""


@dataclass(frozen=True)
class Libcouchbase:
    """Where one libcouchbase installation lives."""

    include_dirs: List[str]
    library_dirs: List[str]
    bin_dir: Optional[str]
    origin: str  # "LCB_ROOT", "pkg-config" or "cache"

    @property
    def prefix(self) -> str:
        return str(Path(self.library_dirs[0]).parent)


def cache_root() -> Path:
    explicit = os.environ.get("COUCHBASE_CFFI_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "couchbase-cffi"


def patches_digest() -> str:
    """A short digest of :data:`LCB_PATCHES`: two branches that both call their list "p5" never share
    a cached build."""
    h = hashlib.sha256()
    for path, text, replacement in LCB_PATCHES:
        for part in (path, text, replacement):
            h.update(part.encode())
            h.update(b"\0")
    return h.hexdigest()[:8]


def cached_prefix() -> Path:
    return cache_root() / (f"libcouchbase-{LCB_VERSION}-{NPM_TARBALL_SHA256[:12]}-{LCB_PATCH_LEVEL}-"
                           f"{patches_digest()}")


def _log(msg: str) -> None:
    print(f"[build_lcb] {msg}", file=sys.stderr, flush=True)


def _from_lcb_root() -> Optional[Libcouchbase]:
    root = os.environ.get("LCB_ROOT")
    if not root:
        return None
    prefix = Path(root)
    header = prefix / "include" / "libcouchbase" / "couchbase.h"
    if not header.is_file():
        raise LibcouchbaseNotFound(f"LCB_ROOT={root} has no include/libcouchbase/couchbase.h")
    libdirs = [d for d in (prefix / "lib", prefix / "lib64") if d.is_dir()]
    if not libdirs:
        raise LibcouchbaseNotFound(f"LCB_ROOT={root} has no lib/ or lib64/ directory")
    bin_dir = prefix / "bin"
    return Libcouchbase(
        [str(prefix / "include")], [str(d) for d in libdirs],
        str(bin_dir) if bin_dir.is_dir() else None, "LCB_ROOT",
    )


def _from_pkg_config() -> Optional[Libcouchbase]:
    if os.environ.get("LCB_NO_PKG_CONFIG") or not shutil.which("pkg-config"):
        return None

    def query(*args: str) -> Optional[str]:
        res = subprocess.run(["pkg-config", *args, "libcouchbase"], capture_output=True, text=True)
        return res.stdout.strip() if res.returncode == 0 else None

    version = query("--modversion")
    if not version or not version.startswith("3."):
        return None
    incs = [flag[2:] for flag in (query("--cflags-only-I") or "").split()]
    libs = [flag[2:] for flag in (query("--libs-only-L") or "").split()]
    if not libs:
        libdir = query("--variable=libdir")
        libs = [libdir] if libdir else []
    return Libcouchbase(incs, libs, None, "pkg-config")


def _cached_install(prefix: Path) -> Optional[Libcouchbase]:
    if not (prefix / ".complete").is_file():
        return None
    return Libcouchbase(
        [str(prefix / "include")], [str(prefix / "lib")], str(prefix / "bin"), "cache"
    )


def cmake_command() -> Optional[str]:
    """cmake from the ``cmake`` PyPI package (a build requirement) if installed, else from PATH."""
    try:
        import cmake  # type: ignore[import-not-found]

        candidate = Path(cmake.CMAKE_BIN_DIR) / "cmake"
        if candidate.is_file():
            return str(candidate)
    except (ImportError, AttributeError):
        pass
    return shutil.which("cmake")


def _compiler(env_var: str, names: List[str]) -> Optional[str]:
    chosen = os.environ.get(env_var)
    if chosen:
        return shutil.which(chosen.split()[0])
    return next((found for found in map(shutil.which, names) if found), None)


# Where OpenSSL's headers are looked for (besides OPENSSL_ROOT_DIR and pkg-config's answer).
SYSTEM_INCLUDE_DIRS = ["/usr/include", "/usr/local/include", "/opt/homebrew/include"]


def _openssl_headers() -> bool:
    dirs = list(SYSTEM_INCLUDE_DIRS)
    root = os.environ.get("OPENSSL_ROOT_DIR")
    if root:
        dirs.insert(0, str(Path(root) / "include"))
    if shutil.which("pkg-config"):
        res = subprocess.run(["pkg-config", "--cflags-only-I", "openssl"], capture_output=True, text=True)
        dirs += [flag[2:] for flag in res.stdout.split() if res.returncode == 0]
    return any(Path(d, "openssl", "ssl.h").is_file() for d in dirs)


def _require_tools() -> None:
    """Name everything the libcouchbase build lacks, at once, with how to get it."""
    missing = []
    if vendored_tarball() is None and not shutil.which("npm"):
        missing.append(f"npm, to fetch {NPM_PACKAGE} (apt-get install npm; an sdist carries it instead)")
    if not cmake_command():
        missing.append("cmake (pip install cmake, or apt-get install cmake)")
    if not _compiler("CC", ["cc", "gcc", "clang"]):
        missing.append("a C compiler (apt-get install build-essential; or set CC)")
    if not _compiler("CXX", ["c++", "g++", "clang++"]):
        missing.append("a C++ compiler (apt-get install build-essential; or set CXX)")
    if not _openssl_headers():
        missing.append("OpenSSL headers, openssl/ssl.h (apt-get install libssl-dev; or set OPENSSL_ROOT_DIR)")
    if missing:
        raise LibcouchbaseNotFound(
            "libcouchbase 3.x was not found (no LCB_ROOT, no pkg-config libcouchbase, no cached build) and "
            "cannot be built from source; missing: " + "; ".join(missing)
        )


def vendored_tarball() -> Optional[Path]:
    """The archive in ``vendor/`` if there is one (its checksum is verified when it is used)."""
    path = VENDOR_DIR / NPM_TARBALL
    return path if path.is_file() else None


def _verified(tarball: Path) -> Path:
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != NPM_TARBALL_SHA256:
        raise LibcouchbaseNotFound(
            f"{tarball} has sha256 {digest}, expected {NPM_TARBALL_SHA256}; refusing to build"
        )
    return tarball


def _npm_pack(workdir: Path) -> Path:
    _log(f"fetching {NPM_PACKAGE} with npm pack")
    if not shutil.which("npm"):
        raise LibcouchbaseNotFound(f"fetching {NPM_PACKAGE} needs npm (apt-get install npm)")
    res = subprocess.run(
        ["npm", "pack", NPM_PACKAGE, "--silent"], cwd=workdir, capture_output=True, text=True
    )
    tarballs = list(workdir.glob("couchbase-*.tgz"))
    if res.returncode != 0 or not tarballs:
        raise LibcouchbaseNotFound(f"npm pack {NPM_PACKAGE} failed: {res.stderr.strip()}")
    return _verified(tarballs[0])


def vendor_tarball() -> Path:
    """Put the verified archive into ``vendor/`` (fetching it with npm if needed); return its path."""
    existing = vendored_tarball()
    if existing is not None:
        return _verified(existing)
    VENDOR_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lcb-vendor-") as tmp:
        fetched = _npm_pack(Path(tmp))
        target = VENDOR_DIR / NPM_TARBALL
        shutil.copyfile(fetched, target)
    _log(f"vendored {target}")
    return target


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fetch_source(workdir: Path) -> Path:
    vendored = vendored_tarball()
    if vendored is not None:
        _log(f"using {vendored}")
        tarball = _verified(vendored)
    else:
        tarball = _npm_pack(workdir)
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/deps/lcb/")]
        for member in members:
            if member.issym() or member.islnk() or ".." in Path(member.name).parts:
                continue
            tar.extract(member, workdir)
    src = workdir / "package" / "deps" / "lcb"
    if not (src / "CMakeLists.txt").is_file():
        raise LibcouchbaseNotFound(f"{NPM_PACKAGE} does not contain deps/lcb/CMakeLists.txt")
    return src


def _apply_patches(src: Path) -> None:
    """Apply LCB_PATCHES to the extracted source; refuse to build if one does not match."""
    for rel, text, replacement in LCB_PATCHES:
        path = src / rel
        body = path.read_text()
        if body.count(text) != 1:
            raise LibcouchbaseNotFound(f"patch for {rel} does not apply to {NPM_PACKAGE}'s libcouchbase")
        path.write_text(body.replace(text, replacement))
    _log(f"applied {len(LCB_PATCHES)} source fix(es) ({LCB_PATCH_LEVEL})")


def _run(cmd: List[str], cwd: Path, log: Path) -> None:
    with open(log, "ab") as fh:
        res = subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)
    if res.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-30:]
        raise LibcouchbaseNotFound(
            f"{' '.join(cmd[:2])} failed (exit {res.returncode}); last lines of {log}:\n"
            + "\n".join(tail)
        )


def build_from_source(prefix: Path) -> Libcouchbase:
    """Fetch, verify, build and install libcouchbase into ``prefix`` (once)."""
    with _build_lock(prefix.parent):
        done = _cached_install(prefix)
        if done:
            return done
        _require_tools()
        if prefix.exists():
            shutil.rmtree(prefix)
        with tempfile.TemporaryDirectory(prefix="lcb-build-") as tmp:
            work = Path(tmp)
            src = _fetch_source(work)
            _apply_patches(src)
            build = work / "build"
            build.mkdir()
            log = work / "build.log"
            jobs = str(max(1, os.cpu_count() or 1))
            _log(f"building libcouchbase {LCB_VERSION} into {prefix} (about a minute)")
            cmake = cmake_command()
            assert cmake is not None  # _require_tools
            _run(
                [cmake, str(src), *CMAKE_FLAGS, f"-DCMAKE_INSTALL_PREFIX={prefix}",
                 f"-DCMAKE_INSTALL_RPATH={prefix / 'lib'}", "-DCMAKE_INSTALL_LIBDIR=lib"],
                build, log,
            )
            _run([cmake, "--build", ".", "--parallel", jobs], build, log)
            _run([cmake, "--install", "."], build, log)
        (prefix / ".complete").write_text(f"{NPM_PACKAGE} {NPM_TARBALL_SHA256} {LCB_PATCH_LEVEL}\n")
        _log("libcouchbase built and cached")
        found = _cached_install(prefix)
        assert found is not None
        return found


def find_libcouchbase(build: bool = True) -> Libcouchbase:
    """Return the libcouchbase to build against, building it if allowed and needed."""
    for finder in (_from_lcb_root, _from_pkg_config):
        found = finder()
        if found:
            return found
    cached = _cached_install(cached_prefix())
    if cached:
        return cached
    if not build:
        raise LibcouchbaseNotFound("libcouchbase is not installed and not yet built")
    return build_from_source(cached_prefix())


def find_cbc_bin() -> str:
    """Directory holding the ``cbc`` tools (always the cached source build)."""
    lcb = find_libcouchbase()
    if lcb.bin_dir and Path(lcb.bin_dir, "cbc").exists():
        return lcb.bin_dir
    cached = _cached_install(cached_prefix()) or build_from_source(cached_prefix())
    assert cached.bin_dir is not None
    return cached.bin_dir


def main(argv: List[str]) -> int:
    try:
        if "--vendor" in argv:
            print(vendor_tarball())
            return 0
        if "--bin" in argv:
            print(find_cbc_bin())
            return 0
        lcb = find_libcouchbase()
    except LibcouchbaseNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if "--prefix" in argv:
        print(lcb.prefix)
    elif "--include" in argv:
        print(lcb.include_dirs[0])
    elif "--lib" in argv:
        print(lcb.library_dirs[0])
    else:
        print(f"origin={lcb.origin}\ninclude={lcb.include_dirs}\nlib={lcb.library_dirs}\nbin={lcb.bin_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
