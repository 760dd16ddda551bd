"""cffi out-of-line (API mode) builder for ``couchbase._lcb``.

setuptools runs this through ``cffi_modules`` in pyproject.toml. The C side
lives in ``core/couchbase/_bridge.c`` (scheduling shims, the response
flattener, the IOPS bridge); this file declares to cffi what Python may call
and which ``extern "Python"`` entry points C calls back into. libcouchbase is
found or built by ``build_lcb.py``.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import build_lcb  # noqa: E402

CDEF = r"""
typedef int lcb_STATUS;
typedef struct lcb_st lcb_INSTANCE;
typedef struct lcb_LOGGER_ lcb_LOGGER;
typedef struct lcb_io_opt_st *lcb_io_opt_t;
typedef struct lcb_KEY_VALUE_ERROR_CONTEXT_ lcb_KEY_VALUE_ERROR_CONTEXT;

typedef struct {
    uint64_t conn_id;
    uint64_t cookie;
    int cbtype;
    int rc;
    uint64_t cas;
    uint32_t flags;
    uint8_t datatype;
    const char *key;
    size_t nkey;
    const char *value;
    size_t nvalue;
    uint64_t counter;
    int has_token;
    uint64_t token_uuid;
    uint64_t token_seqno;
    uint16_t token_vbid;
    int is_found;
    int is_deleted;
    int is_final;
    int is_active;
    int store_operation;
    int observe_attached;
    int observe_stored;
    int observe_master_exists;
    int observe_master_persisted;
    uint16_t observe_num_persisted;
    uint16_t observe_num_replicated;
    const lcb_KEY_VALUE_ERROR_CONTEXT *errctx;
    const void *raw;
    uint16_t kv_status;
    uint16_t http_status;
    const char *id;
    size_t nid;
    const char *doc;
    size_t ndoc;
    int doc_rc;
    int has_doc;
} pycb_RESP;
#define PYCB_CALLBACK_PKTFWD 1000

typedef struct {
    uint16_t status_code;
    uint32_t opaque;
    const char *ref;
    size_t nref;
    const char *context;
    size_t ncontext;
    const char *endpoint;
    size_t nendpoint;
    const char *bucket;
    size_t nbucket;
} pycb_ERRCTX;

extern "Python" void pycb_on_response(pycb_RESP *resp);
extern "Python" void pycb_on_log(uint64_t iid, const char *subsys, int severity, const char *srcfile,
                                 int srcline, const char *message);

void pycb_set_log_level(int level);
lcb_STATUS pycb_create(lcb_INSTANCE **instance, int type, const char *connstr, size_t nconnstr,
                       const char *user, size_t nuser, const char *pass, size_t npass,
                       lcb_LOGGER **logger_out, lcb_io_opt_t io, uint64_t conn_id);
void pycb_destroy(lcb_INSTANCE *instance, lcb_LOGGER *logger);

lcb_STATUS pycb_get(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                    const char *coll, size_t ncoll, const char *key, size_t nkey, int mode,
                    uint32_t expiry, uint32_t timeout);
lcb_STATUS pycb_store(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                      const char *coll, size_t ncoll, const char *key, size_t nkey, const char *value,
                      size_t nvalue, int operation, uint32_t flags, uint32_t expiry, uint64_t cas,
                      uint8_t datatype, int durability_level, int persist_to, int replicate_to,
                      int preserve_expiry, uint32_t timeout);
lcb_STATUS pycb_remove(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                       const char *coll, size_t ncoll, const char *key, size_t nkey, uint64_t cas,
                       int durability_level, uint32_t timeout);
lcb_STATUS pycb_touch(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                      const char *coll, size_t ncoll, const char *key, size_t nkey, uint32_t expiry,
                      uint32_t timeout);
lcb_STATUS pycb_unlock(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                       const char *coll, size_t ncoll, const char *key, size_t nkey, uint64_t cas,
                       uint32_t timeout);
lcb_STATUS pycb_exists(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                       const char *coll, size_t ncoll, const char *key, size_t nkey, uint32_t timeout);
lcb_STATUS pycb_counter(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                        const char *coll, size_t ncoll, const char *key, size_t nkey, int64_t delta,
                        uint64_t initial, int has_initial, uint32_t expiry, int durability_level,
                        uint32_t timeout);
lcb_STATUS pycb_getreplica(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                           const char *coll, size_t ncoll, const char *key, size_t nkey, int mode,
                           uint32_t timeout);
lcb_STATUS pycb_subdoc(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                       const char *coll, size_t ncoll, const char *key, size_t nkey, size_t nspecs,
                       const int *ops, const uint32_t *flags, const char **paths, const size_t *npaths,
                       const char **values, const size_t *nvalues, const int64_t *deltas, uint64_t cas,
                       uint32_t expiry, int preserve_expiry, int store_semantics, int access_deleted,
                       int durability_level, uint32_t timeout);
lcb_STATUS pycb_stats(lcb_INSTANCE *instance, uint64_t cookie, const char *group, size_t ngroup);
lcb_STATUS pycb_ping(lcb_INSTANCE *instance, uint64_t cookie, uint32_t timeout);
lcb_STATUS pycb_diag(lcb_INSTANCE *instance, uint64_t cookie);
const char *pycb_stats_server(const void *raw);
lcb_STATUS pycb_observe_seqno(lcb_INSTANCE *instance, uint64_t cookie, int server_index, uint16_t vbid,
                              uint64_t vbuuid);
lcb_STATUS pycb_observe_key(lcb_INSTANCE *instance, uint64_t cookie, int server_index, uint16_t vbid,
                            const char *key, size_t nkey);
int pycb_vb_servers(lcb_INSTANCE *instance, int vbid, int *out, int nout);
int pycb_key_vbucket(lcb_INSTANCE *instance, const char *key, size_t nkey);
void pycb_errctx(const lcb_KEY_VALUE_ERROR_CONTEXT *ctx, pycb_ERRCTX *out);
size_t lcb_respsubdoc_result_size(const void *resp);
lcb_STATUS lcb_respsubdoc_result_status(const void *resp, size_t index);
lcb_STATUS lcb_respsubdoc_result_value(const void *resp, size_t index, const char **value, size_t *value_len);

lcb_STATUS lcb_connect(lcb_INSTANCE *instance);
lcb_STATUS lcb_wait(lcb_INSTANCE *instance, int flags);
lcb_STATUS lcb_get_bootstrap_status(lcb_INSTANCE *instance);
void lcb_sched_enter(lcb_INSTANCE *instance);
void lcb_sched_leave(lcb_INSTANCE *instance);
void lcb_sched_fail(lcb_INSTANCE *instance);
void lcb_sched_flush(lcb_INSTANCE *instance);
int lcb_is_waiting(lcb_INSTANCE *instance);
void lcb_breakout(lcb_INSTANCE *instance);
lcb_STATUS lcb_cntl_string(lcb_INSTANCE *instance, const char *key, const char *value);
lcb_STATUS lcb_cntl_setu32(lcb_INSTANCE *instance, int cmd, uint32_t arg);
uint32_t lcb_cntl_getu32(lcb_INSTANCE *instance, int cmd);
const char *lcb_strerror_short(lcb_STATUS error);
const char *lcb_strerror_long(lcb_STATUS error);
const char *lcb_get_version(uint32_t *version);
int lcb_supports_feature(int n);
"""

# Constants shared with Python (kept here so one file names every C value).
CDEF_CONSTANTS = r"""
#define LCB_CNTL_OP_TIMEOUT ...
#define LCB_CNTL_VIEW_TIMEOUT ...
#define LCB_CNTL_QUERY_TIMEOUT ...
#define LCB_CNTL_DURABILITY_TIMEOUT ...
#define LCB_CNTL_DURABILITY_INTERVAL ...
#define LCB_CNTL_HTTP_TIMEOUT ...
#define LCB_CNTL_CONFIGURATION_TIMEOUT ...
#define LCB_CNTL_PERSISTENCE_TIMEOUT_FLOOR ...
#define LCB_CALLBACK_GET ...
#define LCB_CALLBACK_STORE ...
#define LCB_CALLBACK_COUNTER ...
#define LCB_CALLBACK_TOUCH ...
#define LCB_CALLBACK_REMOVE ...
#define LCB_CALLBACK_UNLOCK ...
#define LCB_CALLBACK_STATS ...
#define LCB_CALLBACK_GETREPLICA ...
#define LCB_CALLBACK_SDLOOKUP ...
#define LCB_CALLBACK_SDMUTATE ...
#define LCB_CALLBACK_PING ...
#define LCB_CALLBACK_DIAG ...
#define LCB_CALLBACK_EXISTS ...
#define LCB_SUBDOCSPECS_F_MKINTERMEDIATES ...
#define LCB_SUBDOCSPECS_F_XATTRPATH ...
#define LCB_SUBDOCSPECS_F_XATTR_MACROVALUES ...
#define LCB_SUBDOCSPECS_F_XATTR_DELETED_OK ...
"""


# C sources of couchbase._lcb, concatenated in this order: the KV bridge, the
# HTTP services (query, analytics, search, views, management) and the IOPS
# bridge for host-driven event loops.
C_PARTS = ("_bridge", "_services", "_iops")


def make_ffi() -> FFI:
    lcb = build_lcb.find_libcouchbase()
    ffi = FFI()
    pkg = HERE / "core" / "couchbase"
    # Each part of the C side has its own file, and its own cdef beside it.
    parts = [name for name in C_PARTS if (pkg / f"{name}.c").exists()]
    extra_cdefs = [(pkg / f"{name}.cdef").read_text() for name in parts if (pkg / f"{name}.cdef").exists()]
    ffi.cdef("\n".join([CDEF, CDEF_CONSTANTS, *extra_cdefs]))
    source = "\n".join((pkg / f"{name}.c").read_text() for name in parts)
    ffi.set_source(
        "couchbase._lcb",
        source,
        libraries=["couchbase"],
        include_dirs=lcb.include_dirs,
        library_dirs=lcb.library_dirs,
        # The extension finds libcouchbase without LD_LIBRARY_PATH.
        extra_link_args=[f"-Wl,-rpath,{d}" for d in lcb.library_dirs],
        extra_compile_args=["-O2", "-Wall", "-Wno-unused-function"],
    )
    return ffi


ffibuilder = make_ffi() if os.environ.get("COUCHBASE_CFFI_SKIP_FFI") is None else None

if __name__ == "__main__":
    assert ffibuilder is not None
    ffibuilder.compile(tmpdir=str(HERE / "build" / "ffi"), verbose=True)
