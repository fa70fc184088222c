#include "logind-monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "bus-name-watch.h"
#include "bus-util.h"

#define LOGIND_NAME "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_IFACE "org.freedesktop.login1.Manager"

#define CALL_TIMEOUT_USEC (5 * G_USEC_PER_SEC)
#define RETRY_FIRST_MS 50
#define RETRY_MAX_MS 30000

struct OmLogindMonitor {
  sd_bus *bus;
  OmBusNameWatch *watch;
  sd_bus_slot *sleep_match;
  char *owner;

  sd_bus_slot *inhibit_call;
  guint retry_id;
  guint retry_ms;
  int lock_fd;             /* the delay lock, or -1 */

  gboolean suspended;
  gboolean sleep_allowed;  /* during a suspension: the daemon is done */

  OmLogindChanged changed;
  gpointer user_data;
};

static void take_lock(OmLogindMonitor *lm);

static void
release_lock(OmLogindMonitor *lm)
{
  if (lm->lock_fd < 0)
    return;
  g_debug("logind: releasing the sleep delay lock");
  close(lm->lock_fd);
  lm->lock_fd = -1;
}

static gboolean
on_retry(gpointer user_data)
{
  OmLogindMonitor *lm = user_data;

  lm->retry_id = 0;
  take_lock(lm);
  return G_SOURCE_REMOVE;
}

static int
on_inhibit(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmLogindMonitor *lm = userdata;
  const sd_bus_error *error = sd_bus_message_get_error(m);
  int fd, r;

  lm->inhibit_call = sd_bus_slot_unref(lm->inhibit_call);
  if (error != NULL) {
    /* A logind that is still starting (or a stand-in that builds its objects after
     * taking the name) is asked again; one that refuses is not. */
    if (sd_bus_error_has_names(error, SD_BUS_ERROR_UNKNOWN_METHOD,
                               SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
                               SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT)) {
      lm->retry_ms = lm->retry_ms == 0 ? RETRY_FIRST_MS : MIN(lm->retry_ms * 2, RETRY_MAX_MS);
      g_debug("logind: Inhibit failed (%s); asking again in %u ms", error->message,
              lm->retry_ms);
      lm->retry_id = g_timeout_add(lm->retry_ms, on_retry, lm);
    } else {
      g_message("logind refuses a sleep delay lock (%s); notifications before sleep are "
                "sent without delaying it", error->message);
    }
    return 0;
  }
  lm->retry_ms = 0;
  r = sd_bus_message_read(m, "h", &fd);
  if (r < 0) {
    g_warning("logind: malformed Inhibit reply: %s", g_strerror(-r));
    return 0;
  }
  release_lock(lm);
  lm->lock_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (lm->lock_fd < 0) {
    g_warning("logind: cannot keep the sleep delay lock: %s", g_strerror(errno));
    return 0;
  }
  g_debug("logind: holding a sleep delay lock");
  /* Taken while a suspension is already under way and its notifications are out. */
  if (lm->suspended && lm->sleep_allowed)
    release_lock(lm);
  return 0;
}

static void
take_lock(OmLogindMonitor *lm)
{
  g_autoptr(sd_bus_message) m = NULL;
  int r;

  if (lm->owner == NULL || lm->inhibit_call != NULL || lm->retry_id != 0 || lm->lock_fd >= 0)
    return;
  r = sd_bus_message_new_method_call(lm->bus, &m, lm->owner, LOGIND_PATH, LOGIND_IFACE,
                                     "Inhibit");
  if (r >= 0)
    r = sd_bus_message_append(m, "ssss", "sleep", "offlinemgr",
                              "Telling mail applications to go offline", "delay");
  if (r >= 0)
    r = sd_bus_message_set_auto_start(m, 0);
  if (r >= 0)
    r = sd_bus_call_async(lm->bus, &lm->inhibit_call, m, on_inhibit, lm, CALL_TIMEOUT_USEC);
  if (r < 0)
    g_warning("logind: cannot ask for a sleep delay lock: %s", g_strerror(-r));
}

static void
set_suspended(OmLogindMonitor *lm, gboolean suspended)
{
  if (lm->suspended == suspended)
    return;
  lm->suspended = suspended;
  lm->sleep_allowed = FALSE;
  g_message("%s", suspended ? "Preparing for sleep" : "Resumed from sleep");
  lm->changed(lm, lm->user_data);
}

static int
on_prepare_for_sleep(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmLogindMonitor *lm = userdata;
  int start;

  if (lm->owner == NULL || g_strcmp0(sd_bus_message_get_sender(m), lm->owner) != 0 ||
      sd_bus_message_read(m, "b", &start) < 0)
    return 0;
  set_suspended(lm, start != 0);
  if (!start) {
    /* A lock of the last suspension that was never released must not delay the next. */
    release_lock(lm);
    take_lock(lm);
  }
  return 0;
}

static void
forget_owner(OmLogindMonitor *lm)
{
  lm->inhibit_call = sd_bus_slot_unref(lm->inhibit_call);
  g_clear_handle_id(&lm->retry_id, g_source_remove);
  lm->retry_ms = 0;
  release_lock(lm);
  g_clear_pointer(&lm->owner, g_free);
}

static void
on_owner_changed(OmBusNameWatch *watch, const char *owner, gpointer user_data)
{
  OmLogindMonitor *lm = user_data;

  forget_owner(lm);
  lm->owner = g_strdup(owner);
  if (owner != NULL) {
    g_debug("logind is on the system bus (%s)", owner);
    take_lock(lm);
  }
  /* Nobody is left to say that the machine resumed. */
  set_suspended(lm, FALSE);
}

OmLogindMonitor *
om_logind_monitor_new(sd_bus *bus, OmLogindChanged changed, gpointer user_data,
                      int *error_out)
{
  OmLogindMonitor *lm = g_new0(OmLogindMonitor, 1);
  int r;

  lm->bus = sd_bus_ref(bus);
  lm->lock_fd = -1;
  lm->changed = changed;
  lm->user_data = user_data;
  r = sd_bus_match_signal_async(bus, &lm->sleep_match, LOGIND_NAME, LOGIND_PATH, LOGIND_IFACE,
                                "PrepareForSleep", on_prepare_for_sleep, NULL, lm);
  if (r >= 0)
    lm->watch = om_bus_name_watch_new(bus, LOGIND_NAME, on_owner_changed, lm, &r);
  if (r < 0) {
    om_logind_monitor_free(lm);
    *error_out = r;
    return NULL;
  }
  return lm;
}

void
om_logind_monitor_free(OmLogindMonitor *lm)
{
  if (lm == NULL)
    return;
  om_bus_name_watch_free(lm->watch);
  forget_owner(lm);
  sd_bus_slot_unref(lm->sleep_match);
  sd_bus_unref(lm->bus);
  g_free(lm);
}

gboolean
om_logind_monitor_get_suspended(OmLogindMonitor *lm)
{
  return lm->suspended;
}

void
om_logind_monitor_allow_sleep(OmLogindMonitor *lm)
{
  if (!lm->suspended)
    return;
  lm->sleep_allowed = TRUE;
  release_lock(lm);
}
