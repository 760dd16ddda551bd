/*
 * Types and constants of the HTTP services shared with Python: #included by _services.c
 * and read by build_ffi.py into the cffi cdef, so each is declared once. Only what
 * cffi's cdef parser accepts: typedefs, structs and integer #defines (no #if,
 * no #include, no include guard).
 */

/* cbtype of service rows and final responses (beside libcouchbase's LCB_CALLBACK_*). */
#define PYCB_CALLBACK_QUERY 1001
#define PYCB_CALLBACK_ANALYTICS 1002
#define PYCB_CALLBACK_SEARCH 1003
#define PYCB_CALLBACK_VIEW 1004

/* Error details of a service's final response, read by pycb_service_error. */
typedef struct {
    uint32_t code;
    uint32_t http_status;
    const char *message;
    size_t nmessage;
    const char *body;
    size_t nbody;
    const char *endpoint;
    size_t nendpoint;
} pycb_SVCERR;
