/*
 * The external tracer and meter: libcouchbase's version-1 tracer callbacks and its metrics
 * value recorders, forwarded to the user's tracer and meter objects (couchbase._observe).
 *
 * Ownership. The tracer struct is ours (calloc'd here, installed with lcb_set_tracer after a
 * successful lcb_create, in place of libcouchbase's threshold tracer, which is destroyed);
 * lcb_destroy destroys it through its destructor, which tells Python (pycb_tracer_released) and
 * frees it. The base meter is ours too: libcouchbase wraps it in its caching meter (which
 * destroys the recorders it obtained, each telling Python through its destructor) and never
 * destroys it; pycb_destroy does, after lcb_destroy. A span is a pycb_XSPAN (the Python span
 * id and its attributes so far): libcouchbase owns it, creates it through start_span and
 * releases it through destroy_span.
 */
#include <libcouchbase/tracing.h>
#include <libcouchbase/metrics.h>

#include "_observe.h"

static uint64_t pycb_span_start(uint64_t tracer_id, const char *name, uint64_t parent_id);
static void pycb_span_end(uint64_t span_id, const char *tags, size_t ntags);
static void pycb_span_destroy(uint64_t span_id);
static void pycb_tracer_released(uint64_t tracer_id);
static uint64_t pycb_meter_recorder(uint64_t meter_id, const char *name, const char **keys, const char **values,
                                    size_t ntags);
static void pycb_recorder_value(uint64_t recorder_id, uint64_t value);
static void pycb_recorder_released(uint64_t recorder_id);
static void pycb_meter_released(uint64_t meter_id);

#define PYCB_ID(p) ((uint64_t)(uintptr_t)(p))
#define PYCB_PTR(id) ((void *)(uintptr_t)(id))

/* ---- tracer ---------------------------------------------------------------------------- */

/* What libcouchbase holds as an external span: the Python span id and the attributes set on it
 * so far, handed to Python in one call when the span ends (one C->Python call per attribute
 * would cost more than the rest of a small operation). Each attribute is its name, NUL, then 's',
 * a 4-byte little-endian length and the bytes, or 'u' and 8 little-endian bytes. */
typedef struct {
    uint64_t id;
    unsigned char *tags;
    size_t len;
    size_t cap;
} pycb_XSPAN;

/* What start_span returns when it cannot allocate: libcouchbase must never get NULL back (it
 * would go on with a span it has not initialised). Id 0 is unknown to Python; never freed. */
static pycb_XSPAN pycb_xspan_none = {0, NULL, 0, 0};

static pycb_XSPAN *pycb_xspan_new(uint64_t id)
{
    pycb_XSPAN *span = (pycb_XSPAN *)calloc(1, sizeof(*span));
    if (span == NULL) {
        return NULL;
    }
    span->id = id;
    return span;
}

static void pycb_xspan_free(pycb_XSPAN *span)
{
    if (span != NULL && span != &pycb_xspan_none) {
        free(span->tags);
        free(span);
    }
}

/* Room for `more` bytes of attributes; 0 when there is none (the attribute is dropped). */
static int pycb_xspan_reserve(pycb_XSPAN *span, size_t more)
{
    unsigned char *grown;
    size_t cap;
    if (span == &pycb_xspan_none) {
        return 0;
    }
    if (span->len + more <= span->cap) {
        return 1;
    }
    cap = span->cap ? span->cap : 512;
    while (cap < span->len + more) {
        cap *= 2;
    }
    grown = (unsigned char *)realloc(span->tags, cap);
    if (grown == NULL) {
        return 0;
    }
    span->tags = grown;
    span->cap = cap;
    return 1;
}

static void pycb_xspan_put(pycb_XSPAN *span, const void *data, size_t n)
{
    memcpy(span->tags + span->len, data, n);
    span->len += n;
}

static void pycb_xspan_put_le(pycb_XSPAN *span, uint64_t value, int nbytes)
{
    int i;
    for (i = 0; i < nbytes; i++) {
        span->tags[span->len++] = (unsigned char)(value >> (8 * i));
    }
}

static void *pycb_tr_start(lcbtrace_TRACER *tracer, const char *name, void *parent)
{
    uint64_t parent_id = parent != NULL ? ((pycb_XSPAN *)parent)->id : 0;
    uint64_t id = pycb_span_start(PYCB_ID(tracer->cookie), name ? name : "", parent_id);
    pycb_XSPAN *span = pycb_xspan_new(id);
    if (span == NULL) {
        pycb_span_destroy(id);
        return &pycb_xspan_none;
    }
    return span;
}

static void pycb_tr_end(void *span)
{
    pycb_XSPAN *xs = (pycb_XSPAN *)span;
    pycb_span_end(xs->id, (const char *)xs->tags, xs->len);
    xs->len = 0;
}

static void pycb_tr_destroy_span(void *span)
{
    pycb_XSPAN *xs = (pycb_XSPAN *)span;
    pycb_span_destroy(xs->id);
    pycb_xspan_free(xs);
}

static void pycb_tr_tag_str(void *span, const char *name, const char *value, size_t nvalue)
{
    pycb_XSPAN *xs = (pycb_XSPAN *)span;
    size_t nname;
    if (name == NULL || value == NULL || nvalue > UINT32_MAX) {
        return;
    }
    nname = strlen(name);
    if (pycb_xspan_reserve(xs, nname + 1 + 1 + 4 + nvalue)) {
        pycb_xspan_put(xs, name, nname + 1);
        pycb_xspan_put(xs, "s", 1);
        pycb_xspan_put_le(xs, (uint64_t)nvalue, 4);
        pycb_xspan_put(xs, value, nvalue);
    }
}

static void pycb_tr_tag_u64(void *span, const char *name, uint64_t value)
{
    pycb_XSPAN *xs = (pycb_XSPAN *)span;
    size_t nname;
    if (name == NULL) {
        return;
    }
    nname = strlen(name);
    if (pycb_xspan_reserve(xs, nname + 1 + 1 + 8)) {
        pycb_xspan_put(xs, name, nname + 1);
        pycb_xspan_put(xs, "u", 1);
        pycb_xspan_put_le(xs, value, 8);
    }
}

static void pycb_tr_destructor(lcbtrace_TRACER *tracer)
{
    pycb_tracer_released(PYCB_ID(tracer->cookie));
    free(tracer);
}

/* Replace the instance's tracer (libcouchbase's threshold tracer, if enabled) with an external
 * one forwarding to Python tracer `tracer_id`. 0 on success, -1 when out of memory. */
static int pycb_tracer_install(lcb_INSTANCE *instance, uint64_t tracer_id)
{
    lcbtrace_TRACER *old;
    lcbtrace_TRACER *tracer = (lcbtrace_TRACER *)calloc(1, sizeof(*tracer));
    if (tracer == NULL) {
        return -1;
    }
    tracer->version = 1;
    tracer->flags = LCBTRACE_F_EXTERNAL;
    tracer->cookie = PYCB_PTR(tracer_id);
    tracer->destructor = pycb_tr_destructor;
    tracer->v.v1.start_span = pycb_tr_start;
    tracer->v.v1.end_span = pycb_tr_end;
    tracer->v.v1.destroy_span = pycb_tr_destroy_span;
    tracer->v.v1.add_tag_string = pycb_tr_tag_str;
    tracer->v.v1.add_tag_uint64 = pycb_tr_tag_u64;
    old = lcb_get_tracer(instance);
    lcb_set_tracer(instance, tracer); /* lcb_set_tracer does not destroy the one it replaces */
    if (old != NULL) {
        lcbtrace_destroy(old);
    }
    return 0;
}

/* A libcouchbase span standing for the user's span `span_id` (a parent_span option): what the
 * commands' *_parent_span take. NULL when the instance has no external tracer. Released with
 * pycb_span_release once nothing started from it is alive (Python counts). */
void *pycb_span_wrap(lcb_INSTANCE *instance, uint64_t span_id)
{
    lcbtrace_SPAN *span = NULL;
    pycb_XSPAN *xs;
    lcbtrace_TRACER *tracer = lcb_get_tracer(instance);
    if (tracer == NULL || tracer->destructor != pycb_tr_destructor) {
        return NULL;
    }
    xs = pycb_xspan_new(span_id); /* freed by destroy_span, when the wrapper is released */
    if (xs == NULL) {
        return NULL;
    }
    if (lcbtrace_span_wrap(tracer, "parent", LCBTRACE_NOW, xs, &span) != LCB_SUCCESS) {
        pycb_xspan_free(xs);
        return NULL;
    }
    lcbtrace_span_set_is_outer(span, 0); /* the operation's span stays the outer one, named after it */
    return span;
}

void pycb_span_release(void *span)
{
    if (span != NULL) {
        lcbtrace_span_finish((lcbtrace_SPAN *)span, LCBTRACE_NOW); /* Python ignores the end of a wrapper */
    }
}

/* The parent span the KV and query commands built on this thread take (pycb_parent, _bridge.c):
 * set around one scheduling call, NULL otherwise. */
void pycb_set_parent_span(void *span)
{
    pycb_parent = (lcbtrace_SPAN *)span;
}

/* ---- meter ----------------------------------------------------------------------------- */

#define PYCB_MAX_TAGS 16

static void pycb_mt_record(const lcbmetrics_VALUERECORDER *recorder, uint64_t value)
{
    void *cookie = NULL;
    if (lcbmetrics_valuerecorder_cookie(recorder, &cookie) == LCB_SUCCESS) {
        pycb_recorder_value(PYCB_ID(cookie), value);
    }
}

static void pycb_mt_recorder_dtor(const lcbmetrics_VALUERECORDER *recorder)
{
    void *cookie = NULL;
    if (lcbmetrics_valuerecorder_cookie(recorder, &cookie) == LCB_SUCCESS) {
        pycb_recorder_released(PYCB_ID(cookie));
    }
}

static const lcbmetrics_VALUERECORDER *pycb_mt_value_recorder(const lcbmetrics_METER *meter, const char *name,
                                                              const lcbmetrics_TAG *tags, size_t ntags)
{
    const char *keys[PYCB_MAX_TAGS];
    const char *values[PYCB_MAX_TAGS];
    void *cookie = NULL;
    lcbmetrics_VALUERECORDER *recorder = NULL;
    uint64_t id;
    size_t i, n = 0;
    if (lcbmetrics_meter_cookie(meter, &cookie) != LCB_SUCCESS) {
        return NULL;
    }
    for (i = 0; i < ntags && n < PYCB_MAX_TAGS; i++) {
        if (tags[i].key != NULL && tags[i].value != NULL) {
            keys[n] = tags[i].key;
            values[n] = tags[i].value;
            n++;
        }
    }
    id = pycb_meter_recorder(PYCB_ID(cookie), name ? name : "", keys, values, n);
    if (id == 0 || lcbmetrics_valuerecorder_create(&recorder, PYCB_PTR(id)) != LCB_SUCCESS) {
        return NULL; /* libcouchbase records nothing for a NULL recorder */
    }
    lcbmetrics_valuerecorder_record_value_callback(recorder, pycb_mt_record);
    lcbmetrics_valuerecorder_dtor_callback(recorder, pycb_mt_recorder_dtor);
    return recorder;
}

static void pycb_mt_dtor(const lcbmetrics_METER *meter)
{
    void *cookie = NULL;
    if (lcbmetrics_meter_cookie(meter, &cookie) == LCB_SUCCESS) {
        pycb_meter_released(PYCB_ID(cookie));
    }
}

/* The base meter of an instance (lcb_createopts_meter), forwarding to Python meter `meter_id`. */
static lcbmetrics_METER *pycb_meter_new(uint64_t meter_id)
{
    lcbmetrics_METER *meter = NULL;
    if (lcbmetrics_meter_create(&meter, PYCB_PTR(meter_id)) != LCB_SUCCESS) {
        return NULL;
    }
    lcbmetrics_meter_value_recorder_callback(meter, pycb_mt_value_recorder);
    lcbmetrics_meter_dtor_callback(meter, pycb_mt_dtor);
    return meter;
}
