/* libofflinemgr internals shared by its files: the client's state, its event queue and
 * registrations, bus call helpers, and the pure helpers the unit tests reach. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <dbus/dbus.h>

#include "offlinemgr-bus.h"
#include "offlinemgr/offlinemgr.h"

#define OM_IFACE_PROPERTIES "org.freedesktop.DBus.Properties"
#define OM_IFACE_OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"

#define OM_ACCOUNT_ID_MAX 64

typedef struct OmEvent OmEvent;
typedef struct OmWatch OmWatch;
typedef struct OmRegistration OmRegistration;
typedef struct OmWaiter OmWaiter;

/* One registration (an Advise). Owned by the client's list while live; a reference is
 * held by the delivery loop while it calls the callback. */
struct OmRegistration {
  OmRegistration *next;        /* in the watch's list */
  OmWatch *watch;
  const OmOffline *offline;    /* the handle it was made through; identity only */
  uint32_t token, client_token, state_mask;
  OmStateCallback callback;
  void *user_data;
  OmDestroyNotify destroy;
  uint64_t min_seq;            /* events queued before it was made are not for it */
  int refs;
  bool removed;
  bool destroy_when_returned;  /* unadvised from inside its own callback */
  bool in_transition;          /* it saw START and not yet DONE */
  uint32_t transition_old;
  bool running;                /* its callback runs now, in running_thread */
  pthread_t running_thread;
};

/* One watched object path and its last known state, shared by every registration of
 * that path in the client. */
struct OmWatch {
  OmWatch *next;
  char *path;
  OmRegistration *regs;
  unsigned n_regs;
  uint32_t last_known;         /* OM_STATE_*; 0 while unknown */
};

typedef enum {
  OM_EVENT_PHASE,              /* one phase of a StatesChanged signal */
  OM_EVENT_REREAD,             /* the State read after the daemon's name got a new owner */
  OM_EVENT_WAITER,             /* the reply a blocking SetCurrentState waits for */
} OmEventKind;

struct OmEvent {
  OmEvent *next;
  OmEventKind kind;
  uint64_t seq;
  char *path;
  uint32_t notify_type, old_state, new_state;  /* PHASE; REREAD: new_state, 0 = gone */
  OmWaiter *waiter;
};

/* A SetCurrentState(BLOCK) whose reply is handled in stream order, after the DONE
 * signals before it. Lives on the waiting thread's stack. */
struct OmWaiter {
  OmWaiter *next;
  dbus_uint32_t serial;
  DBusMessage *reply;
  bool done;
};

/* A pending re-read of one watched path, sent to the daemon's new owner. */
typedef struct OmReread {
  struct OmReread *next;
  dbus_uint32_t serial;
  char *path;
} OmReread;

struct OmClient {
  int refs;                    /* atomic */
  DBusConnection *conn;
  int timeout_ms;
  int epoll_fd;                /* what om_client_get_fd() returns */
  int wake_fd;                 /* eventfd: the client has work that the socket won't show */
  atomic_bool wake_posted;     /* wake_fd has been written and not yet drained */
  int socket_fd;
  uint32_t socket_events;      /* the socket's events in epoll_fd (dispatch role only) */

  /* Serialises match-rule changes (blocking calls); never held while callbacks run and
   * never taken while `lock` is held. */
  pthread_mutex_t match_lock;

  pthread_mutex_t lock;        /* everything below */
  pthread_cond_t cond;         /* a callback returned, a waiter is done, the dispatch role
                                  was released, or the connection was lost */
  bool disconnected;
  bool dispatching;            /* one thread at a time has the dispatch role */
  pthread_t dispatch_thread;
  bool dedicated_dispatcher;   /* the MAPI face's thread: others never take the role */
  bool dispatcher_stop;        /* om_client_dispatcher_run() returns */
  bool tracking_owner;         /* the NameOwnerChanged rule is in place */
  bool states_rule;            /* the StatesChanged rule is in place (while any watch is) */
  char *owner;                 /* the unique name owning OM_BUS_NAME; NULL: none */
  OmWatch *watches;
  OmEvent *queue_head, *queue_tail;
  uint64_t next_seq;
  uint32_t next_token;
  OmWaiter *waiters;
  OmReread *rereads;
};

struct OmOffline {
  OmClient *client;            /* a reference */
  char *id;                    /* NULL: the global object */
  char *path;
};

/* ---- errors.c ---- */

/* Sets @error (may be NULL) and returns @code. */
int om_set_error(OmError *error, int code, const char *name, const char *format, ...)
  __attribute__((format(printf, 4, 5)));

/* The OmErrorCode for a D-Bus error name. */
int om_error_code_from_bus_name(const char *name);

/* Sets @error from a bus error and returns its code. */
int om_set_error_from_bus(OmError *error, const DBusError *bus_error);

/* ---- client.c ---- */

/* Sends @msg (borrowed) to the daemon and waits for the reply, at most the client's
 * timeout. Returns 0 and *@reply (owned by the caller), or a negative code. */
int om_client_call(OmClient *client, DBusMessage *msg, DBusMessage **reply, OmError *error);

/* A new method call to the daemon; NULL when out of memory. */
DBusMessage *om_method_call(const char *path, const char *iface, const char *method);

/* Registration bookkeeping for offline.c. */
int om_client_advise(OmClient *client, const OmOffline *offline, uint32_t client_token,
                     uint32_t state_mask, OmStateCallback callback, void *user_data,
                     OmDestroyNotify destroy, uint32_t *token, OmError *error);
int om_client_unadvise(OmClient *client, const OmOffline *offline, uint32_t token);
void om_client_unadvise_all(OmClient *client, const OmOffline *offline);

/* SetCurrentState(BLOCK) when this client watches @path: the reply is taken in stream
 * order, after the callbacks of the DONE before it have returned. */
int om_client_call_in_order(OmClient *client, DBusMessage *msg, DBusMessage **reply,
                            OmError *error);

/* Whether this thread is inside one of @client's callbacks. */
bool om_client_in_callback(OmClient *client);

/* Whether @client has a registration on @path. */
bool om_client_watches(OmClient *client, const char *path);

/* A dedicated dispatch thread (the MAPI face's): after om_client_set_dedicated_dispatcher()
 * callbacks run only in om_client_dispatcher_run(), which loops until
 * om_client_dispatcher_stop() (from any thread, including the dispatching one). */
void om_client_set_dedicated_dispatcher(OmClient *client);
void om_client_dispatcher_run(OmClient *client);
void om_client_dispatcher_stop(OmClient *client);

/* Makes the client's fd readable so that its dispatcher looks at the client's state:
 * the event queue, libdbus's incoming queue, dispatcher_stop. Any thread. */
void om_client_wake(OmClient *client);

/* Tests only (not exported): called by om_client_dispatcher_run() at the start of each
 * round, before it consumes the wake and dispatches, so a test can hold the thread in the
 * window where a stop arrives while a wake is posted. NULL otherwise. */
extern void (*om_client_test_dispatcher_hook)(OmClient *client);

/* ---- bus-read.c: reading replies ---- */

/* Reads a single "u" reply. */
int om_read_uint32_reply(DBusMessage *reply, uint32_t *value, OmError *error);

/* Iterates an a{sv}: calls @func for each entry with the key and the iterator on the
 * variant's contents. A non-zero return from @func stops and is returned. */
typedef int (*OmDictFunc)(const char *key, DBusMessageIter *value, void *user_data);
int om_read_dict(DBusMessageIter *dict, OmDictFunc func, void *user_data);

/* Value readers on a variant's contents; each fails with OM_E_FAILED (the daemon sent a
 * type the library does not expect) and then leaves the output alone. */
int om_read_string(DBusMessageIter *iter, char **value);      /* malloc'd */
int om_read_u32(DBusMessageIter *iter, uint32_t *value);
int om_read_bool(DBusMessageIter *iter, int *value);
int om_read_strv(DBusMessageIter *iter, char ***value);       /* malloc'd, NULL-terminated */

void om_strv_free(char **strv);

/* ---- settings.c: "Key=Value" strings and the settings a{sv} ---- */

/* Appends the a{sv} for @settings (NULL-terminated; NULL: empty) to @iter. Checks every
 * string first; on error nothing useful was appended and @error names the string. */
int om_settings_append(DBusMessageIter *iter, const char *const *settings, OmError *error);

/* The D-Bus type of a setting ('s', 'u', 'b', or 'a' for "as"), or 0 for an unknown key. */
char om_setting_type(const char *key);

/* Splits a ';'-list ("\;" escapes a ';', "\\" a '\'; a trailing ';' ends the list).
 * Returns a malloc'd NULL-terminated array, or NULL when out of memory. */
char **om_list_split(const char *value);

/* Joins a list the way om_list_split() reads it (no trailing ';'). malloc'd; NULL when
 * out of memory. */
char *om_list_join(const char *const *items);

/* Parses a boolean as the keyfile does (true/false, also yes/no, 1/0). */
bool om_parse_bool(const char *value, int *out);

/* Parses a decimal uint32 (no sign, no spaces, no overflow). */
bool om_parse_u32(const char *value, uint32_t *out);

/* ---- account ids ---- */

bool om_account_id_is_valid(const char *id);
