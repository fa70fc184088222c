/* offlinemgrctl monitor [ID...]: one line per notification phase, until SIGINT or
 * SIGTERM. Each line is flushed at once: the output is read through pipes. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ctl.h"

typedef struct {
  const CtlOptions *options;
  OmOffline **objects;
  size_t n_objects;
} Monitor;

static const char *
phase_name(uint32_t notify_type)
{
  switch (notify_type) {
  case OM_NOTIFY_START: return "START";
  case OM_NOTIFY_STATECHANGE: return "STATECHANGE";
  case OM_NOTIFY_DONE: return "DONE";
  default: return "UNKNOWN";
  }
}

static void
on_state_changed(OmOffline *offline, uint32_t client_token, const OmStateChange *change,
                 void *user_data)
{
  const Monitor *monitor = user_data;
  const OutputMode *mode = &monitor->options->mode;
  const char *id = om_offline_get_id(offline);
  const char *old_name = ctl_state_name(change->old_state);
  const char *new_name = ctl_state_name(change->new_state);
  char time[48];

  output_timestamp(time, sizeof(time));
  if (monitor->options->json) {
    JsonWriter json;

    json_writer_init(&json, stdout, false);
    json_begin_object(&json, NULL);
    json_string(&json, "time", time);
    json_string(&json, "id", id);
    json_string(&json, "phase", phase_name(change->notify_type));
    json_string(&json, "old", ctl_mode_name(change->old_state));
    json_string(&json, "new", ctl_mode_name(change->new_state));
    json_end_object(&json);
    json_finish(&json);
  } else {
    printf("%s %s %s %s%s%s -> %s%s%s\n", time, id ? id : "global",
           phase_name(change->notify_type),
           output_colour_start(mode, old_name), old_name, output_colour_end(mode, old_name),
           output_colour_start(mode, new_name), new_name, output_colour_end(mode, new_name));
  }
  fflush(stdout);
}

/* Starts watching @id (NULL: the global object). With @missing_ok an account that no
 * longer exists is skipped. */
static int
watch(Monitor *monitor, OmClient *client, const char *id, bool missing_ok)
{
  OmError error = OM_ERROR_INIT;
  OmOffline *offline = om_offline_open(client, id, &error);
  uint32_t token;

  if (offline == NULL && missing_ok && error.code == OM_E_NOT_FOUND)
    return CTL_EXIT_OK;
  if (offline == NULL)
    return ctl_error(&error, NULL);
  if (om_offline_advise(offline, (uint32_t)monitor->n_objects, OM_STATE_ALL, on_state_changed,
                        monitor, NULL, &token, &error) < 0) {
    om_offline_close(offline);
    return ctl_error(&error, id ? id : "global");
  }
  monitor->objects[monitor->n_objects++] = offline;
  return CTL_EXIT_OK;
}

/* Dispatches the client's notifications until SIGINT or SIGTERM (status 0) or the loss
 * of the bus. */
static int
run(OmClient *client, int signal_fd)
{
  struct pollfd fds[2] = {
    { .fd = om_client_get_fd(client), .events = POLLIN },
    { .fd = signal_fd, .events = POLLIN },
  };

  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      fprintf(stderr, "offlinemgrctl: poll: %s\n", strerror(errno));
      return CTL_EXIT_FAILURE;
    }
    if (fds[1].revents & POLLIN)
      return CTL_EXIT_OK;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR) && om_client_dispatch(client) < 0) {
      fprintf(stderr, "offlinemgrctl: lost the connection to the session bus\n");
      return CTL_EXIT_UNREACHABLE;
    }
  }
}

int
ctl_monitor(const CtlOptions *options, int n_args, char **args)
{
  OmError error = OM_ERROR_INIT;
  Monitor monitor = { .options = options };
  OmAccountInfo *accounts = NULL;
  size_t n_accounts = 0;
  OmClient *client;
  sigset_t signals;
  int signal_fd, status = CTL_EXIT_OK;

  /* The signals are taken before anything is watched, so that none is lost. */
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &signals, NULL) < 0 ||
      (signal_fd = signalfd(-1, &signals, SFD_CLOEXEC)) < 0) {
    fprintf(stderr, "offlinemgrctl: cannot handle signals: %s\n", strerror(errno));
    return CTL_EXIT_FAILURE;
  }
  if ((client = ctl_connect(&status)) == NULL) {
    close(signal_fd);
    return status;
  }

  if (n_args == 0 && om_client_list_accounts(client, &accounts, &n_accounts, &error) < 0) {
    status = ctl_error(&error, "cannot list the accounts");
    goto out;
  }
  monitor.objects = calloc((size_t)n_args + n_accounts + 1, sizeof(OmOffline *));
  if (monitor.objects == NULL)
    abort();
  if (n_args == 0) {
    status = watch(&monitor, client, NULL, false);
    /* An account removed since the list was read is not an error. */
    for (size_t i = 0; i < n_accounts && status == CTL_EXIT_OK; i++)
      status = watch(&monitor, client, accounts[i].id, true);
  } else {
    for (int i = 0; i < n_args && status == CTL_EXIT_OK; i++)
      status = watch(&monitor, client, args[i], false);
  }
  if (status == CTL_EXIT_OK) {
    /* Every registration is in place: say so, as tcpdump does, so that a script can
     * wait for this line before it makes something change. */
    if (n_args == 0)
      fprintf(stderr, "offlinemgrctl: watching the global object and %zu account%s\n",
              monitor.n_objects - 1, monitor.n_objects == 2 ? "" : "s");
    else
      fprintf(stderr, "offlinemgrctl: watching %d account%s\n", n_args, n_args == 1 ? "" : "s");
    status = run(client, signal_fd);
  }

out:
  for (size_t i = 0; i < monitor.n_objects; i++)
    om_offline_close(monitor.objects[i]);
  free(monitor.objects);
  om_account_info_list_free(accounts, n_accounts);
  om_client_unref(client);
  close(signal_fd);
  return status;
}
