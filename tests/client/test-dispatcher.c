/* The dedicated dispatch thread's start and stop (the MAPI face's thread), with the
 * schedules that matter forced by a test hook instead of left to chance.
 *
 * The lost wake-up these tests pin down: a stop arrives while a wake is still posted
 * (a message read by a blocking call in another thread posted it), so the stop's wake()
 * writes nothing; if the thread then consumes the wake and goes back to poll() without
 * reading dispatcher_stop again, it sleeps for ever and pthread_join() in the
 * application never returns. Each test joins with a bound and fails saying so. */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include <gio/gio.h>

#include "client-private.h"

#define JOIN_TIMEOUT_S 10

typedef struct {
  GTestDBus *bus;
  OmClient *client;
  pthread_t thread;

  /* The hook's rendezvous: the thread waits in its first round until `go`. */
  GMutex lock;
  GCond cond;
  gboolean in_window, go;
  gboolean stop_from_hook;
} Fixture;

static Fixture *current;

static void
hold_first_round(OmClient *client)
{
  Fixture *f = current;

  g_mutex_lock(&f->lock);
  if (!f->in_window) {
    f->in_window = TRUE;
    g_cond_broadcast(&f->cond);
    if (f->stop_from_hook) {
      /* As Release of the last object from inside Notify does. */
      om_client_dispatcher_stop(client);
    } else {
      while (!f->go)
        g_cond_wait(&f->cond, &f->lock);
    }
  }
  g_mutex_unlock(&f->lock);
}

static void *
run_dispatcher(void *data)
{
  om_client_dispatcher_run(data);
  return NULL;
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  OmError error = OM_ERROR_INIT;

  g_mutex_init(&f->lock);
  g_cond_init(&f->cond);
  f->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
  g_test_dbus_up(f->bus);
  f->client = om_client_new_for_address(g_test_dbus_get_bus_address(f->bus), &error);
  g_assert_nonnull(f->client);
  om_client_set_dedicated_dispatcher(f->client);
  current = f;
  om_client_test_dispatcher_hook = hold_first_round;
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  om_client_test_dispatcher_hook = NULL;
  current = NULL;
  om_client_unref(f->client);
  g_test_dbus_down(f->bus);
  g_object_unref(f->bus);
  g_cond_clear(&f->cond);
  g_mutex_clear(&f->lock);
}

static void
start_thread(Fixture *f)
{
  g_assert_cmpint(pthread_create(&f->thread, NULL, run_dispatcher, f->client), ==, 0);
}

static void
wait_in_window(Fixture *f)
{
  gint64 deadline = g_get_monotonic_time() + JOIN_TIMEOUT_S * G_TIME_SPAN_SECOND;

  g_mutex_lock(&f->lock);
  while (!f->in_window)
    if (!g_cond_wait_until(&f->cond, &f->lock, deadline))
      g_error("the dispatch thread did not start its first round within %d s",
              JOIN_TIMEOUT_S);
  g_mutex_unlock(&f->lock);
}

static void
release_window(Fixture *f)
{
  g_mutex_lock(&f->lock);
  f->go = TRUE;
  g_cond_broadcast(&f->cond);
  g_mutex_unlock(&f->lock);
}

/* Joins the thread, or fails the test after JOIN_TIMEOUT_S instead of hanging. */
static void
join_bounded(Fixture *f, const char *what)
{
  struct timespec deadline;
  int r;

  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += JOIN_TIMEOUT_S;
  r = pthread_timedjoin_np(f->thread, NULL, &deadline);
  if (r == ETIMEDOUT)
    g_error("the dispatch thread did not end within %d s after %s: a lost wake-up",
            JOIN_TIMEOUT_S, what);
  g_assert_cmpint(r, ==, 0);
}

/* Posts a wake from this thread the way a blocking call does: a message to ourselves
 * arrives while the call waits for its own reply, so libdbus reports queued data and
 * the client wakes its dispatcher. */
static void
post_wake_by_blocking_call(Fixture *f)
{
  DBusMessage *ping, *call, *reply = NULL;
  OmError error = OM_ERROR_INIT;
  const char *self = dbus_bus_get_unique_name(f->client->conn);

  ping = dbus_message_new_method_call(self, "/", "org.offlinemgr.Test", "Ping");
  dbus_message_set_no_reply(ping, TRUE);
  g_assert_true(dbus_connection_send(f->client->conn, ping, NULL));
  dbus_message_unref(ping);
  call = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
                                      "GetId");
  g_assert_cmpint(om_client_call(f->client, call, &reply, &error), ==, 0);
  dbus_message_unref(call);
  dbus_message_unref(reply);
}

/* The schedule valgrind found: the thread is in a round, a wake is posted that it has
 * not consumed yet (in HrOpenOfflineObj, the one the application's blocking call posted
 * for the messages it read), and the stop comes now: its own wake() finds the flag set
 * and writes nothing. */
static void
test_stop_while_a_wake_is_posted(Fixture *f, gconstpointer data)
{
  start_thread(f);
  wait_in_window(f);
  om_client_wake(f->client);
  om_client_dispatcher_stop(f->client);
  release_window(f);
  join_bounded(f, "a stop that came while a wake was posted");
}

/* A thread stopped before it ran at all (HrOpenOfflineObj failing at once). */
static void
test_stop_before_the_thread_runs(Fixture *f, gconstpointer data)
{
  om_client_dispatcher_stop(f->client);
  release_window(f);
  start_thread(f);
  join_bounded(f, "a stop before the thread started");
}

/* The stop comes from the dispatch thread itself, inside a round. */
static void
test_stop_from_inside_a_round(Fixture *f, gconstpointer data)
{
  f->stop_from_hook = TRUE;
  start_thread(f);
  join_bounded(f, "a stop from inside the thread's own round");
}

/* Stopped from another thread while the thread sleeps in poll() with nothing posted. */
static void
test_stop_while_idle(Fixture *f, gconstpointer data)
{
  start_thread(f);
  wait_in_window(f);
  release_window(f);
  /* A blocking call from here takes the socket while the thread may be in poll(): both
   * orders must end the same way. */
  post_wake_by_blocking_call(f);
  om_client_dispatcher_stop(f->client);
  join_bounded(f, "a stop while the thread was idle");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/dispatcher/stop-while-a-wake-is-posted", Fixture, NULL, fixture_set_up,
             test_stop_while_a_wake_is_posted, fixture_tear_down);
  g_test_add("/dispatcher/stop-before-the-thread-runs", Fixture, NULL, fixture_set_up,
             test_stop_before_the_thread_runs, fixture_tear_down);
  g_test_add("/dispatcher/stop-from-inside-a-round", Fixture, NULL, fixture_set_up,
             test_stop_from_inside_a_round, fixture_tear_down);
  g_test_add("/dispatcher/stop-while-idle", Fixture, NULL, fixture_set_up,
             test_stop_while_idle, fixture_tear_down);
  return g_test_run();
}
