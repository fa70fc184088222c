/* offline-object: the state machine of one object, through a fake OmObjectContext that
 * records every phase and property change together with the object's state at that
 * moment. Covers the transition contract (phase order, State changing between START and
 * STATECHANGE), states set directly until the object is started (on the bus), abandoned
 * transitions, the debounce (a flap inside the grace period emits nothing; the quiet
 * period restarts on every change; user causes, suspend and resume act at once), and
 * reachability probes against real local TCP sockets. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "offline-object.h"

#define LONG_DELAY_MS 600000  /* a debounce that would never end within a test */
#define WAIT_MS 20000         /* bound on waits for something that must happen */

typedef struct {
  OmNetworkSnapshot net;
  OmDaemonConfig config;
  OmState global_requested;
  OmObjectContext ctx;
  GString *log;       /* "START(2>1)@2 props(State,Reason)@1 ..." */
  guint n_done;       /* transition_done calls */
  gint64 last_done_us;
  GString *messages;  /* what the object logged */
  guint log_handler;
  int fds[3];         /* sockets of the listeners, closed at the end */
} Fixture;

static const char *
state_char(OmState state)
{
  return state == OM_STATE_ONLINE ? "2" : "1";
}

static void
on_emit_phase(OmObject *obj, OmNotifyType type, OmState old_state, OmState new_state,
              gpointer user_data)
{
  Fixture *f = user_data;
  static const char *const names[] = { "?", "START", "STATECHANGE", "DONE" };

  g_string_append_printf(f->log, "%s(%s>%s)@%s ", names[type], state_char(old_state),
                         state_char(new_state), state_char(om_object_get_state(obj)));
}

static void
on_emit_properties(OmObject *obj, OmObjectProps changed, gpointer user_data)
{
  Fixture *f = user_data;
  static const char *const names[] = { "State", "RequestedState", "Reason", "Transitioning",
                                       "DisplayName", "Settings" };
  gboolean first = TRUE;

  g_assert_cmpuint(changed, !=, 0);
  g_string_append(f->log, "props(");
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    if (changed & (1u << i)) {
      g_string_append_printf(f->log, "%s%s", first ? "" : ",", names[i]);
      first = FALSE;
    }
  }
  g_string_append_printf(f->log, ")@%s ", state_char(om_object_get_state(obj)));
}

static void
on_transition_done(OmObject *obj, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_false(om_object_get_transitioning(obj));
  f->n_done++;
  f->last_done_us = g_get_monotonic_time();
  g_string_append(f->log, "done ");
}

static void
on_log_message(const char *domain, GLogLevelFlags level, const char *message,
               gpointer user_data)
{
  Fixture *f = user_data;

  g_string_append_printf(f->messages, "%s\n", message);
}

static void
set_network(Fixture *f, gboolean default_route)
{
  f->net.backend = OM_BACKEND_NETLINK;
  f->net.default_route = default_route;
  f->net.nm_state = default_route ? OM_NM_STATE_CONNECTED_GLOBAL : OM_NM_STATE_DISCONNECTED;
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  om_network_snapshot_init(&f->net);
  set_network(f, TRUE);
  om_daemon_config_init(&f->config);
  f->config.offline_delay_ms = LONG_DELAY_MS;
  f->config.online_delay_ms = LONG_DELAY_MS;
  f->config.probe_timeout_ms = OM_PROBE_TIMEOUT_MAX_MS;
  f->global_requested = OM_STATE_ONLINE;
  f->ctx = (OmObjectContext){
    .net = &f->net,
    .config = &f->config,
    .global_requested = &f->global_requested,
    .emit_phase = on_emit_phase,
    .emit_properties = on_emit_properties,
    .transition_done = on_transition_done,
    .user_data = f,
  };
  f->log = g_string_new(NULL);
  f->messages = g_string_new(NULL);
  f->log_handler = g_log_set_handler(NULL, G_LOG_LEVEL_MESSAGE, on_log_message, f);
  for (guint i = 0; i < G_N_ELEMENTS(f->fds); i++)
    f->fds[i] = -1;
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS(f->fds); i++)
    if (f->fds[i] >= 0)
      close(f->fds[i]);
  g_log_remove_handler(NULL, f->log_handler);
  om_network_snapshot_clear(&f->net);
  g_string_free(f->log, TRUE);
  g_string_free(f->messages, TRUE);
}

/* The events so far, and forgets them. */
static char *
take_log(Fixture *f)
{
  char *log = g_strdup(g_strstrip(f->log->str));

  g_string_truncate(f->log, 0);
  return log;
}

#define assert_log(f, expected) \
  G_STMT_START { \
    g_autofree char *log_ = take_log(f); \
    g_assert_cmpstr(log_, ==, expected); \
  } G_STMT_END

static gboolean
on_flag_timeout(gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @n transitions are done; fails after WAIT_MS. */
static void
run_until_done(Fixture *f, guint n)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add(WAIT_MS, on_flag_timeout, &expired);

  while (f->n_done < n && !expired)
    g_main_context_iteration(NULL, TRUE);
  if (!expired)
    g_source_remove(id);
  if (f->n_done < n)
    g_error("timed out waiting for transition %u; events: %s", n, f->log->str);
}

/* Runs the main loop for @ms. Every timer due earlier has run by then (GLib never fires
 * a timeout early, and dispatches all due sources of one priority together). */
static void
run_for(guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add(ms, on_flag_timeout, &expired);
  while (!expired)
    g_main_context_iteration(NULL, TRUE);
}

/* A new account, not started: as before the daemon has exported it. */
static OmObject *
new_hidden_account(Fixture *f, const OmAccountSettings *settings, OmState requested)
{
  g_auto(OmAccountSettings) defaults;

  om_account_settings_init(&defaults);
  return om_object_new_account(&f->ctx, "/org/offlinemgr/OfflineMgr1/account/work", "work",
                               settings != NULL ? settings : &defaults, requested);
}

/* A new account, started: on the bus, its changes are transitions. */
static OmObject *
new_account(Fixture *f, const OmAccountSettings *settings, OmState requested)
{
  OmObject *obj = new_hidden_account(f, settings, requested);

  om_object_start(obj);
  return obj;
}

static OmObject *
new_global(Fixture *f, OmState requested)
{
  OmObject *obj = om_object_new_global(&f->ctx, "/g", requested);

  om_object_start(obj);
  return obj;
}

/* A TCP listener on 127.0.0.1 in fds[@slot]; its port. */
static guint16
listen_tcp(Fixture *f, int slot, int backlog)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t len = sizeof(addr);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint(fd, >=, 0);
  g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
  g_assert_cmpint(listen(fd, backlog), ==, 0);
  g_assert_cmpint(getsockname(fd, (struct sockaddr *)&addr, &len), ==, 0);
  f->fds[slot] = fd;
  return ntohs(addr.sin_port);
}

/* A port where the kernel completes a connection at once. */
static guint16
open_port(Fixture *f)
{
  return listen_tcp(f, 0, 16);
}

/* A port where nobody listens: connecting is refused at once. */
static guint16
closed_port(Fixture *f)
{
  guint16 port = listen_tcp(f, 1, 1);

  close(f->fds[1]);
  f->fds[1] = -1;
  return port;
}

/* A port whose listener's queue is full: a connection attempt hangs (its SYN is dropped)
 * until the probe's time limit. */
static guint16
hanging_port(Fixture *f)
{
  guint16 port = listen_tcp(f, 1, 0);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                              .sin_port = htons(port) };
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  /* The one connection a backlog of 0 admits fills the queue. */
  g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
  f->fds[2] = fd;
  return port;
}

static void
probed_settings(OmAccountSettings *s, guint16 port)
{
  om_account_settings_init(s);
  s->host = g_strdup("127.0.0.1");
  s->port = port;
  s->check_reachability = TRUE;
}

/* ---- start ---- */

static void
test_new_objects_take_state_directly(Fixture *f, gconstpointer data)
{
  OmObject *global = new_global(f, OM_STATE_ONLINE);
  OmObject *offline = new_global(f, OM_STATE_OFFLINE);
  OmObject *account = new_account(f, NULL, OM_STATE_ONLINE);
  OmObject *user_offline = new_account(f, NULL, OM_STATE_OFFLINE);
  OmObject *no_net;

  g_assert_cmpint(om_object_get_state(global), ==, OM_STATE_ONLINE);
  g_assert_cmpint(om_object_get_reason(global), ==, OM_REASON_NONE);
  g_assert_cmpint(om_object_get_state(offline), ==, OM_STATE_OFFLINE);
  g_assert_cmpint(om_object_get_reason(offline), ==, OM_REASON_USER_OFFLINE);
  g_assert_cmpint(om_object_get_state(account), ==, OM_STATE_ONLINE);
  g_assert_cmpint(om_object_get_reason(user_offline), ==, OM_REASON_USER_OFFLINE);
  g_assert_true(om_object_is_global(global));
  g_assert_null(om_object_get_id(global));
  g_assert_cmpstr(om_object_get_id(account), ==, "work");
  g_assert_cmpstr(om_object_get_display_name(account), ==, "work");
  g_assert_false(om_object_get_transitioning(account));

  f->global_requested = OM_STATE_OFFLINE;
  set_network(f, FALSE);
  g_clear_pointer(&user_offline, om_object_free);
  user_offline = new_account(f, NULL, OM_STATE_OFFLINE);
  g_assert_cmpint(om_object_get_reason(user_offline), ==, OM_REASON_GLOBAL_OFFLINE);
  f->global_requested = OM_STATE_ONLINE;
  no_net = new_account(f, NULL, OM_STATE_ONLINE);
  g_assert_cmpint(om_object_get_state(no_net), ==, OM_STATE_OFFLINE);
  g_assert_cmpint(om_object_get_reason(no_net), ==, OM_REASON_NO_NETWORK);

  assert_log(f, "");
  g_assert_cmpuint(f->n_done, ==, 0);
  om_object_free(global);
  om_object_free(offline);
  om_object_free(account);
  om_object_free(user_offline);
  om_object_free(no_net);
}

static void
test_changes_before_start_are_direct(Fixture *f, gconstpointer data)
{
  OmObject *obj = new_hidden_account(f, NULL, OM_STATE_ONLINE);

  /* Not on the bus yet: no transitions and no debounce, only the new values. */
  set_network(f, FALSE);
  om_object_update(obj, OM_CAUSE_NETWORK);
  assert_log(f, "props(State,Reason)@1");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_NO_NETWORK);
  set_network(f, TRUE);
  om_object_update(obj, OM_CAUSE_NETWORK);
  assert_log(f, "props(State,Reason)@2");

  /* Started: changes are transitions. */
  om_object_start(obj);
  assert_log(f, "");
  om_object_set_requested(obj, OM_STATE_OFFLINE);
  assert_log(f, "props(RequestedState)@2 START(2>1)@2 props(State,Reason)@1 "
                "STATECHANGE(2>1)@1 DONE(2>1)@1 done");
  /* Only the first start counts. */
  om_object_start(obj);
  assert_log(f, "");
  om_object_free(obj);
}

/* ---- transitions ---- */

static void
test_user_request_phase_order(Fixture *f, gconstpointer data)
{
  OmObject *obj = new_global(f, OM_STATE_ONLINE);

  /* User requests act at once, whatever the debounce delays. */
  om_object_set_requested(obj, OM_STATE_OFFLINE);
  assert_log(f, "props(RequestedState)@2 START(2>1)@2 props(State,Reason)@1 "
                "STATECHANGE(2>1)@1 DONE(2>1)@1 done");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_USER_OFFLINE);
  g_assert_cmpint(om_object_get_requested(obj), ==, OM_STATE_OFFLINE);

  om_object_set_requested(obj, OM_STATE_ONLINE);
  assert_log(f, "props(RequestedState)@1 START(1>2)@1 props(State,Reason)@2 "
                "STATECHANGE(1>2)@2 DONE(1>2)@2 done");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_NONE);

  /* The mode already requested: nothing, now or later. */
  om_object_set_requested(obj, OM_STATE_ONLINE);
  assert_log(f, "");
  run_for(10);
  assert_log(f, "");
  om_object_free(obj);
}

static void
test_request_without_state_change(Fixture *f, gconstpointer data)
{
  OmObject *obj;

  set_network(f, FALSE);
  obj = new_account(f, NULL, OM_STATE_ONLINE);
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_NO_NETWORK);
  /* OFFLINE already: the request and the reason change, no transition. */
  om_object_set_requested(obj, OM_STATE_OFFLINE);
  assert_log(f, "props(RequestedState)@1 props(Reason)@1");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_USER_OFFLINE);
  /* Asking for ONLINE when the network forbids it is kept; the reason says why. */
  om_object_set_requested(obj, OM_STATE_ONLINE);
  assert_log(f, "props(RequestedState)@1 props(Reason)@1");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_NO_NETWORK);
  g_assert_cmpint(om_object_get_requested(obj), ==, OM_STATE_ONLINE);
  om_object_free(obj);
}

static void
test_global_offline_wins(Fixture *f, gconstpointer data)
{
  OmObject *obj = new_account(f, NULL, OM_STATE_ONLINE);

  f->global_requested = OM_STATE_OFFLINE;
  om_object_update(obj, OM_CAUSE_USER);
  assert_log(f, "START(2>1)@2 props(State,Reason)@1 STATECHANGE(2>1)@1 DONE(2>1)@1 done");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_GLOBAL_OFFLINE);
  /* The account's own request changes nothing visible but the request itself. */
  om_object_set_requested(obj, OM_STATE_OFFLINE);
  assert_log(f, "props(RequestedState)@1");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_GLOBAL_OFFLINE);
  f->global_requested = OM_STATE_ONLINE;
  om_object_update(obj, OM_CAUSE_USER);
  assert_log(f, "props(Reason)@1");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_USER_OFFLINE);
  om_object_free(obj);
}

static void
test_settings_act_at_once(Fixture *f, gconstpointer data)
{
  OmObject *obj = new_account(f, NULL, OM_STATE_ONLINE);
  g_auto(OmAccountSettings) s;

  f->net.metered = OM_NM_METERED_GUESS_YES;
  om_account_settings_init(&s);
  s.display_name = g_strdup("Work");
  om_object_set_settings(obj, &s);
  assert_log(f, "props(DisplayName,Settings)@2");
  g_assert_cmpstr(om_object_get_display_name(obj), ==, "Work");
  /* Equal settings: nothing. */
  om_object_set_settings(obj, &s);
  assert_log(f, "");

  s.allow_metered = FALSE;
  om_object_set_settings(obj, &s);
  assert_log(f, "props(Settings)@2 START(2>1)@2 props(State,Reason)@1 STATECHANGE(2>1)@1 "
                "DONE(2>1)@1 done");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_METERED);
  om_object_free(obj);
}

/* ---- debounce ---- */

static void
test_offline_after_grace_period(Fixture *f, gconstpointer data)
{
  OmObject *obj = new_account(f, NULL, OM_STATE_ONLINE);
  gint64 start;

  f->config.offline_delay_ms = 100;
  set_network(f, FALSE);
  start = g_get_monotonic_time();
  om_object_update(obj, OM_CAUSE_NETWORK);
  assert_log(f, "");
  g_assert_cmpint(om_object_get_state(obj), ==, OM_STATE_ONLINE);
  run_until_done(f, 1);
  assert_log(f, "START(2>1)@2 props(State,Reason)@1 STATECHANGE(2>1)@1 DONE(2>1)@1 done");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_NO_NETWORK);
  g_assert_cmpint(f->last_done_us - start, >=, 100 * 1000);
  om_object_free(obj);
}

static void
test_flap_inside_grace_period_emits_nothing(Fixture *f, gconstpointer data)
{
  OmObject *obj = new_account(f, NULL, OM_STATE_ONLINE);

  /* Down and up again with no main loop iteration between: the flap is inside the grace
   * period however slowly the machine runs. */
  f->config.offline_delay_ms = 100;
  set_network(f, FALSE);
  om_object_update(obj, OM_CAUSE_NETWORK);
  set_network(f, TRUE);
  om_object_update(obj, OM_CAUSE_NETWORK);
  run_for(300);
  assert_log(f, "");
  g_assert_cmpint(om_object_get_state(obj), ==, OM_STATE_ONLINE);

  /* The same while OFFLINE: a short recovery inside the quiet period is not seen. */
  f->config.offline_delay_ms = 0;
  f->config.online_delay_ms = 100;
  set_network(f, FALSE);
  om_object_update(obj, OM_CAUSE_NETWORK);
  assert_log(f, "START(2>1)@2 props(State,Reason)@1 STATECHANGE(2>1)@1 DONE(2>1)@1 done");
  set_network(f, TRUE);
  om_object_update(obj, OM_CAUSE_NETWORK);
  set_network(f, FALSE);
  om_object_update(obj, OM_CAUSE_NETWORK);
  run_for(300);
  assert_log(f, "");
  g_assert_cmpint(om_object_get_state(obj), ==, OM_STATE_OFFLINE);
  om_object_free(obj);
}

typedef struct {
  Fixture *f;
  OmObject *obj;
  gint64 at;
} LateChange;

static gboolean
on_late_change(gpointer user_data)
{
  LateChange *c = user_data;

  /* Another change that still allows ONLINE (the network settling). */
  c->f->net.nm_state = OM_NM_STATE_CONNECTED_SITE;
  c->at = g_get_monotonic_time();
  om_object_update(c->obj, OM_CAUSE_NETWORK);
  return G_SOURCE_REMOVE;
}

static void
test_quiet_period_restarts_on_every_change(Fixture *f, gconstpointer data)
{
  OmObject *obj;
  LateChange change = { f, NULL, 0 };
  gint64 start;

  /* The second change comes 100 ms into a 600 ms quiet period: only a stall of 500 ms
   * could make the first period end before it. */
  f->config.offline_delay_ms = 0;
  f->config.online_delay_ms = 600;
  set_network(f, FALSE);
  obj = change.obj = new_account(f, NULL, OM_STATE_ONLINE);
  set_network(f, TRUE);
  start = g_get_monotonic_time();
  om_object_update(obj, OM_CAUSE_NETWORK);
  g_timeout_add(100, on_late_change, &change);
  run_until_done(f, 1);
  assert_log(f, "START(1>2)@1 props(State,Reason)@2 STATECHANGE(1>2)@2 DONE(1>2)@2 done");
  g_assert_cmpint(change.at, >, 0);
  /* The quiet period counts from the last change, not the first. */
  g_assert_cmpint(f->last_done_us - change.at, >=, 600 * 1000);
  g_assert_cmpint(f->last_done_us - start, >=, 700 * 1000);
  om_object_free(obj);
}

static void
test_zero_delays_act_at_once(Fixture *f, gconstpointer data)
{
  OmObject *obj = new_account(f, NULL, OM_STATE_ONLINE);

  f->config.offline_delay_ms = 0;
  f->config.online_delay_ms = 0;
  set_network(f, FALSE);
  om_object_update(obj, OM_CAUSE_NETWORK);
  assert_log(f, "START(2>1)@2 props(State,Reason)@1 STATECHANGE(2>1)@1 DONE(2>1)@1 done");
  set_network(f, TRUE);
  om_object_update(obj, OM_CAUSE_NETWORK);
  assert_log(f, "START(1>2)@1 props(State,Reason)@2 STATECHANGE(1>2)@2 DONE(1>2)@2 done");
  om_object_free(obj);
}

static void
test_suspend_and_resume_act_at_once(Fixture *f, gconstpointer data)
{
  OmObject *global = new_global(f, OM_STATE_ONLINE);

  f->net.suspended = TRUE;
  om_object_update(global, OM_CAUSE_SUSPEND);
  assert_log(f, "START(2>1)@2 props(State,Reason)@1 STATECHANGE(2>1)@1 DONE(2>1)@1 done");
  g_assert_cmpint(om_object_get_reason(global), ==, OM_REASON_SUSPENDED);
  f->net.suspended = FALSE;
  om_object_update(global, OM_CAUSE_RESUME);
  assert_log(f, "START(1>2)@1 props(State,Reason)@2 STATECHANGE(1>2)@2 DONE(1>2)@2 done");
  om_object_free(global);
}

static void
test_reason_change_while_offline(Fixture *f, gconstpointer data)
{
  OmObject *obj;

  set_network(f, FALSE);
  obj = new_account(f, NULL, OM_STATE_ONLINE);
  /* OFFLINE either way: the new reason shows at once, without a transition. */
  f->net.suspended = TRUE;
  om_object_update(obj, OM_CAUSE_NETWORK);
  assert_log(f, "props(Reason)@1");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_SUSPENDED);
  om_object_free(obj);
}

/* ---- reachability probes ---- */

static void
test_probe_waits_for_start(Fixture *f, gconstpointer data)
{
  g_auto(OmAccountSettings) s;
  OmObject *obj;

  probed_settings(&s, open_port(f));
  obj = new_hidden_account(f, &s, OM_STATE_ONLINE);
  /* Not confirmed yet: OFFLINE, and nothing emitted or probed before it is started. */
  g_assert_cmpint(om_object_get_state(obj), ==, OM_STATE_OFFLINE);
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_UNREACHABLE);
  run_for(50);
  assert_log(f, "");
  g_assert_cmpuint(f->n_done, ==, 0);
  /* Started: the probe is a transition, START at once, the rest when it answers. */
  om_object_start(obj);
  assert_log(f, "START(1>2)@1 props(Transitioning)@1");
  g_assert_true(om_object_get_transitioning(obj));
  run_until_done(f, 1);
  assert_log(f, "props(State,Reason,Transitioning)@2 STATECHANGE(1>2)@2 DONE(1>2)@2 done");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_NONE);
  om_object_free(obj);
}

static void
test_probe_at_start_unreachable(Fixture *f, gconstpointer data)
{
  g_auto(OmAccountSettings) s;
  OmObject *obj;

  probed_settings(&s, closed_port(f));
  obj = new_account(f, &s, OM_STATE_ONLINE);
  assert_log(f, "START(1>2)@1 props(Transitioning)@1");
  run_until_done(f, 1);
  g_assert_nonnull(strstr(f->messages->str, "Account work is unreachable"));
  assert_log(f, "props(Transitioning)@1 DONE(1>1)@1 done");
  g_assert_cmpint(om_object_get_state(obj), ==, OM_STATE_OFFLINE);
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_UNREACHABLE);
  om_object_free(obj);
}

static void
test_probed_transition_succeeds(Fixture *f, gconstpointer data)
{
  g_auto(OmAccountSettings) s;
  OmObject *obj;

  probed_settings(&s, open_port(f));
  obj = new_account(f, &s, OM_STATE_OFFLINE);
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_USER_OFFLINE);
  om_object_set_requested(obj, OM_STATE_ONLINE);
  /* START at once; the rest when the server has answered. */
  assert_log(f, "props(RequestedState)@1 START(1>2)@1 props(Transitioning)@1");
  g_assert_true(om_object_get_transitioning(obj));
  run_until_done(f, 1);
  assert_log(f, "props(State,Reason,Transitioning)@2 STATECHANGE(1>2)@2 DONE(1>2)@2 done");
  g_assert_false(om_object_get_transitioning(obj));
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_NONE);
  om_object_free(obj);
}

static void
test_probed_transition_abandoned(Fixture *f, gconstpointer data)
{
  g_auto(OmAccountSettings) s;
  OmObject *obj;

  probed_settings(&s, closed_port(f));
  obj = new_account(f, &s, OM_STATE_OFFLINE);
  om_object_set_requested(obj, OM_STATE_ONLINE);
  assert_log(f, "props(RequestedState)@1 START(1>2)@1 props(Transitioning)@1");
  run_until_done(f, 1);
  g_assert_nonnull(strstr(f->messages->str, "Account work is unreachable"));
  /* START(old, target), then DONE(old, old): no STATECHANGE, no change of State. */
  assert_log(f, "props(Reason,Transitioning)@1 DONE(1>1)@1 done");
  g_assert_cmpint(om_object_get_state(obj), ==, OM_STATE_OFFLINE);
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_UNREACHABLE);
  om_object_free(obj);
}

static void
test_probed_transition_interrupted(Fixture *f, gconstpointer data)
{
  g_auto(OmAccountSettings) s;
  OmObject *obj;

  probed_settings(&s, hanging_port(f));
  obj = new_account(f, &s, OM_STATE_OFFLINE);
  om_object_set_requested(obj, OM_STATE_ONLINE);
  assert_log(f, "props(RequestedState)@1 START(1>2)@1 props(Transitioning)@1");
  run_for(50);
  assert_log(f, "");
  g_assert_true(om_object_get_transitioning(obj));

  /* An OFFLINE target ends the transition at once: DONE(old, old) with the reason. */
  f->global_requested = OM_STATE_OFFLINE;
  om_object_update(obj, OM_CAUSE_USER);
  assert_log(f, "props(Reason,Transitioning)@1 DONE(1>1)@1 done");
  g_assert_false(om_object_get_transitioning(obj));
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_GLOBAL_OFFLINE);

  /* Suspend during a probed transition too. */
  f->global_requested = OM_STATE_ONLINE;
  om_object_update(obj, OM_CAUSE_USER);
  assert_log(f, "START(1>2)@1 props(Transitioning)@1");
  f->net.suspended = TRUE;
  om_object_update(obj, OM_CAUSE_SUSPEND);
  assert_log(f, "props(Reason,Transitioning)@1 DONE(1>1)@1 done");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_SUSPENDED);

  /* Freed with a probe in flight: nothing more is reported. */
  f->net.suspended = FALSE;
  om_object_update(obj, OM_CAUSE_RESUME);
  assert_log(f, "START(1>2)@1 props(Transitioning)@1");
  om_object_free(obj);
  run_for(50);
  assert_log(f, "");
}

static void
test_verification_failure_goes_offline(Fixture *f, gconstpointer data)
{
  g_auto(OmAccountSettings) s;
  OmObject *obj;

  probed_settings(&s, open_port(f));
  obj = new_account(f, &s, OM_STATE_ONLINE);
  run_until_done(f, 1);
  g_assert_cmpint(om_object_get_state(obj), ==, OM_STATE_ONLINE);
  g_free(take_log(f));

  /* The server goes away; the next check while ONLINE finds out, and acts at once. */
  close(f->fds[0]);
  f->fds[0] = -1;
  om_object_update(obj, OM_CAUSE_USER);
  g_assert_false(om_object_get_transitioning(obj));
  run_until_done(f, 2);
  g_assert_nonnull(strstr(f->messages->str, "Account work is unreachable"));
  assert_log(f, "START(2>1)@2 props(State,Reason)@1 STATECHANGE(2>1)@1 DONE(2>1)@1 done");
  g_assert_cmpint(om_object_get_reason(obj), ==, OM_REASON_UNREACHABLE);
  om_object_free(obj);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) \
  g_test_add("/offline-object/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("new-objects-take-state-directly", test_new_objects_take_state_directly);
  ADD("changes-before-start-are-direct", test_changes_before_start_are_direct);
  ADD("user-request-phase-order", test_user_request_phase_order);
  ADD("request-without-state-change", test_request_without_state_change);
  ADD("global-offline-wins", test_global_offline_wins);
  ADD("settings-act-at-once", test_settings_act_at_once);
  ADD("offline-after-grace-period", test_offline_after_grace_period);
  ADD("flap-inside-grace-period-emits-nothing", test_flap_inside_grace_period_emits_nothing);
  ADD("quiet-period-restarts-on-every-change", test_quiet_period_restarts_on_every_change);
  ADD("zero-delays-act-at-once", test_zero_delays_act_at_once);
  ADD("suspend-and-resume-act-at-once", test_suspend_and_resume_act_at_once);
  ADD("reason-change-while-offline", test_reason_change_while_offline);
  ADD("probe-waits-for-start", test_probe_waits_for_start);
  ADD("probe-at-start-unreachable", test_probe_at_start_unreachable);
  ADD("probed-transition-succeeds", test_probed_transition_succeeds);
  ADD("probed-transition-abandoned", test_probed_transition_abandoned);
  ADD("probed-transition-interrupted", test_probed_transition_interrupted);
  ADD("verification-failure-goes-offline", test_verification_failure_goes_offline);
#undef ADD
  return g_test_run();
}
