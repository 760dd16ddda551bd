/*
 * Types and constants the C bridge shares with Python: this file is both
 * #included by _bridge.c and read by build_ffi.py into the cffi cdef, so each
 * is declared once. Keep it to what cffi's cdef parser accepts: typedefs,
 * structs and integer #defines (no #if, no #include, no include guard).
 */

/* Every response, KV or service row, flattened for the single Python entry point
 * pycb_on_response (see _callbacks.py). Fields not relevant to cbtype are zero. */
/* Each unsigned 64-bit field Python reads on every response has a signed twin in a union
 * (the same bytes): PyPy turns an unsigned 64-bit read into a heap-allocated big integer
 * through two calls its JIT cannot inline (≈ 25 ns each), a signed read into a plain
 * machine integer. The hot paths read the twins (i_cookie, i_nvalue, ...); conn_id, cookie and
 * the lengths never reach 2**63, a CAS, vBucket UUID or sequence number may (read it as
 * i_cas + 2**64 when negative). C writes the unsigned names. */
typedef struct {
    union { uint64_t conn_id; int64_t i_conn_id; };
    union { uint64_t cookie; int64_t i_cookie; };
    int cbtype;
    int rc;
    union { uint64_t cas; int64_t i_cas; };
    uint32_t flags;
    uint8_t datatype;
    const char *key;
    union { size_t nkey; intptr_t i_nkey; };
    const char *value;
    union { size_t nvalue; intptr_t i_nvalue; };
    uint64_t counter;
    int has_token;
    union { uint64_t token_uuid; int64_t i_token_uuid; };
    union { uint64_t token_seqno; int64_t i_token_seqno; };
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
    const char *id; /* view rows: document id */
    size_t nid;
    const char *doc; /* view rows with include_docs */
    size_t ndoc;
    int doc_rc;
    int has_doc;
} pycb_RESP;

/* cbtype of raw packets sent with lcb_pktfwd3 (observe, observe_seqno). */
#define PYCB_CALLBACK_PKTFWD 1000

/* The fields of a KV error context (lcb_KEY_VALUE_ERROR_CONTEXT), read by pycb_errctx. */
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

/* Sub-document spec kinds understood by pycb_subdoc (subdocument.py's Spec.kind). */
enum {
    PYCB_SD_GET = 1,
    PYCB_SD_EXISTS,
    PYCB_SD_GET_COUNT,
    PYCB_SD_GET_DOC,
    PYCB_SD_REPLACE,
    PYCB_SD_DICT_ADD,
    PYCB_SD_DICT_UPSERT,
    PYCB_SD_ARRAY_ADD_FIRST,
    PYCB_SD_ARRAY_ADD_LAST,
    PYCB_SD_ARRAY_ADD_UNIQUE,
    PYCB_SD_ARRAY_INSERT,
    PYCB_SD_COUNTER,
    PYCB_SD_REMOVE,
    PYCB_SD_REPLACE_DOC,
    PYCB_SD_REMOVE_DOC
};
