/*
 * Types and constants of the external tracer and meter shared with Python: #included by
 * _observe.c and read by build_ffi.py into the cffi cdef (see _services.h for the rules).
 */

/* The span id C hands libcouchbase when Python could not give one: libcouchbase must never get
 * NULL back from start_span (it would then use a span it never initialised); Python treats this
 * id, like any id it does not know, as a miss. */
#define PYCB_SPAN_NONE 0xFFFFFFFF
