/*
 * Types and constants of the external tracer and meter shared with Python: #included by
 * _observe.c and read by build_ffi.py into the cffi cdef (see _services.h for the rules).
 * None so far: Python knows spans, tracers, meters and recorders by integer ids only.
 */
