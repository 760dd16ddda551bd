/* The IOPS bridge: libcouchbase's event-model I/O plugin, driven by a host loop.
 *
 * libcouchbase keeps doing its own socket calls (lcb_iops_wire_bsd_impl2); it
 * only asks the host to watch file descriptors and to run timers. Each such
 * request is forwarded to Python once (pycb_iops_event / pycb_iops_timer), and
 * the host loop reports readiness back with pycb_iops_event_ready /
 * pycb_iops_timer_fire, which call the handler libcouchbase stored.
 *
 * Ownership: the event and timer structs are allocated and freed here. Python
 * is told *before* one is freed (flags/usecs PYCB_IOPS_DESTROYED), so it drops
 * its pointer and never reports readiness for freed memory. The IOPS struct is
 * freed by libcouchbase through io->destructor when its last user lets go
 * (possibly after lcb_destroy returned); Python learns of it through
 * pycb_iops_loop(id, PYCB_IOPS_RELEASED) and only then forgets the loop object.
 *
 * Python is entered only when something changes: re-arming a watcher with the
 * flags it already has costs nothing.
 */

#include <time.h>
#ifdef _WIN32
#include <winsock2.h>
#define pycb_poll WSAPoll
#else
#include <poll.h>
#define pycb_poll poll
#endif

#include "_iops.h"

typedef struct pycb_EVENT_s {
    uint64_t id;
    lcb_socket_t sock;      /* the descriptor Python is watching, or -1 */
    short flags;            /* what Python is watching it for */
    lcb_ioE_callback handler;
    void *arg;
    struct pycb_EVENT_s *prev, *next; /* the table's live events (see pycb_bsd_close) */
} pycb_EVENT;

typedef struct {
    struct lcb_io_opt_st io; /* first member: libcouchbase only sees this */
    uint64_t id;
    uint64_t next_id;
    pycb_EVENT *events;
} pycb_IOPS;

/* libcouchbase re-arms its timeout timers on nearly every operation, usually to a later
 * deadline. The host loop's timer is re-armed lazily, here: one that fires before the new
 * deadline is kept, and when it fires early it is scheduled again for the rest. Python is
 * entered only to schedule a host timer that is due earlier than the one it has (or when
 * it has none), never to cancel one: a cancelled timer's host timer fires as a no-op. */
typedef struct {
    uint64_t id;
    uint64_t iops_id;
    int armed;          /* libcouchbase wants it to fire */
    int64_t deadline;   /* when (monotonic ns) */
    int64_t host_due;   /* when the host loop's timer fires (monotonic ns); 0: none scheduled */
    lcb_ioE_callback handler;
    void *arg;
} pycb_TIMER;

static void pycb_iops_event(uint64_t iops_id, uint64_t ev_id, void *ev, int fd, int flags);
static void pycb_iops_timer(uint64_t iops_id, uint64_t tm_id, void *tm, int64_t usecs);
static void pycb_iops_loop(uint64_t iops_id, int action);
static void pycb_on_bootstrap(uint64_t conn_id, int rc);

#define PYCB_IOPS_OF(iops) ((pycb_IOPS *)(iops))

/* ---- socket watchers ---------------------------------------------------- */

static void *pycb_ev_create(lcb_io_opt_t iops)
{
    pycb_EVENT *ev = calloc(1, sizeof(*ev));
    if (ev) {
        pycb_IOPS *p = PYCB_IOPS_OF(iops);
        ev->id = ++p->next_id;
        ev->sock = -1;
        ev->next = p->events;
        if (p->events) {
            p->events->prev = ev;
        }
        p->events = ev;
    }
    return ev;
}

static int pycb_ev_watch(lcb_io_opt_t iops, lcb_socket_t sock, void *event, short flags, void *arg,
                         lcb_ioE_callback handler)
{
    pycb_EVENT *ev = event;
    flags &= (LCB_READ_EVENT | LCB_WRITE_EVENT);
    ev->handler = handler;
    ev->arg = arg;
    if (ev->sock != sock && ev->flags) {
        /* the same event moved to another descriptor: drop the old watch first */
        ev->flags = 0;
        pycb_iops_event(PYCB_IOPS_OF(iops)->id, ev->id, ev, (int)ev->sock, 0);
    }
    if (ev->sock != sock || ev->flags != flags) {
        ev->sock = sock;
        ev->flags = flags;
        pycb_iops_event(PYCB_IOPS_OF(iops)->id, ev->id, ev, (int)sock, flags);
    }
    return 0;
}

static void pycb_ev_cancel(lcb_io_opt_t iops, lcb_socket_t sock, void *event)
{
    pycb_ev_watch(iops, sock, event, 0, NULL, NULL);
}

static void pycb_ev_destroy(lcb_io_opt_t iops, void *event)
{
    pycb_EVENT *ev = event;
    pycb_IOPS *p = PYCB_IOPS_OF(iops);
    pycb_iops_event(p->id, ev->id, ev, (int)ev->sock, PYCB_IOPS_DESTROYED);
    if (ev->prev) {
        ev->prev->next = ev->next;
    } else {
        p->events = ev->next;
    }
    if (ev->next) {
        ev->next->prev = ev->prev;
    }
    free(ev);
}

/* libcouchbase's own close(), wired by lcb_iops_wire_bsd_impl2. */
static lcb_ioE_close_fn pycb_bsd_close_impl;

/* libcouchbase may close a socket that an event still watches (a TLS socket is
 * closed before its event is destroyed). Drop those watches first, while the
 * descriptor is still open: loops such as Twisted's epoll reactor cannot
 * unregister a closed descriptor and would keep a stale registration for the
 * next socket that gets the same number. */
static void pycb_bsd_close(lcb_io_opt_t iops, lcb_socket_t sock)
{
    pycb_IOPS *p = PYCB_IOPS_OF(iops);
    pycb_EVENT *ev;
    for (ev = p->events; ev; ev = ev->next) {
        if (ev->sock == sock && ev->flags) {
            ev->flags = 0;
            pycb_iops_event(p->id, ev->id, ev, (int)sock, 0);
        }
    }
    pycb_bsd_close_impl(iops, sock);
}

/* Called by the host loop: the descriptor is ready for `flags` (LCB_READ_EVENT/LCB_WRITE_EVENT). */
static void pycb_iops_event_ready(void *event, int flags)
{
    pycb_EVENT *ev = event;
    short which = (short)(flags & ev->flags);
    if (which && ev->handler) {
        ev->handler(ev->sock, which, ev->arg);
        pycb_flush();
    }
}

/* ---- timers -------------------------------------------------------------- */

static int64_t pycb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Ask Python for a host timer due in `usecs` (it cancels the one it has first). */
static void pycb_tm_host_schedule(pycb_TIMER *tm, int64_t now, int64_t usecs)
{
    tm->host_due = now + usecs * 1000;
    pycb_iops_timer(tm->iops_id, tm->id, tm, usecs);
}

static void *pycb_tm_create(lcb_io_opt_t iops)
{
    pycb_TIMER *tm = calloc(1, sizeof(*tm));
    if (tm) {
        tm->id = ++PYCB_IOPS_OF(iops)->next_id;
        tm->iops_id = PYCB_IOPS_OF(iops)->id;
    }
    return tm;
}

static int pycb_tm_schedule(lcb_io_opt_t iops, void *timer, lcb_U32 usecs, void *arg, lcb_ioE_callback handler)
{
    pycb_TIMER *tm = timer;
    int64_t now = pycb_now_ns();
    (void)iops;
    tm->handler = handler;
    tm->arg = arg;
    tm->armed = 1;
    tm->deadline = now + (int64_t)usecs * 1000;
    if (tm->host_due && tm->host_due <= tm->deadline) {
        return 0; /* the host's timer fires first and re-checks */
    }
    pycb_tm_host_schedule(tm, now, (int64_t)usecs);
    return 0;
}

static void pycb_tm_cancel(lcb_io_opt_t iops, void *timer)
{
    pycb_TIMER *tm = timer;
    (void)iops;
    tm->armed = 0;
}

static void pycb_tm_destroy(lcb_io_opt_t iops, void *timer)
{
    pycb_TIMER *tm = timer;
    pycb_iops_timer(PYCB_IOPS_OF(iops)->id, tm->id, tm, PYCB_IOPS_DESTROYED);
    free(tm);
}

/* How many microseconds past its deadline a timer is whose handler the next
 * pycb_iops_timer_fire would run; -1 if that fire would not run it (cancelled, or
 * re-armed to a later deadline). Lets the host drain readable sockets first when a
 * busy loop fires a timeout timer late (see Timer.fire in iops.py). */
static int64_t pycb_iops_timer_overdue(void *timer)
{
    pycb_TIMER *tm = timer;
    int64_t left;
    if (!tm->armed || !tm->handler) {
        return -1;
    }
    left = tm->deadline - pycb_now_ns();
    if (left > 500000) {
        return -1;
    }
    return left >= 0 ? 0 : -left / 1000;
}

/* Which of `n` descriptors are readable now (or hung up / in error: the read reports it):
 * ready[i] is set to 1 or 0; returns how many are ready, -1 on failure. Never blocks, and
 * calls the C library directly, so a monkey-patched select module (gevent) cannot turn it
 * into a cooperative wait inside the loop's own callback. */
static int pycb_iops_readable(const int *fds, int n, int *ready)
{
    struct pollfd stack[16], *pfds = n <= 16 ? stack : calloc((size_t)n, sizeof(*pfds));
    int i, rc;
    if (!pfds) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        pfds[i].fd = fds[i];
        pfds[i].events = POLLIN;
        pfds[i].revents = 0;
    }
    rc = pycb_poll(pfds, (unsigned)n, 0);
    for (i = 0; i < n; i++) {
        ready[i] = rc > 0 && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
    }
    if (pfds != stack) {
        free(pfds);
    }
    return rc;
}

/* Called by the host loop when the timer it scheduled is due. */
static void pycb_iops_timer_fire(void *timer)
{
    pycb_TIMER *tm = timer;
    int64_t now, left;
    tm->host_due = 0;
    if (!tm->armed || !tm->handler) {
        return;
    }
    now = pycb_now_ns();
    left = tm->deadline - now;
    if (left > 500000) { /* re-armed to a later deadline since: wait for the rest */
        pycb_tm_host_schedule(tm, now, left / 1000);
        return;
    }
    tm->armed = 0;
    tm->handler(-1, 0, tm->arg);
    pycb_flush();
}

/* ---- loop control and the table ----------------------------------------- */

static void pycb_loop_start(lcb_io_opt_t iops)
{
    pycb_iops_loop(PYCB_IOPS_OF(iops)->id, PYCB_IOPS_START);
}

static void pycb_loop_stop(lcb_io_opt_t iops)
{
    pycb_iops_loop(PYCB_IOPS_OF(iops)->id, PYCB_IOPS_STOP);
}

static void pycb_get_procs(int version, lcb_loop_procs *loop, lcb_timer_procs *timer, lcb_bsd_procs *bsd,
                           lcb_ev_procs *ev, lcb_completion_procs *completion, lcb_iomodel_t *model)
{
    (void)completion;
    *model = LCB_IOMODEL_EVENT;
    loop->start = pycb_loop_start;
    loop->stop = pycb_loop_stop;
    loop->tick = NULL;
    timer->create = pycb_tm_create;
    timer->destroy = pycb_tm_destroy;
    timer->cancel = pycb_tm_cancel;
    timer->schedule = pycb_tm_schedule;
    ev->create = pycb_ev_create;
    ev->destroy = pycb_ev_destroy;
    ev->cancel = pycb_ev_cancel;
    ev->watch = pycb_ev_watch;
    lcb_iops_wire_bsd_impl2(bsd, version);
    if (bsd->close != pycb_bsd_close) {
        pycb_bsd_close_impl = bsd->close;
        bsd->close = pycb_bsd_close;
    }
}

static int pycb_iops_is_ours(lcb_io_opt_t io)
{
    return io->version == 2 && io->v.v2.get_procs == pycb_get_procs;
}

static void pycb_iops_destructor(lcb_io_opt_t iops)
{
    uint64_t id = PYCB_IOPS_OF(iops)->id;
    free(iops);
    pycb_iops_loop(id, PYCB_IOPS_RELEASED);
}

/* A new IOPS table reporting to the Python loop object registered as `id`.
 * libcouchbase frees it (through pycb_iops_destructor) once the instance using
 * it and everything that instance left behind are gone. */
static lcb_io_opt_t pycb_iops_new(uint64_t id)
{
    pycb_IOPS *p = calloc(1, sizeof(*p));
    if (!p) {
        return NULL;
    }
    p->id = id;
    p->io.version = 2;
    p->io.destructor = pycb_iops_destructor;
    p->io.v.v2.get_procs = pycb_get_procs;
    p->io.v.base.need_cleanup = 1;
    return &p->io;
}

/* Free a table that never reached lcb_create (creation failed). */
static void pycb_iops_free_unused(lcb_io_opt_t iops)
{
    free(iops);
}

/* ---- bootstrap notification ----------------------------------------------- */

static void pycb_bootstrap_callback(lcb_INSTANCE *instance, lcb_STATUS rc)
{
    pycb_on_bootstrap((uint64_t)(uintptr_t)lcb_get_cookie(instance), rc);
}

static void pycb_install_bootstrap(lcb_INSTANCE *instance)
{
    lcb_set_bootstrap_callback(instance, pycb_bootstrap_callback);
}
