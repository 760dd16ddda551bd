/*
 * Constants of the IOPS bridge shared with Python: #included by _iops.c
 * and read by build_ffi.py into the cffi cdef, so each is declared once. Only what
 * cffi's cdef parser accepts: typedefs, structs and integer #defines (no #if,
 * no #include, no include guard).
 */

/* flags/usecs passed to pycb_iops_event/pycb_iops_timer when C frees a watcher/timer */
#define PYCB_IOPS_DESTROYED -2
/* actions passed to pycb_iops_loop */
#define PYCB_IOPS_STOP 0
#define PYCB_IOPS_START 1
#define PYCB_IOPS_RELEASED 2
