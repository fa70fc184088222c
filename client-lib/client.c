/* The client: a private libdbus connection, the fd and dispatch call that integrate it
 * into any main loop, and the ordered event queue that turns the daemon's StatesChanged
 * signals into registrations' callbacks.
 *
 * Messages flow in one order: libdbus's incoming queue → the filter (which only records
 * events, under `lock`) → the event queue → delivery (callbacks, with no lock held).
 * Replies that must be ordered with the signals around them (a blocking SetCurrentState,
 * the re-reads after a daemon restart) are sent without a pending call, so they reach the
 * filter in stream order too. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "client-private.h"

#define DEFAULT_TIMEOUT_MS 25000

/* The client whose callbacks this thread is delivering, if any. */
static __thread OmClient *tls_dispatching;

/* Makes the client's fd readable. Only the first wake after a drain writes: the
 * dispatch that drains it does all the work posted before. */
void
om_client_wake(OmClient *c)
{
  uint64_t one = 1;
  ssize_t r;

  if (atomic_exchange(&c->wake_posted, true))
    return;
  do
    r = write(c->wake_fd, &one, sizeof one);
  while (r < 0 && errno == EINTR);
}

/* Consumes a posted wake. The caller must look at everything a wake can stand for (the
 * connection's queue, the event queue, dispatcher_stop) after this, not only before: an
 * om_client_wake() that lands while the flag is still set writes nothing and counts on
 * that look.
 *
 * Read first, then clear: a wake that lands in between finds the flag still set and
 * writes nothing, and the caller's look sees its work. (Clearing first could leave the
 * flag set over an empty eventfd, and every later wake would be lost.) An empty eventfd
 * under a set flag means an om_client_wake() is between its exchange and its write: the
 * flag stays set, and that write makes the fd readable again (clearing it here would
 * leave a readable fd that no dispatch drains, and the application's loop would spin). */
static void
drain_wake(OmClient *c)
{
  uint64_t value;
  ssize_t r;

  if (!atomic_load(&c->wake_posted))
    return;
  do
    r = read(c->wake_fd, &value, sizeof value);
  while (r < 0 && errno == EINTR);
  if (r < 0 && errno == EAGAIN)
    return;
  atomic_store(&c->wake_posted, false);
}

/* libdbus calls this, possibly with its lock held and from any thread, when messages
 * wait in its incoming queue: e.g. signals that a blocking call in another thread read
 * from the socket, which poll() on the socket would never show. The thread dispatching
 * this client needs no wake: run_dispatch() dispatches until the queue is empty and
 * wakes for whatever is left at the end. */
static void
on_dispatch_status(DBusConnection *conn, DBusDispatchStatus status, void *data)
{
  if (status == DBUS_DISPATCH_DATA_REMAINS && tls_dispatching != data)
    om_client_wake(data);
}

static void
monotonic_deadline(struct timespec *ts, int timeout_ms)
{
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += timeout_ms / 1000;
  ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

static int
ms_until(const struct timespec *deadline)
{
  struct timespec now;
  long long ms;

  clock_gettime(CLOCK_MONOTONIC, &now);
  ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
       (deadline->tv_nsec - now.tv_nsec) / 1000000;
  if (ms < 0)
    return 0;
  return ms > 1000000 ? 1000000 : (int)ms;
}

/* ---- the event queue (lock held) ---- */

static OmEvent *
event_new(OmClient *c, OmEventKind kind, const char *path)
{
  OmEvent *ev = calloc(1, sizeof *ev);

  if (ev == NULL)
    return NULL;
  ev->kind = kind;
  if (path != NULL && (ev->path = strdup(path)) == NULL) {
    free(ev);
    return NULL;
  }
  return ev;
}

static void
event_free(OmEvent *ev)
{
  free(ev->path);
  free(ev);
}

static void
enqueue(OmClient *c, OmEvent *ev)
{
  ev->seq = c->next_seq++;
  if (c->queue_tail != NULL)
    c->queue_tail->next = ev;
  else
    c->queue_head = ev;
  c->queue_tail = ev;
}

static OmEvent *
dequeue(OmClient *c)
{
  OmEvent *ev = c->queue_head;

  if (ev != NULL) {
    c->queue_head = ev->next;
    if (c->queue_head == NULL)
      c->queue_tail = NULL;
    ev->next = NULL;
  }
  return ev;
}

static OmWatch *
find_watch(OmClient *c, const char *path)
{
  for (OmWatch *w = c->watches; w != NULL; w = w->next)
    if (strcmp(w->path, path) == 0)
      return w;
  return NULL;
}

static void
registration_unref_locked(OmRegistration *r)
{
  if (--r->refs == 0)
    free(r);
}

/* ---- the filter: records, never calls back ---- */

static void
free_rereads(OmClient *c)
{
  while (c->rereads != NULL) {
    OmReread *rr = c->rereads;
    c->rereads = rr->next;
    free(rr->path);
    free(rr);
  }
}

/* The daemon's name has a new owner (lock held): ask it for the State of every watched
 * object. The replies come back in stream order, after the signals the new owner sent
 * before them, and are compared with the last known state at that point. */
static void
reread_watches(OmClient *c)
{
  for (OmWatch *w = c->watches; w != NULL; w = w->next) {
    DBusMessage *msg = dbus_message_new_method_call(c->owner, w->path, OM_IFACE_OFFLINE,
                                                    "GetCurrentState");
    OmReread *rr = calloc(1, sizeof *rr);

    if (msg == NULL || rr == NULL || (rr->path = strdup(w->path)) == NULL) {
      if (msg != NULL)
        dbus_message_unref(msg);
      if (rr != NULL)
        free(rr);
      continue;
    }
    /* To the unique name: a new owner that has already gone must not be re-activated. */
    dbus_message_set_auto_start(msg, FALSE);
    if (!dbus_connection_send(c->conn, msg, &rr->serial)) {
      free(rr->path);
      free(rr);
    } else {
      rr->next = c->rereads;
      c->rereads = rr;
    }
    dbus_message_unref(msg);
  }
}

static void
on_name_owner_changed(OmClient *c, DBusMessage *msg)
{
  const char *name, *old_owner, *new_owner;

  if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old_owner,
                             DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID) ||
      strcmp(name, OM_BUS_NAME) != 0)
    return;
  pthread_mutex_lock(&c->lock);
  if (c->tracking_owner && (c->owner == NULL || strcmp(c->owner, new_owner) != 0)) {
    free(c->owner);
    c->owner = new_owner[0] != '\0' ? strdup(new_owner) : NULL;
    free_rereads(c);
    if (c->owner != NULL)
      reread_watches(c);
  }
  pthread_mutex_unlock(&c->lock);
}

/* Queues one phase (lock held) if it is for a watched object and well formed. */
static void
queue_phase(OmClient *c, const char *path, dbus_uint32_t type, dbus_uint32_t old_state,
            dbus_uint32_t new_state)
{
  OmEvent *ev;

  /* Only the supported kind of notification is passed on (spec §13 rules 26 and 30). */
  if (type < OM_NOTIFY_START || type > OM_NOTIFY_DONE ||
      (old_state != OM_STATE_OFFLINE && old_state != OM_STATE_ONLINE) ||
      (new_state != OM_STATE_OFFLINE && new_state != OM_STATE_ONLINE) ||
      find_watch(c, path) == NULL || (ev = event_new(c, OM_EVENT_PHASE, path)) == NULL)
    return;
  ev->notify_type = type;
  ev->old_state = old_state;
  ev->new_state = new_state;
  enqueue(c, ev);
}

/* StatesChanged(a(ouuu)): every phase of one turn of the daemon, for every object; the
 * watched objects' phases are queued in order. A malformed entry is skipped. */
static void
on_states_changed(OmClient *c, DBusMessage *msg)
{
  const char *sender = dbus_message_get_sender(msg);
  DBusMessageIter args, array;

  if (sender == NULL || !dbus_message_has_path(msg, OM_ROOT_PATH) ||
      !dbus_message_has_signature(msg, "a(ouuu)") || !dbus_message_iter_init(msg, &args))
    return;
  dbus_message_iter_recurse(&args, &array);
  pthread_mutex_lock(&c->lock);
  if (c->owner != NULL && strcmp(sender, c->owner) == 0) {
    for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
         dbus_message_iter_next(&array)) {
      DBusMessageIter entry;
      const char *path;
      dbus_uint32_t type, old_state, new_state;

      /* The signature was checked: an object path and three uint32. */
      dbus_message_iter_recurse(&array, &entry);
      dbus_message_iter_get_basic(&entry, &path);
      dbus_message_iter_next(&entry);
      dbus_message_iter_get_basic(&entry, &type);
      dbus_message_iter_next(&entry);
      dbus_message_iter_get_basic(&entry, &old_state);
      dbus_message_iter_next(&entry);
      dbus_message_iter_get_basic(&entry, &new_state);
      queue_phase(c, path, type, old_state, new_state);
    }
  }
  pthread_mutex_unlock(&c->lock);
}

/* A reply sent without a pending call: a waiter's or a re-read's (lock held). */
static bool
on_reply(OmClient *c, DBusMessage *msg)
{
  dbus_uint32_t serial = dbus_message_get_reply_serial(msg);
  OmEvent *ev;

  for (OmWaiter **p = &c->waiters; *p != NULL; p = &(*p)->next) {
    OmWaiter *w = *p;
    if (w->serial != serial)
      continue;
    *p = w->next;
    w->reply = dbus_message_ref(msg);
    if ((ev = event_new(c, OM_EVENT_WAITER, NULL)) != NULL) {
      ev->waiter = w;
      enqueue(c, ev);
    } else {
      w->done = true;
      pthread_cond_broadcast(&c->cond);
    }
    return true;
  }
  for (OmReread **p = &c->rereads; *p != NULL; p = &(*p)->next) {
    OmReread *rr = *p;
    dbus_uint32_t state = 0;
    bool gone = false;

    if (rr->serial != serial)
      continue;
    *p = rr->next;
    if (dbus_message_get_type(msg) == DBUS_MESSAGE_TYPE_METHOD_RETURN) {
      if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT32, &state, DBUS_TYPE_INVALID) ||
          (state != OM_STATE_OFFLINE && state != OM_STATE_ONLINE))
        state = 0;
    } else {
      /* The object is gone; any other error means the new owner went away too, and the
       * next owner is asked again. */
      gone = om_error_code_from_bus_name(dbus_message_get_error_name(msg)) == OM_E_NOT_FOUND ||
             dbus_message_is_error(msg, DBUS_ERROR_UNKNOWN_METHOD) ||
             dbus_message_is_error(msg, DBUS_ERROR_UNKNOWN_INTERFACE);
    }
    if ((state != 0 || gone) && (ev = event_new(c, OM_EVENT_REREAD, rr->path)) != NULL) {
      ev->new_state = state;
      enqueue(c, ev);
    }
    free(rr->path);
    free(rr);
    return true;
  }
  return false;
}

static DBusHandlerResult
filter(DBusConnection *conn, DBusMessage *msg, void *data)
{
  OmClient *c = data;
  int type = dbus_message_get_type(msg);

  if (type == DBUS_MESSAGE_TYPE_SIGNAL) {
    if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected") &&
        dbus_message_has_path(msg, DBUS_PATH_LOCAL)) {
      pthread_mutex_lock(&c->lock);
      c->disconnected = true;
      pthread_cond_broadcast(&c->cond);
      pthread_mutex_unlock(&c->lock);
      /* A hung-up socket stays readable; the fd must not spin the application's loop. */
      epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, c->socket_fd, NULL);
      return DBUS_HANDLER_RESULT_HANDLED;
    }
    if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
        dbus_message_has_sender(msg, DBUS_SERVICE_DBUS)) {
      on_name_owner_changed(c, msg);
      return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
    }
    if (dbus_message_is_signal(msg, OM_IFACE_MANAGER, OM_SIGNAL_STATES_CHANGED)) {
      on_states_changed(c, msg);
      return DBUS_HANDLER_RESULT_HANDLED;
    }
    return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
  }
  if (type == DBUS_MESSAGE_TYPE_METHOD_RETURN || type == DBUS_MESSAGE_TYPE_ERROR) {
    bool handled;

    pthread_mutex_lock(&c->lock);
    handled = on_reply(c, msg);
    pthread_mutex_unlock(&c->lock);
    if (handled)
      return DBUS_HANDLER_RESULT_HANDLED;
  }
  return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

/* ---- delivery (dispatch role held; lock held except around callbacks) ---- */

/* Delivers one phase on @path to every registration it is for. @old_state 0 (DONE
 * only): each registration's own old state, to close a transition the daemon left open.
 * Returns the number of callbacks run. */
static int
deliver_phase(OmClient *c, const char *path, uint64_t seq, uint32_t type, uint32_t old_state,
              uint32_t new_state)
{
  OmRegistration *stack[16], **snap = stack;
  OmWatch *w = find_watch(c, path);
  unsigned n = 0;
  int count = 0;

  if (w == NULL || w->n_regs == 0)
    return 0;
  if (w->n_regs > sizeof stack / sizeof stack[0] &&
      (snap = malloc(w->n_regs * sizeof *snap)) == NULL)
    return 0;
  for (OmRegistration *r = w->regs; r != NULL; r = r->next) {
    r->refs++;
    snap[n++] = r;
  }
  for (unsigned i = 0; i < n; i++) {
    OmRegistration *r = snap[i];
    OmStateChange change = { type, OM_STATE_MASK, old_state, new_state };
    bool deliver = false;

    if (!r->removed && seq >= r->min_seq && (r->state_mask & OM_STATE_MASK) != 0) {
      switch (type) {
      case OM_NOTIFY_START:
        r->in_transition = true;
        r->transition_old = old_state;
        deliver = true;
        break;
      case OM_NOTIFY_STATECHANGE:
        deliver = r->in_transition;
        break;
      default:
        deliver = r->in_transition;
        if (old_state == 0)
          change.old_state = r->transition_old;
        r->in_transition = false;
        break;
      }
    }
    if (deliver) {
      r->running = true;
      r->running_thread = pthread_self();
      pthread_mutex_unlock(&c->lock);
      r->callback((OmOffline *)r->offline, r->client_token, &change, r->user_data);
      pthread_mutex_lock(&c->lock);
      r->running = false;
      pthread_cond_broadcast(&c->cond);
      count++;
      if (r->destroy_when_returned) {
        r->destroy_when_returned = false;
        if (r->destroy != NULL) {
          pthread_mutex_unlock(&c->lock);
          r->destroy(r->user_data);
          pthread_mutex_lock(&c->lock);
        }
      }
    }
    registration_unref_locked(r);
  }
  if (snap != stack)
    free(snap);
  return count;
}

static int
deliver_reread(OmClient *c, OmEvent *ev)
{
  uint32_t now = ev->new_state != 0 ? ev->new_state : OM_STATE_OFFLINE;
  OmWatch *w = find_watch(c, ev->path);
  uint32_t old_state;
  int count;

  if (w == NULL)
    return 0;
  /* A transition the old owner started and never finished is closed first. */
  count = w->last_known != 0 ?
          deliver_phase(c, ev->path, ev->seq, OM_NOTIFY_DONE, 0, w->last_known) : 0;
  if ((w = find_watch(c, ev->path)) == NULL)
    return count;
  if (w->last_known == 0 || w->last_known == now) {
    w->last_known = now;
    return count;
  }
  old_state = w->last_known;
  count += deliver_phase(c, ev->path, ev->seq, OM_NOTIFY_START, old_state, now);
  if ((w = find_watch(c, ev->path)) != NULL)
    w->last_known = now;
  count += deliver_phase(c, ev->path, ev->seq, OM_NOTIFY_STATECHANGE, old_state, now);
  count += deliver_phase(c, ev->path, ev->seq, OM_NOTIFY_DONE, old_state, now);
  return count;
}

/* Delivers the queued events; stops early after completing @until (may be NULL), so
 * that a blocking SetCurrentState returns before the callbacks of what came after. */
static int
deliver(OmClient *c, const OmWaiter *until, bool *reached)
{
  OmEvent *ev;
  int count = 0;

  pthread_mutex_lock(&c->lock);
  while (!*reached && (ev = dequeue(c)) != NULL) {
    OmWatch *w;

    switch (ev->kind) {
    case OM_EVENT_WAITER:
      if (ev->waiter != NULL) {  /* NULL: its caller gave up waiting */
        ev->waiter->done = true;
        *reached = ev->waiter == until;
        pthread_cond_broadcast(&c->cond);
      }
      break;
    case OM_EVENT_PHASE:
      if ((w = find_watch(c, ev->path)) == NULL)
        break;
      if (ev->notify_type != OM_NOTIFY_START)
        w->last_known = ev->new_state;
      count += deliver_phase(c, ev->path, ev->seq, ev->notify_type, ev->old_state,
                             ev->new_state);
      break;
    case OM_EVENT_REREAD:
      count += deliver_reread(c, ev);
      break;
    }
    event_free(ev);
  }
  pthread_mutex_unlock(&c->lock);
  return count;
}

/* One round of work, with the dispatch role held and no lock; up to @until's reply when
 * @until is not NULL. */
static int
run_dispatch(OmClient *c, const OmWaiter *until)
{
  OmClient *outer = tls_dispatching;
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = -1 };
  bool disconnected, more, reached = false;
  int count = 0;

  drain_wake(c);
  tls_dispatching = c;
  /* Reads what has arrived and writes what is queued, without waiting. */
  dbus_connection_read_write(c->conn, 0);
  for (;;) {
    DBusDispatchStatus status = dbus_connection_dispatch(c->conn);

    count += deliver(c, until, &reached);
    if (reached || status != DBUS_DISPATCH_DATA_REMAINS)
      break;
  }
  tls_dispatching = outer;

  pthread_mutex_lock(&c->lock);
  disconnected = c->disconnected;
  more = c->queue_head != NULL;
  pthread_mutex_unlock(&c->lock);
  /* What was left for later must keep the fd readable. */
  if (more || dbus_connection_get_dispatch_status(c->conn) == DBUS_DISPATCH_DATA_REMAINS)
    om_client_wake(c);
  if (disconnected)
    return OM_E_NO_BUS;
  /* Wait for the socket to take more only while something is queued for it; change the
   * registration only when that changes, as a system call per dispatch is measurable. */
  ev.data.fd = c->socket_fd;
  if (dbus_connection_has_messages_to_send(c->conn))
    ev.events |= EPOLLOUT;
  if (ev.events != c->socket_events) {
    epoll_ctl(c->epoll_fd, EPOLL_CTL_MOD, c->socket_fd, &ev);
    c->socket_events = ev.events;
  }
  return count;
}

static bool
take_role(OmClient *c)
{
  if (c->dispatching)
    return false;
  c->dispatching = true;
  c->dispatch_thread = pthread_self();
  return true;
}

static void
release_role(OmClient *c)
{
  c->dispatching = false;
  pthread_cond_broadcast(&c->cond);
}

int
om_client_dispatch(OmClient *client)
{
  int r;

  if (client == NULL)
    return OM_E_INVALID_ARGS;
  pthread_mutex_lock(&client->lock);
  if (client->dedicated_dispatcher || !take_role(client)) {
    pthread_mutex_unlock(&client->lock);
    return 0;
  }
  pthread_mutex_unlock(&client->lock);
  r = run_dispatch(client, NULL);
  pthread_mutex_lock(&client->lock);
  release_role(client);
  pthread_mutex_unlock(&client->lock);
  return r;
}

int
om_client_get_fd(OmClient *client)
{
  return client != NULL ? client->epoll_fd : OM_E_INVALID_ARGS;
}

bool
om_client_in_callback(OmClient *client)
{
  return tls_dispatching == client;
}

/* ---- the dedicated dispatch thread (the MAPI face) ---- */

void
om_client_set_dedicated_dispatcher(OmClient *client)
{
  pthread_mutex_lock(&client->lock);
  client->dedicated_dispatcher = true;
  pthread_mutex_unlock(&client->lock);
}

void (*om_client_test_dispatcher_hook)(OmClient *client);

void
om_client_dispatcher_run(OmClient *client)
{
  struct pollfd pfd = { .fd = client->epoll_fd, .events = POLLIN };
  bool stop;

  for (;;) {
    pthread_mutex_lock(&client->lock);
    client->dispatching = true;
    client->dispatch_thread = pthread_self();
    pthread_mutex_unlock(&client->lock);
    if (om_client_test_dispatcher_hook != NULL)
      om_client_test_dispatcher_hook(client);
    run_dispatch(client, NULL);
    /* dispatcher_stop is read after run_dispatch() consumed the wake, never only
     * before: a stop whose om_client_wake() found a wake still posted wrote nothing, and
     * only a read after that drain sees it. */
    pthread_mutex_lock(&client->lock);
    release_role(client);
    stop = client->dispatcher_stop;
    pthread_mutex_unlock(&client->lock);
    if (stop)
      break;
    if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
      break;
  }
}

void
om_client_dispatcher_stop(OmClient *client)
{
  pthread_mutex_lock(&client->lock);
  client->dispatcher_stop = true;
  pthread_mutex_unlock(&client->lock);
  om_client_wake(client);
}

/* ---- lifecycle ---- */

static OmClient *
client_new(DBusConnection *conn, OmError *error)
{
  OmClient *c = calloc(1, sizeof *c);
  pthread_condattr_t attr;
  struct epoll_event ev = { .events = EPOLLIN };

  if (c == NULL) {
    dbus_connection_close(conn);
    dbus_connection_unref(conn);
    om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
    return NULL;
  }
  c->refs = 1;
  c->conn = conn;
  c->timeout_ms = DEFAULT_TIMEOUT_MS;
  c->next_token = 1;
  c->next_seq = 1;
  c->wake_fd = c->epoll_fd = -1;
  pthread_mutex_init(&c->lock, NULL);
  pthread_mutex_init(&c->match_lock, NULL);
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&c->cond, &attr);
  pthread_condattr_destroy(&attr);

  dbus_connection_set_exit_on_disconnect(conn, FALSE);
  if (!dbus_connection_get_unix_fd(conn, &c->socket_fd) ||
      (c->epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
      (c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
    om_set_error(error, OM_E_NO_BUS, NULL, "Cannot set up the bus connection: %s",
                 strerror(errno));
    om_client_unref(c);
    return NULL;
  }
  ev.data.fd = c->socket_fd;
  if (epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, c->socket_fd, &ev) < 0 ||
      (ev.data.fd = c->wake_fd, epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, c->wake_fd, &ev)) < 0 ||
      !dbus_connection_add_filter(conn, filter, c, NULL)) {
    om_set_error(error, OM_E_NO_BUS, NULL, "Cannot set up the bus connection: %s",
                 strerror(errno));
    om_client_unref(c);
    return NULL;
  }
  c->socket_events = EPOLLIN;
  atomic_init(&c->wake_posted, false);
  dbus_connection_set_dispatch_status_function(conn, on_dispatch_status, c, NULL);
  if (dbus_connection_get_dispatch_status(conn) == DBUS_DISPATCH_DATA_REMAINS)
    om_client_wake(c);
  return c;
}

static OmClient *
client_connect(const char *address, OmError *error)
{
  DBusError e = DBUS_ERROR_INIT;
  DBusConnection *conn;

  dbus_threads_init_default();
  if (address == NULL) {
    conn = dbus_bus_get_private(DBUS_BUS_SESSION, &e);
  } else {
    conn = dbus_connection_open_private(address, &e);
    if (conn != NULL && !dbus_bus_register(conn, &e)) {
      dbus_connection_close(conn);
      dbus_connection_unref(conn);
      conn = NULL;
    }
  }
  if (conn == NULL) {
    om_set_error(error, e.name != NULL && strcmp(e.name, DBUS_ERROR_NO_MEMORY) == 0 ?
                        OM_E_NO_MEMORY : OM_E_NO_BUS,
                 e.name, "Cannot connect to the session bus: %s",
                 e.message != NULL ? e.message : "unknown error");
    dbus_error_free(&e);
    return NULL;
  }
  return client_new(conn, error);
}

OmClient *
om_client_new(OmError *error)
{
  return client_connect(NULL, error);
}

OmClient *
om_client_new_for_address(const char *address, OmError *error)
{
  if (address == NULL || address[0] == '\0') {
    om_set_error(error, OM_E_INVALID_ARGS, NULL, "No bus address given");
    return NULL;
  }
  return client_connect(address, error);
}

OmClient *
om_client_ref(OmClient *client)
{
  if (client != NULL)
    __atomic_add_fetch(&client->refs, 1, __ATOMIC_RELAXED);
  return client;
}

void
om_client_unref(OmClient *client)
{
  if (client == NULL || __atomic_sub_fetch(&client->refs, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  if (client->conn != NULL) {
    dbus_connection_set_dispatch_status_function(client->conn, NULL, NULL, NULL);
    dbus_connection_remove_filter(client->conn, filter, client);
    dbus_connection_close(client->conn);
    dbus_connection_unref(client->conn);
  }
  while (client->queue_head != NULL)
    event_free(dequeue(client));
  free_rereads(client);
  while (client->watches != NULL) {
    OmWatch *w = client->watches;
    client->watches = w->next;
    free(w->path);
    free(w);
  }
  free(client->owner);
  if (client->epoll_fd >= 0)
    close(client->epoll_fd);
  if (client->wake_fd >= 0)
    close(client->wake_fd);
  pthread_cond_destroy(&client->cond);
  pthread_mutex_destroy(&client->lock);
  pthread_mutex_destroy(&client->match_lock);
  free(client);
}

int
om_client_set_timeout(OmClient *client, int timeout_ms)
{
  if (client == NULL || timeout_ms <= 0)
    return OM_E_INVALID_ARGS;
  pthread_mutex_lock(&client->lock);
  client->timeout_ms = timeout_ms;
  pthread_mutex_unlock(&client->lock);
  return 0;
}

static int
client_timeout(OmClient *c)
{
  int t;

  pthread_mutex_lock(&c->lock);
  t = c->timeout_ms;
  pthread_mutex_unlock(&c->lock);
  return t;
}

/* ---- calls ---- */

DBusMessage *
om_method_call(const char *path, const char *iface, const char *method)
{
  return dbus_message_new_method_call(OM_BUS_NAME, path, iface, method);
}

int
om_client_call(OmClient *client, DBusMessage *msg, DBusMessage **reply, OmError *error)
{
  DBusError e = DBUS_ERROR_INIT;
  int r;

  if (msg == NULL)
    return om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
  *reply = dbus_connection_send_with_reply_and_block(client->conn, msg, client_timeout(client),
                                                     &e);
  if (*reply != NULL)
    return 0;
  r = om_set_error_from_bus(error, &e);
  dbus_error_free(&e);
  return r;
}

int
om_client_call_in_order(OmClient *client, DBusMessage *msg, DBusMessage **reply,
                        OmError *error)
{
  OmWaiter waiter = { 0 };
  struct timespec deadline;
  DBusError e = DBUS_ERROR_INIT;
  int r = 0;

  if (msg == NULL)
    return om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
  monotonic_deadline(&deadline, client_timeout(client));

  /* Registered before the filter can see the reply: it takes the same lock. */
  pthread_mutex_lock(&client->lock);
  if (client->disconnected) {
    pthread_mutex_unlock(&client->lock);
    return om_set_error(error, OM_E_NO_BUS, NULL, "The connection to the session bus is lost");
  }
  if (!dbus_connection_send(client->conn, msg, &waiter.serial)) {
    pthread_mutex_unlock(&client->lock);
    return om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
  }
  waiter.next = client->waiters;
  client->waiters = &waiter;
  if (dbus_connection_has_messages_to_send(client->conn))
    om_client_wake(client);

  while (!waiter.done) {
    if (client->disconnected) {
      r = om_set_error(error, OM_E_NO_BUS, NULL, "The connection to the session bus is lost");
      break;
    }
    if (!client->dedicated_dispatcher && take_role(client)) {
      /* Nobody else dispatches this client: do it here until the reply has come. */
      struct pollfd pfd = { .fd = client->epoll_fd, .events = POLLIN };
      int ms = ms_until(&deadline);

      pthread_mutex_unlock(&client->lock);
      if (ms > 0)
        poll(&pfd, 1, ms);
      run_dispatch(client, &waiter);
      pthread_mutex_lock(&client->lock);
      release_role(client);
      if (!waiter.done && ms == 0) {
        r = ETIMEDOUT;
      }
    } else {
      r = pthread_cond_timedwait(&client->cond, &client->lock, &deadline);
    }
    if (r == ETIMEDOUT && !waiter.done) {
      r = om_set_error(error, OM_E_TIMEOUT, DBUS_ERROR_NO_REPLY,
                       "offlinemgrd did not answer within %d ms", client->timeout_ms);
      break;
    }
    r = 0;
  }
  if (!waiter.done) {
    /* Give up: a late reply must find nobody. */
    for (OmWaiter **p = &client->waiters; *p != NULL; p = &(*p)->next)
      if (*p == &waiter) {
        *p = waiter.next;
        break;
      }
    /* Its reply may already be queued as an event pointing at this stack frame. */
    for (OmEvent *ev = client->queue_head; ev != NULL; ev = ev->next)
      if (ev->kind == OM_EVENT_WAITER && ev->waiter == &waiter)
        ev->waiter = NULL;
  }
  pthread_mutex_unlock(&client->lock);

  if (r < 0) {
    if (waiter.reply != NULL)
      dbus_message_unref(waiter.reply);
    return r;
  }
  if (dbus_set_error_from_message(&e, waiter.reply)) {
    r = om_set_error_from_bus(error, &e);
    dbus_error_free(&e);
    dbus_message_unref(waiter.reply);
    return r;
  }
  *reply = waiter.reply;
  return 0;
}

/* ---- owner tracking and match rules ---- */

#define OWNER_RULE                                                                         \
  "type='signal',sender='" DBUS_SERVICE_DBUS "',path='" DBUS_PATH_DBUS "',interface='"     \
  DBUS_INTERFACE_DBUS "',member='NameOwnerChanged',arg0='" OM_BUS_NAME "'"

/* The one rule for the daemon's notifications, whatever the number of objects and
 * registrations (docs/design.md, "One message per change"). */
#define STATES_RULE                                                                        \
  "type='signal',sender='" OM_BUS_NAME "',path='" OM_ROOT_PATH "',interface='"             \
  OM_IFACE_MANAGER "',member='" OM_SIGNAL_STATES_CHANGED "'"

/* With match_lock held. */
static int
start_owner_tracking(OmClient *c, OmError *error)
{
  DBusError e = DBUS_ERROR_INIT;
  DBusMessage *msg, *reply;
  const char *owner = NULL;
  bool tracking;
  int r;

  pthread_mutex_lock(&c->lock);
  tracking = c->tracking_owner;
  pthread_mutex_unlock(&c->lock);
  if (tracking)
    return 0;

  dbus_bus_add_match(c->conn, OWNER_RULE, &e);
  if (dbus_error_is_set(&e)) {
    r = om_set_error_from_bus(error, &e);
    dbus_error_free(&e);
    return r;
  }
  msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
                                     "GetNameOwner");
  if (msg == NULL || !dbus_message_append_args(msg, DBUS_TYPE_STRING,
                                               &(const char *){ OM_BUS_NAME },
                                               DBUS_TYPE_INVALID)) {
    if (msg != NULL)
      dbus_message_unref(msg);
    dbus_bus_remove_match(c->conn, OWNER_RULE, NULL);
    return om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
  }
  reply = dbus_connection_send_with_reply_and_block(c->conn, msg, client_timeout(c), &e);
  dbus_message_unref(msg);
  if (reply == NULL && !dbus_error_has_name(&e, DBUS_ERROR_NAME_HAS_NO_OWNER)) {
    r = om_set_error_from_bus(error, &e);
    dbus_error_free(&e);
    dbus_bus_remove_match(c->conn, OWNER_RULE, NULL);
    return r;
  }
  dbus_error_free(&e);
  if (reply != NULL)
    dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &owner, DBUS_TYPE_INVALID);

  pthread_mutex_lock(&c->lock);
  c->tracking_owner = true;
  free(c->owner);
  c->owner = owner != NULL && owner[0] != '\0' ? strdup(owner) : NULL;
  pthread_mutex_unlock(&c->lock);
  if (reply != NULL)
    dbus_message_unref(reply);
  return 0;
}

static uint32_t
alloc_token(OmClient *c)
{
  for (;;) {
    uint32_t token = c->next_token++;
    bool used = false;

    if (token == 0)
      continue;
    for (OmWatch *w = c->watches; w != NULL && !used; w = w->next)
      for (OmRegistration *r = w->regs; r != NULL && !used; r = r->next)
        used = r->token == token;
    if (!used)
      return token;
  }
}

/* Drops the watch of @path if it has no registrations left, and the StatesChanged rule
 * with the last watch. */
static void
release_watch(OmClient *c, const char *path)
{
  OmWatch *w = NULL;
  bool drop_rule = false;

  pthread_mutex_lock(&c->match_lock);
  pthread_mutex_lock(&c->lock);
  for (OmWatch **p = &c->watches; *p != NULL; p = &(*p)->next)
    if (strcmp((*p)->path, path) == 0) {
      if ((*p)->n_regs == 0) {
        w = *p;
        *p = w->next;
      }
      break;
    }
  if (c->watches == NULL && c->states_rule) {
    c->states_rule = false;
    drop_rule = true;
  }
  pthread_mutex_unlock(&c->lock);
  if (drop_rule) {
    DBusError e = DBUS_ERROR_INIT;

    /* Waits for the bus, so the rule is gone when Unadvise returns. */
    dbus_bus_remove_match(c->conn, STATES_RULE, &e);
    dbus_error_free(&e);
  }
  if (w != NULL) {
    free(w->path);
    free(w);
  }
  pthread_mutex_unlock(&c->match_lock);
}

/* With match_lock held: the watch of @path, and the StatesChanged rule in place. */
static int
get_watch(OmClient *c, const char *path, OmWatch **watch, OmError *error)
{
  OmWatch *w;
  DBusError e = DBUS_ERROR_INIT;
  bool have_rule;
  int r;

  pthread_mutex_lock(&c->lock);
  w = find_watch(c, path);
  if (w == NULL && (w = calloc(1, sizeof *w)) != NULL) {
    if ((w->path = strdup(path)) == NULL) {
      free(w);
      w = NULL;
    } else {
      w->next = c->watches;
      c->watches = w;
    }
  }
  have_rule = c->states_rule;
  pthread_mutex_unlock(&c->lock);
  if (w == NULL)
    return om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
  *watch = w;
  if (have_rule)
    return 0;
  dbus_bus_add_match(c->conn, STATES_RULE, &e);
  if (dbus_error_is_set(&e)) {
    r = om_set_error_from_bus(error, &e);
    dbus_error_free(&e);
    return r;
  }
  pthread_mutex_lock(&c->lock);
  c->states_rule = true;
  pthread_mutex_unlock(&c->lock);
  return 0;
}

bool
om_client_watches(OmClient *client, const char *path)
{
  OmWatch *w;
  bool watching;

  pthread_mutex_lock(&client->lock);
  w = find_watch(client, path);
  watching = w != NULL && w->n_regs > 0;
  pthread_mutex_unlock(&client->lock);
  return watching;
}

int
om_client_advise(OmClient *client, const OmOffline *offline, uint32_t client_token,
                 uint32_t state_mask, OmStateCallback callback, void *user_data,
                 OmDestroyNotify destroy, uint32_t *token, OmError *error)
{
  OmRegistration *reg;
  OmWatch *w = NULL;
  DBusMessage *msg, *reply = NULL;
  uint32_t state = 0, new_token;
  int r;

  reg = calloc(1, sizeof *reg);
  if (reg == NULL)
    return om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");

  pthread_mutex_lock(&client->match_lock);
  r = start_owner_tracking(client, error);
  if (r == 0 && (r = get_watch(client, offline->path, &w, error)) < 0) {
    pthread_mutex_unlock(&client->match_lock);
    free(reg);
    release_watch(client, offline->path);
    return r;
  }
  if (r < 0) {
    pthread_mutex_unlock(&client->match_lock);
    free(reg);
    return r;
  }
  pthread_mutex_lock(&client->lock);
  reg->watch = w;
  reg->offline = offline;
  reg->token = new_token = alloc_token(client);
  reg->client_token = client_token;
  reg->state_mask = state_mask;
  reg->callback = callback;
  reg->user_data = user_data;
  reg->destroy = destroy;
  reg->refs = 1;
  reg->min_seq = client->next_seq;
  {
    OmRegistration **tail = &w->regs;  /* callbacks run in registration order */
    while (*tail != NULL)
      tail = &(*tail)->next;
    *tail = reg;
  }
  w->n_regs++;
  pthread_mutex_unlock(&client->lock);
  pthread_mutex_unlock(&client->match_lock);

  /* The last known state; also the check that the object (still) exists. */
  msg = om_method_call(offline->path, OM_IFACE_OFFLINE, "GetCurrentState");
  r = om_client_call(client, msg, &reply, error);
  if (msg != NULL)
    dbus_message_unref(msg);
  if (r == 0) {
    r = om_read_uint32_reply(reply, &state, error);
    dbus_message_unref(reply);
  }
  if (r < 0) {
    /* Undo without calling the destroy notify: the caller keeps its data. */
    pthread_mutex_lock(&client->lock);
    reg->destroy = NULL;
    pthread_mutex_unlock(&client->lock);
    om_client_unadvise(client, offline, new_token);
    return r;
  }
  pthread_mutex_lock(&client->lock);
  if ((w = find_watch(client, offline->path)) != NULL && w->last_known == 0)
    w->last_known = state;
  pthread_mutex_unlock(&client->lock);
  *token = new_token;
  return 0;
}

int
om_client_unadvise(OmClient *client, const OmOffline *offline, uint32_t token)
{
  OmRegistration *reg = NULL;
  OmDestroyNotify destroy = NULL;
  void *user_data = NULL;
  char *path = NULL;
  bool last = false;

  if (token == 0)
    return OM_E_NOT_FOUND;
  pthread_mutex_lock(&client->lock);
  for (OmWatch *w = client->watches; w != NULL && reg == NULL; w = w->next)
    for (OmRegistration **p = &w->regs; *p != NULL; p = &(*p)->next)
      if ((*p)->token == token && (*p)->offline == offline) {
        reg = *p;
        *p = reg->next;
        reg->next = NULL;
        w->n_regs--;
        last = w->n_regs == 0;
        path = last ? strdup(w->path) : NULL;
        break;
      }
  if (reg == NULL) {
    pthread_mutex_unlock(&client->lock);
    return OM_E_NOT_FOUND;
  }
  reg->removed = true;
  if (reg->running && pthread_equal(reg->running_thread, pthread_self())) {
    /* From inside its own callback: the destroy notify runs when the callback returns. */
    reg->destroy_when_returned = true;
  } else {
    while (reg->running)
      pthread_cond_wait(&client->cond, &client->lock);
    destroy = reg->destroy;
    user_data = reg->user_data;
  }
  registration_unref_locked(reg);
  pthread_mutex_unlock(&client->lock);

  if (destroy != NULL)
    destroy(user_data);
  if (last && path != NULL)
    release_watch(client, path);
  free(path);
  return 0;
}

void
om_client_unadvise_all(OmClient *client, const OmOffline *offline)
{
  for (;;) {
    uint32_t token = 0;

    pthread_mutex_lock(&client->lock);
    for (OmWatch *w = client->watches; w != NULL && token == 0; w = w->next)
      for (OmRegistration *r = w->regs; r != NULL && token == 0; r = r->next)
        if (r->offline == offline)
          token = r->token;
    pthread_mutex_unlock(&client->lock);
    if (token == 0)
      return;
    om_client_unadvise(client, offline, token);
  }
}
