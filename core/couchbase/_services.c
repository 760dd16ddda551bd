/*
 * C side of the HTTP services: N1QL, analytics, search, views and raw HTTP
 * (management) requests. Each scheduling function builds one libcouchbase
 * command from a payload Python has already encoded (the JSON body, or the
 * view options string). Query, analytics and search rows reach Python in batches through
 * pycb_on_rows (see pycb_rows_flush in _bridge.c); view rows and the closing metadata
 * (is_final set) through pycb_on_response like every KV response, with cbtype
 * one of the PYCB_CALLBACK_* values below. Error details of the final
 * response are read on demand with pycb_service_error while it is valid.
 */

#include "_services.h"

static void pycb_fill_row(lcb_INSTANCE *instance, int cbtype, int rc, void *cookie, const char *row, size_t nrow,
                          int is_final, const void *raw)
{
    pycb_RESP out;
    uint64_t conn_id = pycb_conn_id(instance);
    if (!is_final && rc == LCB_SUCCESS &&
        pycb_rows_add(conn_id, (uint64_t)(uintptr_t)cookie, cbtype, row, nrow)) {
        return; /* delivered with the rows of the same event (see pycb_rows_flush) */
    }
    memset(&out, 0, sizeof(out));
    out.conn_id = conn_id;
    out.cookie = (uint64_t)(uintptr_t)cookie;
    out.cbtype = cbtype;
    out.rc = rc;
    out.value = row;
    out.nvalue = nrow;
    out.is_final = is_final;
    out.raw = raw;
    pycb_deliver(&out);
}

static void pycb_query_cb(lcb_INSTANCE *instance, int cbtype, const lcb_RESPQUERY *r)
{
    void *cookie = NULL;
    const char *row = NULL;
    size_t nrow = 0;
    (void)cbtype;
    lcb_respquery_cookie(r, &cookie);
    lcb_respquery_row(r, &row, &nrow);
    pycb_fill_row(instance, PYCB_CALLBACK_QUERY, lcb_respquery_status(r), cookie, row, nrow,
                  lcb_respquery_is_final(r), r);
}

static void pycb_analytics_cb(lcb_INSTANCE *instance, int cbtype, const lcb_RESPANALYTICS *r)
{
    void *cookie = NULL;
    const char *row = NULL;
    size_t nrow = 0;
    (void)cbtype;
    lcb_respanalytics_cookie(r, &cookie);
    lcb_respanalytics_row(r, &row, &nrow);
    pycb_fill_row(instance, PYCB_CALLBACK_ANALYTICS, lcb_respanalytics_status(r), cookie, row, nrow,
                  lcb_respanalytics_is_final(r), r);
}

static void pycb_search_cb(lcb_INSTANCE *instance, int cbtype, const lcb_RESPSEARCH *r)
{
    void *cookie = NULL;
    const char *row = NULL;
    size_t nrow = 0;
    (void)cbtype;
    lcb_respsearch_cookie(r, &cookie);
    lcb_respsearch_row(r, &row, &nrow);
    pycb_fill_row(instance, PYCB_CALLBACK_SEARCH, lcb_respsearch_status(r), cookie, row, nrow,
                  lcb_respsearch_is_final(r), r);
}

static void pycb_view_cb(lcb_INSTANCE *instance, int cbtype, const lcb_RESPVIEW *r)
{
    pycb_RESP out;
    void *cookie = NULL;
    const lcb_RESPGET *doc = NULL;
    (void)cbtype;
    memset(&out, 0, sizeof(out));
    out.conn_id = pycb_conn_id(instance);
    lcb_respview_cookie(r, &cookie);
    out.cookie = (uint64_t)(uintptr_t)cookie;
    out.cbtype = PYCB_CALLBACK_VIEW;
    out.rc = lcb_respview_status(r);
    out.is_final = lcb_respview_is_final(r);
    out.raw = r;
    lcb_respview_row(r, &out.value, &out.nvalue);
    if (!out.is_final) {
        lcb_respview_key(r, &out.key, &out.nkey);
        lcb_respview_doc_id(r, &out.id, &out.nid);
        lcb_respview_document(r, &doc);
        if (doc) {
            out.doc_rc = lcb_respget_status(doc);
            lcb_respget_value(doc, &out.doc, &out.ndoc);
            lcb_respget_flags(doc, &out.flags);
            lcb_respget_cas(doc, &out.cas);
            out.has_doc = 1;
        }
    }
    pycb_deliver(&out);
}

static void pycb_http_cb(lcb_INSTANCE *instance, int cbtype, const lcb_RESPBASE *rb)
{
    const lcb_RESPHTTP *r = (const lcb_RESPHTTP *)rb;
    pycb_RESP out;
    void *cookie = NULL;
    uint16_t status = 0;
    (void)cbtype;
    memset(&out, 0, sizeof(out));
    out.conn_id = pycb_conn_id(instance);
    lcb_resphttp_cookie(r, &cookie);
    out.cookie = (uint64_t)(uintptr_t)cookie;
    out.cbtype = LCB_CALLBACK_HTTP;
    out.rc = lcb_resphttp_status(r);
    out.is_final = lcb_resphttp_is_final(r);
    lcb_resphttp_http_status(r, &status);
    out.http_status = status;
    lcb_resphttp_body(r, &out.value, &out.nvalue);
    out.raw = r;
    pycb_deliver(&out);
}

static void pycb_install_http_callback(lcb_INSTANCE *instance)
{
    lcb_install_callback(instance, LCB_CALLBACK_HTTP, (lcb_RESPCALLBACK)pycb_http_cb);
}

/* Error details of a final service response (valid only inside the callback). */
static void pycb_service_error(int cbtype, const void *raw, pycb_SVCERR *out)
{
    memset(out, 0, sizeof(*out));
    if (cbtype == PYCB_CALLBACK_QUERY) {
        const lcb_QUERY_ERROR_CONTEXT *ctx = NULL;
        lcb_respquery_error_context((const lcb_RESPQUERY *)raw, &ctx);
        if (ctx) {
            lcb_errctx_query_first_error_code(ctx, &out->code);
            lcb_errctx_query_first_error_message(ctx, &out->message, &out->nmessage);
            lcb_errctx_query_http_response_code(ctx, &out->http_status);
            lcb_errctx_query_http_response_body(ctx, &out->body, &out->nbody);
            lcb_errctx_query_endpoint(ctx, &out->endpoint, &out->nendpoint);
        }
    } else if (cbtype == PYCB_CALLBACK_ANALYTICS) {
        const lcb_ANALYTICS_ERROR_CONTEXT *ctx = NULL;
        lcb_respanalytics_error_context((const lcb_RESPANALYTICS *)raw, &ctx);
        if (ctx) {
            lcb_errctx_analytics_first_error_code(ctx, &out->code);
            lcb_errctx_analytics_first_error_message(ctx, &out->message, &out->nmessage);
            lcb_errctx_analytics_http_response_code(ctx, &out->http_status);
            lcb_errctx_analytics_http_response_body(ctx, &out->body, &out->nbody);
            lcb_errctx_analytics_endpoint(ctx, &out->endpoint, &out->nendpoint);
        }
    } else if (cbtype == PYCB_CALLBACK_SEARCH) {
        const lcb_SEARCH_ERROR_CONTEXT *ctx = NULL;
        lcb_respsearch_error_context((const lcb_RESPSEARCH *)raw, &ctx);
        if (ctx) {
            lcb_errctx_search_error_message(ctx, &out->message, &out->nmessage);
            lcb_errctx_search_http_response_code(ctx, &out->http_status);
            lcb_errctx_search_http_response_body(ctx, &out->body, &out->nbody);
            lcb_errctx_search_endpoint(ctx, &out->endpoint, &out->nendpoint);
        }
    } else if (cbtype == PYCB_CALLBACK_VIEW) {
        const lcb_VIEW_ERROR_CONTEXT *ctx = NULL;
        lcb_respview_error_context((const lcb_RESPVIEW *)raw, &ctx);
        if (ctx) {
            lcb_errctx_view_first_error_message(ctx, &out->message, &out->nmessage);
            lcb_errctx_view_http_response_code(ctx, &out->http_status);
            lcb_errctx_view_http_response_body(ctx, &out->body, &out->nbody);
            lcb_errctx_view_endpoint(ctx, &out->endpoint, &out->nendpoint);
        }
    } else if (cbtype == LCB_CALLBACK_HTTP) {
        const lcb_HTTP_ERROR_CONTEXT *ctx = NULL;
        lcb_resphttp_error_context((const lcb_RESPHTTP *)raw, &ctx);
        if (ctx) {
            lcb_errctx_http_response_code(ctx, &out->http_status);
            lcb_errctx_http_response_body(ctx, &out->body, &out->nbody);
            lcb_errctx_http_endpoint(ctx, &out->endpoint, &out->nendpoint);
        }
    }
}

static lcb_STATUS pycb_query(lcb_INSTANCE *instance, uint64_t cookie, const char *payload, size_t npayload,
                             int prepared, uint32_t timeout, void **handle)
{
    lcb_CMDQUERY *cmd;
    lcb_QUERY_HANDLE *h = NULL;
    lcb_STATUS rc;
    lcb_cmdquery_create(&cmd);
    rc = lcb_cmdquery_payload(cmd, payload, npayload);
    if (rc == LCB_SUCCESS) {
        lcb_cmdquery_callback(cmd, pycb_query_cb);
        if (prepared) {
            lcb_cmdquery_adhoc(cmd, 0);
        }
        if (timeout) {
            lcb_cmdquery_timeout(cmd, timeout);
        }
        if (pycb_parent != NULL) {
            lcb_cmdquery_parent_span(cmd, pycb_parent);
        }
        lcb_cmdquery_handle(cmd, &h);
        rc = lcb_query(instance, (void *)(uintptr_t)cookie, cmd);
    }
    lcb_cmdquery_destroy(cmd);
    *handle = (rc == LCB_SUCCESS) ? (void *)h : NULL;
    return rc;
}

static lcb_STATUS pycb_analytics(lcb_INSTANCE *instance, uint64_t cookie, const char *payload, size_t npayload,
                                 int priority, uint32_t timeout, void **handle)
{
    lcb_CMDANALYTICS *cmd;
    lcb_ANALYTICS_HANDLE *h = NULL;
    lcb_STATUS rc;
    lcb_cmdanalytics_create(&cmd);
    rc = lcb_cmdanalytics_payload(cmd, payload, npayload);
    if (rc == LCB_SUCCESS) {
        lcb_cmdanalytics_callback(cmd, pycb_analytics_cb);
        if (priority) {
            lcb_cmdanalytics_priority(cmd, 1);
        }
        if (timeout) {
            lcb_cmdanalytics_timeout(cmd, timeout);
        }
        if (pycb_parent != NULL) {
            lcb_cmdanalytics_parent_span(cmd, pycb_parent);
        }
        lcb_cmdanalytics_handle(cmd, &h);
        rc = lcb_analytics(instance, (void *)(uintptr_t)cookie, cmd);
    }
    lcb_cmdanalytics_destroy(cmd);
    *handle = (rc == LCB_SUCCESS) ? (void *)h : NULL;
    return rc;
}

static lcb_STATUS pycb_search(lcb_INSTANCE *instance, uint64_t cookie, const char *payload, size_t npayload,
                              uint32_t timeout, void **handle)
{
    lcb_CMDSEARCH *cmd;
    lcb_SEARCH_HANDLE *h = NULL;
    lcb_STATUS rc;
    lcb_cmdsearch_create(&cmd);
    rc = lcb_cmdsearch_payload(cmd, payload, npayload);
    if (rc == LCB_SUCCESS) {
        lcb_cmdsearch_callback(cmd, pycb_search_cb);
        if (timeout) {
            lcb_cmdsearch_timeout(cmd, timeout);
        }
        if (pycb_parent != NULL) {
            lcb_cmdsearch_parent_span(cmd, pycb_parent);
        }
        lcb_cmdsearch_handle(cmd, &h);
        rc = lcb_search(instance, (void *)(uintptr_t)cookie, cmd);
    }
    lcb_cmdsearch_destroy(cmd);
    *handle = (rc == LCB_SUCCESS) ? (void *)h : NULL;
    return rc;
}

static lcb_STATUS pycb_view(lcb_INSTANCE *instance, uint64_t cookie, const char *ddoc, size_t nddoc, const char *view,
                            size_t nview, const char *options, size_t noptions, const char *post, size_t npost,
                            int include_docs, uint32_t timeout, void **handle)
{
    lcb_CMDVIEW *cmd;
    lcb_VIEW_HANDLE *h = NULL;
    lcb_STATUS rc;
    lcb_cmdview_create(&cmd);
    lcb_cmdview_design_document(cmd, ddoc, nddoc);
    lcb_cmdview_view_name(cmd, view, nview);
    if (noptions) {
        lcb_cmdview_option_string(cmd, options, noptions);
    }
    if (npost) {
        lcb_cmdview_post_data(cmd, post, npost);
    }
    lcb_cmdview_include_docs(cmd, include_docs);
    lcb_cmdview_callback(cmd, pycb_view_cb);
    if (timeout) {
        lcb_cmdview_timeout(cmd, timeout);
    }
    lcb_cmdview_handle(cmd, &h);
    rc = lcb_view(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdview_destroy(cmd);
    *handle = (rc == LCB_SUCCESS) ? (void *)h : NULL;
    return rc;
}

static lcb_STATUS pycb_http(lcb_INSTANCE *instance, uint64_t cookie, int type, int method, const char *path,
                            size_t npath, const char *body, size_t nbody, const char *content_type, uint32_t timeout)
{
    lcb_CMDHTTP *cmd;
    lcb_STATUS rc;
    lcb_cmdhttp_create(&cmd, (lcb_HTTP_TYPE)type);
    lcb_cmdhttp_method(cmd, (lcb_HTTP_METHOD)method);
    lcb_cmdhttp_path(cmd, path, npath);
    if (nbody) {
        lcb_cmdhttp_body(cmd, body, nbody);
    }
    if (content_type && content_type[0]) {
        lcb_cmdhttp_content_type(cmd, content_type, strlen(content_type));
    }
    if (timeout) {
        lcb_cmdhttp_timeout(cmd, timeout);
    }
    rc = lcb_http(instance, (void *)(uintptr_t)cookie, cmd);
    lcb_cmdhttp_destroy(cmd);
    return rc;
}

static lcb_STATUS pycb_cancel_service(lcb_INSTANCE *instance, int cbtype, void *handle)
{
    if (!handle) {
        return LCB_SUCCESS;
    }
    switch (cbtype) {
    case PYCB_CALLBACK_QUERY:
        return lcb_query_cancel(instance, (lcb_QUERY_HANDLE *)handle);
    case PYCB_CALLBACK_ANALYTICS:
        return lcb_analytics_cancel(instance, (lcb_ANALYTICS_HANDLE *)handle);
    case PYCB_CALLBACK_SEARCH:
        return lcb_search_cancel(instance, (lcb_SEARCH_HANDLE *)handle);
    case PYCB_CALLBACK_VIEW:
        return lcb_view_cancel(instance, (lcb_VIEW_HANDLE *)handle);
    default:
        return LCB_ERR_INVALID_ARGUMENT;
    }
}
