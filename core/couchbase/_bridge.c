/*
 * C side of the couchbase-cffi binding (compiled into couchbase._lcb).
 *
 * Keeps the hot path in C: each pycb_* scheduling function builds one
 * libcouchbase command, schedules it and frees it, so Python makes a single
 * C call per operation. Every KV response, whatever its type, is flattened
 * into one pycb_RESP struct; the plain successful ones are queued and handed to
 * Python in batches (pycb_on_kv_batch, see pycb_kv_flush), the others one by one
 * through pycb_on_response (see _callbacks.py).
 *
 * Cookies are plain integers: the instance cookie is the connection id and
 * the operation cookie is the key of the operation in the connection's
 * pending registry. A late or duplicate response is then a harmless miss in
 * a dict, never a dangling pointer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <libcouchbase/couchbase.h>
#include <libcouchbase/iops.h>
#include <libcouchbase/pktfwd.h>
#include <libcouchbase/vbucket.h>

#include "_bridge.h"

/* Exported by libcouchbase 3.x (LIBCOUCHBASE_API) but declared only in its
 * internal headers: opaque handles and plain C functions, so declaring the
 * prototypes here is ABI-safe. */
typedef struct lcb_CMDSTATS_ lcb_CMDSTATS;
typedef struct lcb_RESPSTATS_ lcb_RESPSTATS;
lcb_STATUS lcb_cmdstats_create(lcb_CMDSTATS **cmd);
lcb_STATUS lcb_cmdstats_destroy(lcb_CMDSTATS *cmd);
lcb_STATUS lcb_cmdstats_key(lcb_CMDSTATS *cmd, const char *key, size_t key_len);
lcb_STATUS lcb_respstats_status(const lcb_RESPSTATS *resp);
lcb_STATUS lcb_respstats_cookie(const lcb_RESPSTATS *resp, void **cookie);
lcb_STATUS lcb_respstats_key(const lcb_RESPSTATS *resp, const char **key, size_t *key_len);
lcb_STATUS lcb_respstats_value(const lcb_RESPSTATS *resp, const char **value, size_t *value_len);
lcb_STATUS lcb_respstats_server(const lcb_RESPSTATS *resp, const char **server, size_t *server_len);
lcb_STATUS lcb_stats(lcb_INSTANCE *instance, void *cookie, const lcb_CMDSTATS *cmd);

/* Python entry points, defined with @ffi.def_extern in _callbacks.py. */
static void pycb_on_response(pycb_RESP *resp);
static void pycb_on_log(uint64_t iid, const char *subsys, int severity, const char *srcfile, int srcline,
                        const char *message);

/* ---- rows delivered together -----------------------------------------------
 * Query, analytics and search rows arrive many per socket read; each used to be one call into
 * Python. They are copied into this thread's batch instead, as the JSON array "[row0,row1,...]"
 * (row i ends at ends[i], the next starts one byte later), and handed over in one call
 * (pycb_on_rows) by pycb_rows_flush: when the event that produced them has been handled (after
 * a host loop's readiness event or timer, when lcb_wait returns, after lcb_destroy), before any
 * other response is delivered (pycb_deliver: the order of callbacks does not change), and
 * whenever the batch holds PYCB_ROWS_MAX rows or PYCB_ROWS_MAX_BYTES bytes (back-pressure still
 * sees rows as they come). The batch is detached before Python runs, so whatever is delivered
 * while Python handles it (a close failing the requests in flight) starts a batch of its own;
 * its memory is freed after every flush. Thread-local: lcb_wait runs without the GIL, on any
 * number of threads at once. */
#if defined(_MSC_VER)
#define PYCB_TLS __declspec(thread)
#else
#define PYCB_TLS __thread
#endif
#define PYCB_ROWS_MAX 256
#define PYCB_ROWS_MAX_BYTES (256 * 1024)

typedef struct {
    uint64_t conn_id;
    uint64_t cookie;
    int cbtype;
    char *data;
    size_t ndata;
    size_t cap;
    size_t *ends;
    size_t n;
    size_t ncap;
} pycb_ROWBATCH;

static PYCB_TLS pycb_ROWBATCH pycb_rows;

static void pycb_on_rows(uint64_t conn_id, uint64_t cookie, int cbtype, const char *data, const size_t *ends,
                         size_t n);

static void pycb_rows_flush(void)
{
    pycb_ROWBATCH b = pycb_rows;
    if (b.data == NULL && b.ends == NULL) {
        return;
    }
    memset(&pycb_rows, 0, sizeof(pycb_rows));
    if (b.n) {
        b.data[b.ndata] = ']'; /* room kept by pycb_rows_add */
        pycb_on_rows(b.conn_id, b.cookie, b.cbtype, b.data, b.ends, b.n);
    }
    free(b.data);
    free(b.ends);
}

static void pycb_kv_flush(void);

/* Queue one row; 0 if it could not be queued (no memory): the caller delivers it on its own. */
static int pycb_rows_add(uint64_t conn_id, uint64_t cookie, int cbtype, const char *row, size_t nrow)
{
    pycb_ROWBATCH *b = &pycb_rows;
    size_t need;
    pycb_kv_flush(); /* key-value completions produced earlier go first */
    if (b->n && (b->conn_id != conn_id || b->cookie != cookie || b->cbtype != cbtype)) {
        pycb_rows_flush();
    }
    if (b->n == b->ncap) {
        size_t ncap = b->ncap ? b->ncap * 2 : 64;
        size_t *ends = (size_t *)realloc(b->ends, ncap * sizeof(size_t));
        if (ends == NULL) {
            pycb_rows_flush();
            return 0;
        }
        b->ends = ends;
        b->ncap = ncap;
    }
    need = nrow + 2; /* the row, the '[' or ',' before it, and the ']' a flush adds after it */
    if (need < nrow) {
        pycb_rows_flush();
        return 0;
    }
    if (need > b->cap - b->ndata) {
        size_t cap = b->cap ? b->cap : 4096;
        char *data;
        while (cap - b->ndata < need && cap < ((size_t)-1) / 2) {
            cap *= 2;
        }
        if (cap - b->ndata < need || (data = (char *)realloc(b->data, cap)) == NULL) {
            pycb_rows_flush();
            return 0;
        }
        b->data = data;
        b->cap = cap;
    }
    b->data[b->ndata++] = b->n ? ',' : '[';
    if (nrow) {
        memcpy(b->data + b->ndata, row, nrow);
    }
    b->ndata += nrow;
    b->ends[b->n++] = b->ndata;
    b->conn_id = conn_id;
    b->cookie = cookie;
    b->cbtype = cbtype;
    if (b->n >= PYCB_ROWS_MAX || b->ndata >= PYCB_ROWS_MAX_BYTES) {
        pycb_rows_flush();
    }
    return 1;
}

/* ---- key-value completions delivered together ------------------------------
 * One socket read completes many operations; each used to be one call into Python. The
 * successful final responses of the plain operations (get, store, remove, touch, unlock,
 * exists, counter) are copied into this thread's batch instead (the pycb_RESP, its key and
 * value copied into the batch's own buffer: nothing in it points into libcouchbase) and handed
 * over in one call (pycb_on_kv_batch) by pycb_kv_flush, at the same moments as rows (see
 * pycb_flush). Everything else (failures, which need the live error context; sub-document,
 * stats, ping and diagnostics responses, which read libcouchbase's response object; values
 * larger than PYCB_KV_BIG) is delivered at once, after what is queued: callbacks keep the order
 * libcouchbase produced them in. A batch holds at most PYCB_KV_MAX responses or PYCB_KV_MAX_BYTES
 * bytes; Python gets each run of one connection's responses in one call (it looks the connection
 * up once, and a cookie is only meaningful to the connection that issued it). It is
 * detached before Python runs: a callback that closes the connection or makes libcouchbase
 * deliver more starts a new batch, and the memory handed to Python stays valid until it
 * returns, whatever the callbacks do to the instance. */
#define PYCB_KV_MAX 1024
#define PYCB_KV_MAX_BYTES (256 * 1024)
#define PYCB_KV_BIG (16 * 1024)

typedef struct {
    pycb_RESP *recs;
    size_t n;
    size_t ncap;
    char *data; /* keys and values; recs[i].key/.value hold offsets into it until the flush */
    size_t ndata;
    size_t cap;
} pycb_KVBATCH;

static PYCB_TLS pycb_KVBATCH pycb_kv;

/* The parent span of the commands this thread builds (pycb_set_parent_span, _observe.c). */
static PYCB_TLS lcbtrace_SPAN *pycb_parent;
static lcbmetrics_METER *pycb_meter_new(uint64_t meter_id); /* _observe.c */
static int pycb_tracer_install(lcb_INSTANCE *instance, uint64_t tracer_id); /* _observe.c */

static void pycb_on_kv_batch(pycb_RESP *recs, size_t n);

static void pycb_kv_flush(void)
{
    pycb_KVBATCH b = pycb_kv;
    size_t i;
    if (b.recs == NULL && b.data == NULL) {
        return;
    }
    memset(&pycb_kv, 0, sizeof(pycb_kv));
    for (i = 0; i < b.n; i++) { /* offsets become pointers: the buffer no longer moves */
        pycb_RESP *r = &b.recs[i];
        r->key = r->nkey ? b.data + (uintptr_t)r->key : ""; /* never NULL, as libcouchbase's */
        r->value = r->nvalue ? b.data + (uintptr_t)r->value : "";
    }
    for (i = 0; i < b.n;) { /* one call per run of one connection's responses */
        size_t end = i + 1;
        while (end < b.n && b.recs[end].conn_id == b.recs[i].conn_id) {
            end++;
        }
        pycb_on_kv_batch(b.recs + i, end - i);
        i = end;
    }
    free(b.recs);
    free(b.data);
}

/* Everything queued, in the order it was produced (only one of the two batches holds anything:
 * queueing into one flushes the other first). */
static void pycb_flush(void)
{
    pycb_kv_flush();
    pycb_rows_flush();
}

/* Whether `resp` may wait in the batch: a plain operation's successful, final response that
 * refers to nothing of libcouchbase's but its key and value. */
static int pycb_kv_batchable(const pycb_RESP *resp)
{
    if (resp->rc != LCB_SUCCESS || !resp->is_final || resp->nvalue > PYCB_KV_BIG || resp->nkey > PYCB_KV_BIG) {
        return 0;
    }
    switch (resp->cbtype) {
    case LCB_CALLBACK_GET:
    case LCB_CALLBACK_STORE:
    case LCB_CALLBACK_REMOVE:
    case LCB_CALLBACK_TOUCH:
    case LCB_CALLBACK_UNLOCK:
    case LCB_CALLBACK_EXISTS:
    case LCB_CALLBACK_COUNTER:
        return 1;
    default:
        return 0;
    }
}

/* Append `len` bytes to the batch's buffer; the offset they start at, or (size_t)-1 (no memory). */
static size_t pycb_kv_copy(pycb_KVBATCH *b, const char *src, size_t len)
{
    size_t off = b->ndata;
    if (len > b->cap - b->ndata) {
        size_t cap = b->cap ? b->cap : 8192;
        char *data;
        while (cap - b->ndata < len) {
            cap *= 2; /* len <= PYCB_KV_BIG and ndata < PYCB_KV_MAX_BYTES + 2 * PYCB_KV_BIG: no overflow */
        }
        data = (char *)realloc(b->data, cap);
        if (data == NULL) {
            return (size_t)-1;
        }
        b->data = data;
        b->cap = cap;
    }
    if (len) {
        memcpy(b->data + off, src, len);
    }
    b->ndata += len;
    return off;
}

/* Queue one response; 0 if it must be delivered on its own (not batchable, or no memory). */
static int pycb_kv_add(const pycb_RESP *resp)
{
    pycb_KVBATCH *b = &pycb_kv;
    pycb_RESP *rec;
    size_t nmark, koff, voff;
    if (!pycb_kv_batchable(resp)) {
        return 0;
    }
    pycb_rows_flush(); /* rows produced earlier go first */
    if (b->n == b->ncap) {
        size_t ncap = b->ncap ? b->ncap * 2 : 64;
        pycb_RESP *recs = (pycb_RESP *)realloc(b->recs, ncap * sizeof(pycb_RESP));
        if (recs == NULL) {
            return 0;
        }
        b->recs = recs;
        b->ncap = ncap;
    }
    nmark = b->ndata;
    koff = pycb_kv_copy(b, resp->key, resp->nkey);
    voff = koff == (size_t)-1 ? koff : pycb_kv_copy(b, resp->value, resp->nvalue);
    if (voff == (size_t)-1) {
        b->ndata = nmark;
        return 0;
    }
    rec = &b->recs[b->n++];
    *rec = *resp;
    rec->key = (const char *)(uintptr_t)koff;
    rec->value = (const char *)(uintptr_t)voff;
    rec->errctx = NULL; /* success: no error context; and libcouchbase's objects die with the callback */
    rec->raw = NULL;
    if (b->n >= PYCB_KV_MAX || b->ndata >= PYCB_KV_MAX_BYTES) {
        pycb_kv_flush();
    }
    return 1;
}

/* Every response reaches Python through here: what is queued before it goes first. */
static void pycb_deliver(pycb_RESP *resp)
{
    pycb_flush();
    pycb_on_response(resp);
}

/* lcb_wait, then what it left queued. */
static lcb_STATUS pycb_wait(lcb_INSTANCE *instance)
{
    lcb_STATUS rc = lcb_wait(instance, LCB_WAIT_DEFAULT);
    pycb_flush();
    return rc;
}

static uint64_t pycb_conn_id(lcb_INSTANCE *instance)
{
    return (uint64_t)(uintptr_t)lcb_get_cookie(instance);
}

static void pycb_fill_token(pycb_RESP *out, const lcb_MUTATION_TOKEN *tok)
{
    if (lcb_mutation_token_is_valid(tok)) {
        out->has_token = 1;
        out->token_uuid = tok->uuid_;
        out->token_seqno = tok->seqno_;
        out->token_vbid = tok->vbid_;
    }
}

static void pycb_kv_callback(lcb_INSTANCE *instance, int cbtype, const lcb_RESPBASE *rb)
{
    pycb_RESP out;
    void *cookie = NULL;
    lcb_MUTATION_TOKEN tok;
    memset(&out, 0, sizeof(out));
    memset(&tok, 0, sizeof(tok));
    out.conn_id = pycb_conn_id(instance);
    out.cbtype = cbtype;
    out.raw = rb;
    out.is_final = 1;

    switch (cbtype) {
    case LCB_CALLBACK_GET: {
        const lcb_RESPGET *r = (const lcb_RESPGET *)rb;
        out.rc = lcb_respget_status(r);
        lcb_respget_cookie(r, &cookie);
        lcb_respget_cas(r, &out.cas);
        lcb_respget_flags(r, &out.flags);
        lcb_respget_datatype(r, &out.datatype);
        lcb_respget_key(r, &out.key, &out.nkey);
        lcb_respget_value(r, &out.value, &out.nvalue);
        lcb_respget_error_context(r, &out.errctx);
        break;
    }
    case LCB_CALLBACK_GETREPLICA: {
        const lcb_RESPGETREPLICA *r = (const lcb_RESPGETREPLICA *)rb;
        out.rc = lcb_respgetreplica_status(r);
        lcb_respgetreplica_cookie(r, &cookie);
        lcb_respgetreplica_cas(r, &out.cas);
        lcb_respgetreplica_flags(r, &out.flags);
        lcb_respgetreplica_datatype(r, &out.datatype);
        lcb_respgetreplica_key(r, &out.key, &out.nkey);
        lcb_respgetreplica_value(r, &out.value, &out.nvalue);
        lcb_respgetreplica_error_context(r, &out.errctx);
        out.is_final = lcb_respgetreplica_is_final(r);
        out.is_active = lcb_respgetreplica_is_active(r);
        break;
    }
    case LCB_CALLBACK_STORE: {
        const lcb_RESPSTORE *r = (const lcb_RESPSTORE *)rb;
        lcb_STORE_OPERATION op = LCB_STORE_UPSERT;
        out.rc = lcb_respstore_status(r);
        lcb_respstore_cookie(r, &cookie);
        lcb_respstore_cas(r, &out.cas);
        lcb_respstore_key(r, &out.key, &out.nkey);
        lcb_respstore_error_context(r, &out.errctx);
        lcb_respstore_operation(r, &op);
        out.store_operation = (int)op;
        if (lcb_respstore_mutation_token(r, &tok) == LCB_SUCCESS) {
            pycb_fill_token(&out, &tok);
        }
        out.observe_attached = lcb_respstore_observe_attached(r);
        if (out.observe_attached) {
            lcb_respstore_observe_stored(r, &out.observe_stored);
            lcb_respstore_observe_master_exists(r, &out.observe_master_exists);
            lcb_respstore_observe_master_persisted(r, &out.observe_master_persisted);
            lcb_respstore_observe_num_persisted(r, &out.observe_num_persisted);
            lcb_respstore_observe_num_replicated(r, &out.observe_num_replicated);
        }
        break;
    }
    case LCB_CALLBACK_REMOVE: {
        const lcb_RESPREMOVE *r = (const lcb_RESPREMOVE *)rb;
        out.rc = lcb_respremove_status(r);
        lcb_respremove_cookie(r, &cookie);
        lcb_respremove_cas(r, &out.cas);
        lcb_respremove_key(r, &out.key, &out.nkey);
        lcb_respremove_error_context(r, &out.errctx);
        if (lcb_respremove_mutation_token(r, &tok) == LCB_SUCCESS) {
            pycb_fill_token(&out, &tok);
        }
        break;
    }
    case LCB_CALLBACK_TOUCH: {
        const lcb_RESPTOUCH *r = (const lcb_RESPTOUCH *)rb;
        out.rc = lcb_resptouch_status(r);
        lcb_resptouch_cookie(r, &cookie);
        lcb_resptouch_cas(r, &out.cas);
        lcb_resptouch_key(r, &out.key, &out.nkey);
        lcb_resptouch_error_context(r, &out.errctx);
        break;
    }
    case LCB_CALLBACK_UNLOCK: {
        const lcb_RESPUNLOCK *r = (const lcb_RESPUNLOCK *)rb;
        out.rc = lcb_respunlock_status(r);
        lcb_respunlock_cookie(r, &cookie);
        lcb_respunlock_cas(r, &out.cas);
        lcb_respunlock_key(r, &out.key, &out.nkey);
        lcb_respunlock_error_context(r, &out.errctx);
        break;
    }
    case LCB_CALLBACK_EXISTS: {
        const lcb_RESPEXISTS *r = (const lcb_RESPEXISTS *)rb;
        out.rc = lcb_respexists_status(r);
        lcb_respexists_cookie(r, &cookie);
        lcb_respexists_cas(r, &out.cas);
        lcb_respexists_key(r, &out.key, &out.nkey);
        lcb_respexists_error_context(r, &out.errctx);
        out.is_found = lcb_respexists_is_found(r);
        break;
    }
    case LCB_CALLBACK_COUNTER: {
        const lcb_RESPCOUNTER *r = (const lcb_RESPCOUNTER *)rb;
        out.rc = lcb_respcounter_status(r);
        lcb_respcounter_cookie(r, &cookie);
        lcb_respcounter_cas(r, &out.cas);
        lcb_respcounter_key(r, &out.key, &out.nkey);
        lcb_respcounter_value(r, &out.counter);
        lcb_respcounter_error_context(r, &out.errctx);
        if (lcb_respcounter_mutation_token(r, &tok) == LCB_SUCCESS) {
            pycb_fill_token(&out, &tok);
        }
        break;
    }
    case LCB_CALLBACK_SDLOOKUP:
    case LCB_CALLBACK_SDMUTATE: {
        const lcb_RESPSUBDOC *r = (const lcb_RESPSUBDOC *)rb;
        out.rc = lcb_respsubdoc_status(r);
        lcb_respsubdoc_cookie(r, &cookie);
        lcb_respsubdoc_cas(r, &out.cas);
        lcb_respsubdoc_key(r, &out.key, &out.nkey);
        lcb_respsubdoc_error_context(r, &out.errctx);
        out.is_deleted = lcb_respsubdoc_is_deleted(r);
        if (cbtype == LCB_CALLBACK_SDMUTATE && lcb_respsubdoc_mutation_token(r, &tok) == LCB_SUCCESS) {
            pycb_fill_token(&out, &tok);
        }
        break;
    }
    case LCB_CALLBACK_STATS: {
        const lcb_RESPSTATS *r = (const lcb_RESPSTATS *)rb;
        const char *server = NULL;
        size_t nserver = 0;
        out.rc = lcb_respstats_status(r);
        lcb_respstats_cookie(r, &cookie);
        lcb_respstats_key(r, &out.key, &out.nkey);
        lcb_respstats_value(r, &out.value, &out.nvalue);
        lcb_respstats_server(r, &server, &nserver);
        /* Only the closing, library-generated response has no server. */
        out.is_final = server == NULL;
        break;
    }
    case LCB_CALLBACK_PING: {
        const lcb_RESPPING *r = (const lcb_RESPPING *)rb;
        out.rc = lcb_respping_status(r);
        lcb_respping_cookie(r, &cookie);
        lcb_respping_value(r, &out.value, &out.nvalue);
        break;
    }
    case LCB_CALLBACK_DIAG: {
        const lcb_RESPDIAG *r = (const lcb_RESPDIAG *)rb;
        out.rc = lcb_respdiag_status(r);
        lcb_respdiag_cookie(r, &cookie);
        lcb_respdiag_value(r, &out.value, &out.nvalue);
        break;
    }
    default:
        return;
    }
    out.cookie = (uint64_t)(uintptr_t)cookie;
    if (!pycb_kv_add(&out)) {
        pycb_deliver(&out);
    }
}

static const char *pycb_stats_server(const void *raw)
{
    const char *server = NULL;
    size_t nserver = 0;
    lcb_respstats_server((const lcb_RESPSTATS *)raw, &server, &nserver);
    return server;
}

static int pycb_install_callbacks(lcb_INSTANCE *instance)
{
    static const int types[] = {LCB_CALLBACK_GET,     LCB_CALLBACK_GETREPLICA, LCB_CALLBACK_STORE,
                                LCB_CALLBACK_REMOVE,  LCB_CALLBACK_TOUCH,      LCB_CALLBACK_UNLOCK,
                                LCB_CALLBACK_EXISTS,  LCB_CALLBACK_COUNTER,    LCB_CALLBACK_SDLOOKUP,
                                LCB_CALLBACK_SDMUTATE, LCB_CALLBACK_STATS,     LCB_CALLBACK_PING,
                                LCB_CALLBACK_DIAG};
    size_t i;
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        lcb_install_callback(instance, types[i], (lcb_RESPCALLBACK)pycb_kv_callback);
    }
    return 0;
}

/* ---- instance life cycle ---------------------------------------------- */

/* Lines below this severity are dropped in C, before any formatting. */
static int pycb_log_min_level = LCB_LOG_WARN;

static void pycb_set_log_level(int level)
{
    pycb_log_min_level = level;
}

static void pycb_log_callback(const lcb_LOGGER *procs, uint64_t iid, const char *subsys, lcb_LOG_SEVERITY severity,
                              const char *srcfile, int srcline, const char *fmt, va_list ap)
{
    char buf[2048];
    char *line = buf;
    va_list again;
    int n;
    (void)procs;
    if ((int)severity < pycb_log_min_level) {
        return;
    }
    va_copy(again, ap);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    /* Long lines (the tracer's over-threshold and orphan reports are JSON documents of several
     * KiB) are formatted whole in a buffer of their size: cut short, they were no longer JSON. */
    if (n >= (int)sizeof(buf)) {
        char *big = (char *)malloc((size_t)n + 1);
        if (big != NULL) {
            vsnprintf(big, (size_t)n + 1, fmt, again);
            line = big;
        }
    }
    va_end(again);
    pycb_on_log(iid, subsys, (int)severity, srcfile, srcline, line);
    if (line != buf) {
        free(line);
    }
}

static void pycb_install_pktfwd(lcb_INSTANCE *instance);
static void pycb_install_http_callback(lcb_INSTANCE *instance);

static lcb_STATUS pycb_create(lcb_INSTANCE **instance, int type, const char *connstr, size_t nconnstr,
                              const char *user, size_t nuser, const char *pass, size_t npass, lcb_LOGGER **logger_out,
                              lcb_io_opt_t io, uint64_t conn_id, uint64_t tracer_id, uint64_t meter_id,
                              void **meter_out)
{
    lcb_CREATEOPTS *opts = NULL;
    lcb_LOGGER *logger = NULL;
    lcbmetrics_METER *meter = NULL;
    lcb_STATUS rc;
    *logger_out = NULL;
    *meter_out = NULL;
    if (meter_id) {
        meter = pycb_meter_new(meter_id);
        if (meter == NULL) {
            return LCB_ERR_NO_MEMORY;
        }
    }
    lcb_createopts_create(&opts, type == 1 ? LCB_TYPE_CLUSTER : LCB_TYPE_BUCKET);
    lcb_createopts_connstr(opts, connstr, nconnstr);
    if (nuser || npass) {
        lcb_createopts_credentials(opts, user, nuser, pass, npass);
    }
    if (io) {
        lcb_createopts_io(opts, io);
    }
    lcb_logger_create(&logger, NULL);
    lcb_logger_callback(logger, pycb_log_callback);
    lcb_createopts_logger(opts, logger);
    if (meter) {
        lcb_createopts_meter(opts, meter);
    }
    rc = lcb_create(instance, opts);
    lcb_createopts_destroy(opts);
    if (rc == LCB_SUCCESS && tracer_id && pycb_tracer_install(*instance, tracer_id) != 0) {
        lcb_destroy(*instance);
        rc = LCB_ERR_NO_MEMORY;
    }
    if (rc != LCB_SUCCESS) {
        if (logger) {
            lcb_logger_destroy(logger);
        }
        if (meter) { /* libcouchbase never destroys the base meter it was given */
            lcbmetrics_meter_destroy(meter);
        }
        *instance = NULL;
        return rc;
    }
    lcb_set_cookie(*instance, (void *)(uintptr_t)conn_id);
    pycb_install_callbacks(*instance);
    pycb_install_pktfwd(*instance);
    pycb_install_http_callback(*instance);
    /* The logger and the meter must outlive the instance: pycb_destroy releases all three. */
    *logger_out = logger;
    *meter_out = meter;
    return LCB_SUCCESS;
}

static int pycb_iops_is_ours(lcb_io_opt_t io); /* _iops.c */

/* libcouchbase's built-in select loop (the blocking front end) keeps a "loop running" flag
 * that a select() cut short by a signal (EINTR) leaves set; destroying the instance then
 * prints "WARN: libcouchbase(plugin-select): the event loop might be still active" straight
 * to stderr, past any logger. Nothing runs the loop here (the core never destroys inside
 * lcb_wait), so clear the flag through the loop's own stop procedure first. */
static void pycb_stop_builtin_loop(lcb_INSTANCE *instance)
{
    lcb_io_opt_t io = NULL;
    lcb_loop_procs loop;
    lcb_timer_procs timer;
    lcb_bsd_procs bsd;
    lcb_ev_procs ev;
    lcb_completion_procs completion;
    lcb_iomodel_t model;
    lcb_io_procs_fn get_procs = NULL;
    if (lcb_cntl(instance, LCB_CNTL_GET, LCB_CNTL_IOPS, &io) != LCB_SUCCESS || io == NULL || pycb_iops_is_ours(io)) {
        return;
    }
    if (io->version == 2) {
        get_procs = io->v.v2.get_procs;
    } else if (io->version == 3) { /* the built-in plugins */
        get_procs = io->v.v3.get_procs;
    }
    if (get_procs == NULL) {
        return;
    }
    memset(&loop, 0, sizeof(loop));
    memset(&timer, 0, sizeof(timer));
    memset(&bsd, 0, sizeof(bsd));
    memset(&ev, 0, sizeof(ev));
    memset(&completion, 0, sizeof(completion));
    get_procs(LCB_IOPROCS_VERSION, &loop, &timer, &bsd, &ev, &completion, &model);
    if (loop.stop) {
        loop.stop(io);
    }
}

static void pycb_destroy(lcb_INSTANCE *instance, lcb_LOGGER *logger, void *meter)
{
    pycb_stop_builtin_loop(instance);
    lcb_destroy(instance);
    pycb_flush();
    if (meter) {
        lcbmetrics_meter_destroy((const lcbmetrics_METER *)meter);
    }
    if (logger) {
        lcb_logger_destroy(logger);
    }
}

/* ---- KV scheduling ---------------------------------------------------- */

/* The scope and collection of a KV command, and the parent span set around this scheduling call
 * (a parent_span option with an external tracer; see _observe.c). */
#define PYCB_COLLECTION(kind)                                                                                          \
    if (nscope || ncoll) {                                                                                             \
        lcb_cmd##kind##_collection(cmd, scope, nscope, coll, ncoll);                                                   \
    }                                                                                                                  \
    if (pycb_parent != NULL) {                                                                                         \
        lcb_cmd##kind##_parent_span(cmd, pycb_parent);                                                                 \
    }

static lcb_STATUS pycb_get(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope, const char *coll,
                           size_t ncoll, const char *key, size_t nkey, int mode, uint32_t expiry, uint32_t timeout)
{
    lcb_CMDGET *cmd;
    lcb_STATUS rc;
    lcb_cmdget_create(&cmd);
    PYCB_COLLECTION(get)
    lcb_cmdget_key(cmd, key, nkey);
    if (mode == 1) {
        lcb_cmdget_expiry(cmd, expiry);
    } else if (mode == 2) {
        lcb_cmdget_locktime(cmd, expiry);
    }
    if (timeout) {
        lcb_cmdget_timeout(cmd, timeout);
    }
    rc = lcb_get(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdget_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_store(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                             const char *coll, size_t ncoll, const char *key, size_t nkey, const char *value,
                             size_t nvalue, int operation, uint32_t flags, uint32_t expiry, uint64_t cas,
                             uint8_t datatype, int durability_level, int persist_to, int replicate_to,
                             int preserve_expiry, uint32_t timeout)
{
    lcb_CMDSTORE *cmd;
    lcb_STATUS rc;
    lcb_cmdstore_create(&cmd, (lcb_STORE_OPERATION)operation);
    PYCB_COLLECTION(store)
    lcb_cmdstore_key(cmd, key, nkey);
    lcb_cmdstore_value(cmd, value, nvalue);
    lcb_cmdstore_flags(cmd, flags);
    if (expiry) {
        lcb_cmdstore_expiry(cmd, expiry);
    }
    if (cas) {
        lcb_cmdstore_cas(cmd, cas);
    }
    if (datatype) {
        lcb_cmdstore_datatype(cmd, datatype);
    }
    if (durability_level) {
        rc = lcb_cmdstore_durability(cmd, (lcb_DURABILITY_LEVEL)durability_level);
        if (rc != LCB_SUCCESS) {
            lcb_cmdstore_destroy(cmd);
            return rc;
        }
    }
    if (persist_to || replicate_to) {
        rc = lcb_cmdstore_durability_observe(cmd, persist_to, replicate_to);
        if (rc != LCB_SUCCESS) {
            lcb_cmdstore_destroy(cmd);
            return rc;
        }
    }
    if (preserve_expiry) {
        lcb_cmdstore_preserve_expiry(cmd, 1);
    }
    if (timeout) {
        lcb_cmdstore_timeout(cmd, timeout);
    }
    rc = lcb_store(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdstore_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_remove(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                              const char *coll, size_t ncoll, const char *key, size_t nkey, uint64_t cas,
                              int durability_level, uint32_t timeout)
{
    lcb_CMDREMOVE *cmd;
    lcb_STATUS rc;
    lcb_cmdremove_create(&cmd);
    PYCB_COLLECTION(remove)
    lcb_cmdremove_key(cmd, key, nkey);
    if (cas) {
        lcb_cmdremove_cas(cmd, cas);
    }
    if (durability_level) {
        lcb_cmdremove_durability(cmd, (lcb_DURABILITY_LEVEL)durability_level);
    }
    if (timeout) {
        lcb_cmdremove_timeout(cmd, timeout);
    }
    rc = lcb_remove(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdremove_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_touch(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                             const char *coll, size_t ncoll, const char *key, size_t nkey, uint32_t expiry,
                             uint32_t timeout)
{
    lcb_CMDTOUCH *cmd;
    lcb_STATUS rc;
    lcb_cmdtouch_create(&cmd);
    PYCB_COLLECTION(touch)
    lcb_cmdtouch_key(cmd, key, nkey);
    lcb_cmdtouch_expiry(cmd, expiry);
    if (timeout) {
        lcb_cmdtouch_timeout(cmd, timeout);
    }
    rc = lcb_touch(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdtouch_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_unlock(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                              const char *coll, size_t ncoll, const char *key, size_t nkey, uint64_t cas,
                              uint32_t timeout)
{
    lcb_CMDUNLOCK *cmd;
    lcb_STATUS rc;
    lcb_cmdunlock_create(&cmd);
    PYCB_COLLECTION(unlock)
    lcb_cmdunlock_key(cmd, key, nkey);
    lcb_cmdunlock_cas(cmd, cas);
    if (timeout) {
        lcb_cmdunlock_timeout(cmd, timeout);
    }
    rc = lcb_unlock(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdunlock_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_exists(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                              const char *coll, size_t ncoll, const char *key, size_t nkey, uint32_t timeout)
{
    lcb_CMDEXISTS *cmd;
    lcb_STATUS rc;
    lcb_cmdexists_create(&cmd);
    PYCB_COLLECTION(exists)
    lcb_cmdexists_key(cmd, key, nkey);
    if (timeout) {
        lcb_cmdexists_timeout(cmd, timeout);
    }
    rc = lcb_exists(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdexists_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_counter(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                               const char *coll, size_t ncoll, const char *key, size_t nkey, int64_t delta,
                               uint64_t initial, int has_initial, uint32_t expiry, int durability_level,
                               uint32_t timeout)
{
    lcb_CMDCOUNTER *cmd;
    lcb_STATUS rc;
    lcb_cmdcounter_create(&cmd);
    PYCB_COLLECTION(counter)
    lcb_cmdcounter_key(cmd, key, nkey);
    lcb_cmdcounter_delta(cmd, delta);
    if (has_initial) {
        lcb_cmdcounter_initial(cmd, initial);
    }
    if (expiry) {
        lcb_cmdcounter_expiry(cmd, expiry);
    }
    if (durability_level) {
        lcb_cmdcounter_durability(cmd, (lcb_DURABILITY_LEVEL)durability_level);
    }
    if (timeout) {
        lcb_cmdcounter_timeout(cmd, timeout);
    }
    rc = lcb_counter(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdcounter_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_getreplica(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                                  const char *coll, size_t ncoll, const char *key, size_t nkey, int mode,
                                  uint32_t timeout)
{
    lcb_CMDGETREPLICA *cmd;
    lcb_STATUS rc;
    lcb_cmdgetreplica_create(&cmd, (lcb_REPLICA_MODE)mode);
    PYCB_COLLECTION(getreplica)
    lcb_cmdgetreplica_key(cmd, key, nkey);
    if (timeout) {
        lcb_cmdgetreplica_timeout(cmd, timeout);
    }
    rc = lcb_getreplica(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdgetreplica_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_subdoc_spec(lcb_SUBDOCSPECS *specs, size_t i, int op, uint32_t flags, const char *path,
                                   size_t npath, const char *value, size_t nvalue, int64_t delta)
{
    switch (op) {
    case PYCB_SD_GET:
        return lcb_subdocspecs_get(specs, i, flags, path, npath);
    case PYCB_SD_GET_DOC:
        return lcb_subdocspecs_get(specs, i, flags, NULL, 0);
    case PYCB_SD_EXISTS:
        return lcb_subdocspecs_exists(specs, i, flags, path, npath);
    case PYCB_SD_GET_COUNT:
        return lcb_subdocspecs_get_count(specs, i, flags, path, npath);
    case PYCB_SD_REPLACE:
        return lcb_subdocspecs_replace(specs, i, flags, path, npath, value, nvalue);
    case PYCB_SD_REPLACE_DOC:
        return lcb_subdocspecs_replace(specs, i, flags, NULL, 0, value, nvalue);
    case PYCB_SD_DICT_ADD:
        return lcb_subdocspecs_dict_add(specs, i, flags, path, npath, value, nvalue);
    case PYCB_SD_DICT_UPSERT:
        return lcb_subdocspecs_dict_upsert(specs, i, flags, path, npath, value, nvalue);
    case PYCB_SD_ARRAY_ADD_FIRST:
        return lcb_subdocspecs_array_add_first(specs, i, flags, path, npath, value, nvalue);
    case PYCB_SD_ARRAY_ADD_LAST:
        return lcb_subdocspecs_array_add_last(specs, i, flags, path, npath, value, nvalue);
    case PYCB_SD_ARRAY_ADD_UNIQUE:
        return lcb_subdocspecs_array_add_unique(specs, i, flags, path, npath, value, nvalue);
    case PYCB_SD_ARRAY_INSERT:
        return lcb_subdocspecs_array_insert(specs, i, flags, path, npath, value, nvalue);
    case PYCB_SD_COUNTER:
        return lcb_subdocspecs_counter(specs, i, flags, path, npath, delta);
    case PYCB_SD_REMOVE:
        return lcb_subdocspecs_remove(specs, i, flags, path, npath);
    case PYCB_SD_REMOVE_DOC:
        return lcb_subdocspecs_remove(specs, i, flags, NULL, 0);
    default:
        return LCB_ERR_INVALID_ARGUMENT;
    }
}

static lcb_STATUS pycb_subdoc(lcb_INSTANCE *instance, uint64_t cookie, const char *scope, size_t nscope,
                              const char *coll, size_t ncoll, const char *key, size_t nkey, size_t nspecs,
                              const int *ops, const uint32_t *flags, const char **paths, const size_t *npaths,
                              const char **values, const size_t *nvalues, const int64_t *deltas, uint64_t cas,
                              uint32_t expiry, int preserve_expiry, int store_semantics, int access_deleted,
                              int durability_level, uint32_t timeout)
{
    lcb_CMDSUBDOC *cmd;
    lcb_SUBDOCSPECS *specs;
    lcb_STATUS rc = LCB_SUCCESS;
    size_t i;
    lcb_subdocspecs_create(&specs, nspecs);
    for (i = 0; i < nspecs; i++) {
        rc = pycb_subdoc_spec(specs, i, ops[i], flags[i], paths[i], npaths[i], values[i], nvalues[i], deltas[i]);
        if (rc != LCB_SUCCESS) {
            lcb_subdocspecs_destroy(specs);
            return rc;
        }
    }
    lcb_cmdsubdoc_create(&cmd);
    PYCB_COLLECTION(subdoc)
    lcb_cmdsubdoc_key(cmd, key, nkey);
    lcb_cmdsubdoc_specs(cmd, specs);
    if (cas) {
        lcb_cmdsubdoc_cas(cmd, cas);
    }
    if (expiry) {
        lcb_cmdsubdoc_expiry(cmd, expiry);
    }
    if (preserve_expiry) {
        lcb_cmdsubdoc_preserve_expiry(cmd, 1);
    }
    if (store_semantics >= 0) {
        lcb_cmdsubdoc_store_semantics(cmd, (lcb_SUBDOC_STORE_SEMANTICS)store_semantics);
    }
    if (access_deleted) {
        lcb_cmdsubdoc_access_deleted(cmd, 1);
    }
    if (durability_level) {
        lcb_cmdsubdoc_durability(cmd, (lcb_DURABILITY_LEVEL)durability_level);
    }
    if (timeout) {
        lcb_cmdsubdoc_timeout(cmd, timeout);
    }
    rc = lcb_subdoc(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdsubdoc_destroy(cmd);
    lcb_subdocspecs_destroy(specs);
    return rc;
}

static lcb_STATUS pycb_stats(lcb_INSTANCE *instance, uint64_t cookie, const char *group, size_t ngroup)
{
    lcb_CMDSTATS *cmd;
    lcb_STATUS rc;
    lcb_cmdstats_create(&cmd);
    if (ngroup) {
        lcb_cmdstats_key(cmd, group, ngroup);
    }
    rc = lcb_stats(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdstats_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_ping(lcb_INSTANCE *instance, uint64_t cookie, uint32_t timeout)
{
    lcb_CMDPING *cmd;
    lcb_STATUS rc;
    lcb_cmdping_create(&cmd);
    lcb_cmdping_all(cmd);
    lcb_cmdping_encode_json(cmd, 1, 0, 1);
    if (timeout) {
        lcb_cmdping_timeout(cmd, timeout);
    }
    rc = lcb_ping(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdping_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_diag(lcb_INSTANCE *instance, uint64_t cookie)
{
    lcb_CMDDIAG *cmd;
    lcb_STATUS rc;
    lcb_cmddiag_create(&cmd);
    lcb_cmddiag_prettify(cmd, 0);
    rc = lcb_diag(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmddiag_destroy(cmd);
    return rc;
}

/* ---- error context ---------------------------------------------------- */

static void pycb_errctx(const lcb_KEY_VALUE_ERROR_CONTEXT *ctx, pycb_ERRCTX *out)
{
    memset(out, 0, sizeof(*out));
    if (!ctx) {
        return;
    }
    lcb_errctx_kv_status_code(ctx, &out->status_code);
    lcb_errctx_kv_opaque(ctx, &out->opaque);
    lcb_errctx_kv_ref(ctx, &out->ref, &out->nref);
    lcb_errctx_kv_context(ctx, &out->context, &out->ncontext);
    lcb_errctx_kv_endpoint(ctx, &out->endpoint, &out->nendpoint);
    lcb_errctx_kv_bucket(ctx, &out->bucket, &out->nbucket);
}

/* ---- raw packets: OBSERVE_SEQNO and OBSERVE through lcb_pktfwd3 --------
 * Client-side durability (persist_to/replicate_to for operations whose
 * libcouchbase command has no observe option) and observe() are built on
 * these two public primitives: forward one raw packet to a given server index
 * and get the raw reply back. The reply's body is passed to Python while the
 * backing buffer is still referenced, then released. */

/* The memcached binary protocol's 24-byte header: field offsets and the values used here. */
#define MC_HEADER_SIZE 24
#define MC_OFF_MAGIC 0
#define MC_OFF_OPCODE 1
#define MC_OFF_KEYLEN 2
#define MC_OFF_EXTLEN 4
#define MC_OFF_VBUCKET 6 /* requests; responses carry the status there */
#define MC_OFF_STATUS 6
#define MC_OFF_BODYLEN 8
#define MC_OFF_CAS 16
#define MC_MAGIC_REQUEST 0x80
#define MC_OPCODE_OBSERVE 0x92
#define MC_OPCODE_OBSERVE_SEQNO 0x91
/* Room for a key in observe_key: at most 250 bytes plus its collection-id prefix, with margin. */
#define MC_MAX_OBSERVE_KEY 300

static void pycb_pktfwd_callback(lcb_INSTANCE *instance, const void *cookie, lcb_STATUS err, lcb_PKTFWDRESP *resp)
{
    pycb_RESP out;
    unsigned i;
    memset(&out, 0, sizeof(out));
    out.conn_id = pycb_conn_id(instance);
    out.cookie = (uint64_t)(uintptr_t)cookie;
    out.cbtype = PYCB_CALLBACK_PKTFWD;
    out.rc = err;
    out.is_final = 1;
    if (resp && resp->header && resp->nitems > 0) {
        const uint8_t *hdr = resp->header;
        const char *packet = (const char *)resp->iovs[0].iov_base;
        size_t npacket = resp->iovs[0].iov_len;
        out.kv_status = (uint16_t)((hdr[MC_OFF_STATUS] << 8) | hdr[MC_OFF_STATUS + 1]);
        out.cas = 0;
        out.datatype = hdr[5];
        for (i = MC_OFF_CAS; i < MC_HEADER_SIZE; i++) {
            out.cas = (out.cas << 8) | hdr[i];
        }
        if (npacket >= MC_HEADER_SIZE) {
            uint8_t extlen = hdr[MC_OFF_EXTLEN];
            size_t skip = MC_HEADER_SIZE + extlen + (size_t)((hdr[MC_OFF_KEYLEN] << 8) | hdr[MC_OFF_KEYLEN + 1]);
            if (skip <= npacket) {
                out.value = packet + skip;
                out.nvalue = npacket - skip;
                /* the extras (e.g. GET_COLLECTION_ID's manifest uid and collection id) */
                out.key = packet + MC_HEADER_SIZE;
                out.nkey = extlen;
            }
        }
    }
    pycb_deliver(&out);
    if (resp) {
        for (i = 0; i < resp->nitems; i++) {
            if (resp->bufs && resp->bufs[i]) {
                lcb_backbuf_unref(resp->bufs[i]);
            }
        }
    }
}

static void pycb_install_pktfwd(lcb_INSTANCE *instance)
{
    lcb_set_pktfwd_callback(instance, pycb_pktfwd_callback);
}

static void pycb_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void pycb_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static lcb_STATUS pycb_forward(lcb_INSTANCE *instance, uint64_t cookie, int server_index, const uint8_t *packet,
                               size_t npacket)
{
    lcb_CMDPKTFWD cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.vb.vtype = LCB_KV_COPY;
    cmd.vb.u_buf.contig.bytes = packet;
    cmd.vb.u_buf.contig.nbytes = npacket;
    cmd.nomap = 1;
    cmd.server_index = (lcb_U16)server_index;
    return lcb_pktfwd3(instance, (const void *)(uintptr_t)cookie, &cmd);
}

/* A raw request built by Python (sub-document lookups on replicas, GET_COLLECTION_ID,
 * GET_CLUSTER_CONFIG), forwarded as is to one server. */
static lcb_STATUS pycb_forward_packet(lcb_INSTANCE *instance, uint64_t cookie, int server_index,
                                      const uint8_t *packet, size_t npacket)
{
    if (npacket < MC_HEADER_SIZE || packet[MC_OFF_MAGIC] != MC_MAGIC_REQUEST) {
        return LCB_ERR_INVALID_ARGUMENT;
    }
    return pycb_forward(instance, cookie, server_index, packet, npacket);
}

/* The revision of the current cluster configuration (-1 without one). */
static int64_t pycb_vb_revision(lcb_INSTANCE *instance)
{
    lcbvb_CONFIG *cfg = NULL;
    if (lcb_cntl(instance, LCB_CNTL_GET, LCB_CNTL_VBCONFIG, &cfg) != LCB_SUCCESS || cfg == NULL) {
        return -1;
    }
    return (int64_t)lcbvb_get_revision(cfg);
}

/* OBSERVE_SEQNO for one vBucket on one server: the body is the vBucket's uuid. */
static lcb_STATUS pycb_observe_seqno(lcb_INSTANCE *instance, uint64_t cookie, int server_index, uint16_t vbid,
                                     uint64_t vbuuid)
{
    uint8_t pkt[MC_HEADER_SIZE + 8];
    int i;
    memset(pkt, 0, sizeof(pkt));
    pkt[MC_OFF_MAGIC] = MC_MAGIC_REQUEST;
    pkt[MC_OFF_OPCODE] = MC_OPCODE_OBSERVE_SEQNO;
    pycb_put16(pkt + MC_OFF_VBUCKET, vbid);
    pycb_put32(pkt + MC_OFF_BODYLEN, 8);
    for (i = 0; i < 8; i++) {
        pkt[MC_HEADER_SIZE + i] = (uint8_t)(vbuuid >> (56 - 8 * i));
    }
    return pycb_forward(instance, cookie, server_index, pkt, sizeof(pkt));
}

/* OBSERVE of one (collection-prefixed) key on one server: the body is
 * vbucket (2 bytes), key length (2 bytes), key. */
static lcb_STATUS pycb_observe_key(lcb_INSTANCE *instance, uint64_t cookie, int server_index, uint16_t vbid,
                                   const char *key, size_t nkey)
{
    uint8_t pkt[MC_HEADER_SIZE + 4 + MC_MAX_OBSERVE_KEY];
    if (nkey > MC_MAX_OBSERVE_KEY) {
        return LCB_ERR_INVALID_ARGUMENT;
    }
    memset(pkt, 0, MC_HEADER_SIZE + 4);
    pkt[MC_OFF_MAGIC] = MC_MAGIC_REQUEST;
    pkt[MC_OFF_OPCODE] = MC_OPCODE_OBSERVE;
    pycb_put32(pkt + MC_OFF_BODYLEN, (uint32_t)(4 + nkey));
    pycb_put16(pkt + MC_HEADER_SIZE, vbid);
    pycb_put16(pkt + MC_HEADER_SIZE + 2, (uint16_t)nkey);
    memcpy(pkt + MC_HEADER_SIZE + 4, key, nkey);
    return pycb_forward(instance, cookie, server_index, pkt, MC_HEADER_SIZE + 4 + nkey);
}

/* Server indexes holding a vBucket: out[0] = active, out[1..] = replicas
 * (-1 where none). Returns the number of replicas configured, or -1 without
 * a configuration. */
static int pycb_vb_servers(lcb_INSTANCE *instance, int vbid, int *out, int nout)
{
    lcbvb_CONFIG *cfg = NULL;
    int nrep, i;
    if (lcb_cntl(instance, LCB_CNTL_GET, LCB_CNTL_VBCONFIG, &cfg) != LCB_SUCCESS || cfg == NULL) {
        return -1;
    }
    nrep = (int)lcbvb_get_nreplicas(cfg);
    for (i = 0; i < nout; i++) {
        out[i] = -1;
    }
    if (nout > 0) {
        out[0] = lcbvb_vbmaster(cfg, vbid);
    }
    for (i = 0; i < nrep && i + 1 < nout; i++) {
        out[i + 1] = lcbvb_vbreplica(cfg, vbid, (unsigned)i);
    }
    return nrep;
}

/* vBucket of a key under the current configuration (-1 without one). */
static int pycb_key_vbucket(lcb_INSTANCE *instance, const char *key, size_t nkey)
{
    lcb_cntl_vbinfo_t info;
    memset(&info, 0, sizeof(info));
    info.version = 0;
    info.v.v0.key = key;
    info.v.v0.nkey = nkey;
    if (lcb_cntl(instance, LCB_CNTL_GET, LCB_CNTL_VBMAP, &info) != LCB_SUCCESS) {
        return -1;
    }
    return info.v.v0.vbucket;
}
