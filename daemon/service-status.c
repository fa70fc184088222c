#include "service-status.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

struct OmServiceStatus {
  char *accounts_dir;
  char *state_dir;
  OmServiceSummarize summarize;
  gpointer user_data;

  gboolean ready;
  char *status;        /* the last STATUS= sent */
  char *save_problem;  /* why changes cannot be saved; NULL: they can */
  guint idle_id;       /* a STATUS= is scheduled */
  guint watchdog_id;
};

/* Computes the one-line summary and sends it as STATUS= if it changed. */
static void
send_status(OmServiceStatus *s)
{
  OmServiceSummary sum = { 0 };
  GString *status = g_string_new(NULL);

  s->summarize(&sum, s->user_data);
  g_string_printf(status, "%u account%s, %u online", sum.n_accounts,
                  sum.n_accounts == 1 ? "" : "s", sum.n_online);
  if (sum.global_state != OM_STATE_ONLINE)
    g_string_append_printf(status, "; offline: %s", om_reason_to_string(sum.global_reason));
  if (s->save_problem != NULL)
    g_string_append_printf(status, "; cannot save: %s", s->save_problem);
  if (g_strcmp0(status->str, s->status) == 0) {
    g_string_free(status, TRUE);
    return;
  }
  g_free(s->status);
  s->status = g_string_free(status, FALSE);
  sd_notifyf(0, "STATUS=%s", s->status);
}

static gboolean
on_idle(gpointer user_data)
{
  OmServiceStatus *s = user_data;

  s->idle_id = 0;
  send_status(s);
  return G_SOURCE_REMOVE;
}

void
om_service_status_changed(OmServiceStatus *s)
{
  if (s->ready && s->idle_id == 0)
    s->idle_id = g_idle_add_full(G_PRIORITY_LOW, on_idle, s, NULL);
}

const char *
om_service_status_ready(OmServiceStatus *s)
{
  s->ready = TRUE;
  send_status(s);
  sd_notify(0, "READY=1");
  return s->status;
}

void
om_service_status_stopping(OmServiceStatus *s)
{
  sd_notify(0, "STOPPING=1");
}

/* Why files cannot be written in @dir, or NULL: it must be a writable directory, or be
 * missing with a writable directory as its nearest existing ancestor (the write creates
 * it; nothing is created here). */
static char *
cannot_write_in(const char *dir)
{
  g_autofree char *path = g_strdup(dir);
  struct stat st;

  while (lstat(path, &st) < 0) {
    char *parent;

    if (errno != ENOENT)
      return g_strdup_printf("%s: %s", path, g_strerror(errno));
    parent = g_path_get_dirname(path);
    if (g_str_equal(parent, path)) {
      g_free(parent);
      return g_strdup_printf("%s: %s", path, g_strerror(ENOENT));
    }
    g_free(path);
    path = parent;
  }
  if (!S_ISDIR(st.st_mode) && stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
    return g_strdup_printf("%s: %s", path, g_strerror(ENOTDIR));
  if (access(path, W_OK | X_OK) < 0)
    return g_strdup_printf("%s: %s", path, g_strerror(errno));
  return NULL;
}

void
om_service_status_check_saving(OmServiceStatus *s)
{
  g_autofree char *problem = cannot_write_in(s->accounts_dir);

  if (problem == NULL)
    problem = cannot_write_in(s->state_dir);
  if (g_strcmp0(problem, s->save_problem) == 0)
    return;
  if (problem != NULL)
    g_warning("Changes cannot be saved: %s", problem);
  else
    g_message("Changes can be saved again");
  g_free(s->save_problem);
  s->save_problem = g_steal_pointer(&problem);
  om_service_status_changed(s);
}

gboolean
om_service_status_saved(OmServiceStatus *s, gboolean ok)
{
  if (!ok || s->save_problem != NULL)
    om_service_status_check_saving(s);
  return ok;
}

static gboolean
on_watchdog(gpointer user_data)
{
  sd_notify(0, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

OmServiceStatus *
om_service_status_new(const char *accounts_dir, const char *state_dir,
                      OmServiceSummarize summarize, gpointer user_data)
{
  OmServiceStatus *s = g_new0(OmServiceStatus, 1);
  uint64_t watchdog_usec;

  s->accounts_dir = g_strdup(accounts_dir);
  s->state_dir = g_strdup(state_dir);
  s->summarize = summarize;
  s->user_data = user_data;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0)
    s->watchdog_id = g_timeout_add(MAX(watchdog_usec / 2000, 1), on_watchdog, s);
  return s;
}

void
om_service_status_free(OmServiceStatus *s)
{
  if (s == NULL)
    return;
  g_clear_handle_id(&s->idle_id, g_source_remove);
  g_clear_handle_id(&s->watchdog_id, g_source_remove);
  g_free(s->accounts_dir);
  g_free(s->state_dir);
  g_free(s->status);
  g_free(s->save_problem);
  g_free(s);
}
