/* offlinemgrctl wait ID|--global [--online|--offline] [--timeout SECONDS]: returns as soon
 * as the object is in the state, for scripts and ExecCondition=. It never polls the
 * daemon: it sleeps in poll() on the client's fd, and the library's notifications (which
 * also cover a daemon restart) wake it. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

/* Calls to the daemon (open, the reads) wait at most this long, or --timeout when it is
 * shorter, but at least WAIT_MIN_CALL_MS: D-Bus activation takes a moment. */
#define WAIT_CALL_MS 25000
#define WAIT_MIN_CALL_MS 1000

typedef struct {
  uint32_t want;
  bool reached;        /* a DONE into @want was reported */
  bool in_transition;  /* a START was reported and its DONE not yet */
} Waiter;

static void
on_state_changed(OmOffline *offline, uint32_t client_token, const OmStateChange *change,
                 void *user_data)
{
  Waiter *w = user_data;

  switch (change->notify_type) {
  case OM_NOTIFY_START:
    w->in_transition = true;
    break;
  case OM_NOTIFY_DONE:
    w->in_transition = false;
    if (change->new_state == w->want)
      w->reached = true;
    break;
  default:
    break;
  }
}

/* SECONDS: a non-negative decimal number; -1 when malformed. */
static double
parse_seconds(const char *text)
{
  char *end;
  double value;

  errno = 0;
  value = strtod(text, &end);
  /* NaN fails every comparison, infinity the upper bound. */
  if (errno != 0 || end == text || *end != '\0' || !(value >= 0 && value <= 1e9))
    return -1;
  return value;
}

static int64_t
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ctl_wait(const CtlOptions *options, int n_args, char **args)
{
  OmError error = OM_ERROR_INIT;
  const char *id = options->global ? NULL : (n_args > 0 ? args[0] : NULL);
  const char *name = id ? id : "global";
  Waiter waiter = { .want = options->wait_state ? options->wait_state : OM_STATE_ONLINE };
  double seconds = -1;
  int64_t deadline = -1;
  OmOfflineInfo info = { 0 };
  OmClient *client;
  OmOffline *offline = NULL;
  uint32_t token;
  bool unsure;
  int status = CTL_EXIT_OK;

  if (options->global ? n_args != 0 : n_args != 1)
    return ctl_usage_error("usage: wait ID|--global [--online|--offline] [--timeout SECONDS]");
  if (options->timeout != NULL && (seconds = parse_seconds(options->timeout)) < 0)
    return ctl_usage_error("'%s' is not a number of seconds", options->timeout);

  if ((client = ctl_connect(&status)) == NULL)
    return status;
  if (seconds >= 0) {
    int64_t ms = (int64_t)(seconds * 1000 + 0.999);

    deadline = now_ms() + ms;
    om_client_set_timeout(client, (int)(ms < WAIT_MIN_CALL_MS ? WAIT_MIN_CALL_MS :
                                        ms > WAIT_CALL_MS ? WAIT_CALL_MS : ms));
  }
  offline = om_offline_open(client, id, &error);
  if (offline == NULL) {
    status = ctl_error(&error, NULL);
    goto out;
  }
  /* Registered before the state is read, so that no transition after the read is
   * missed. */
  if (om_offline_advise(offline, 0, OM_STATE_ALL, on_state_changed, &waiter, NULL, &token,
                        &error) < 0 ||
      om_offline_get_info(offline, &info, &error) < 0) {
    status = ctl_error(&error, name);
    goto out;
  }
  /* The signals that came before the read's reply. */
  if (om_client_dispatch(client) < 0)
    goto lost;
  if (info.state == waiter.want || waiter.reached)
    goto out;
  /* A transition under way whose START came before the registration is not reported:
   * its end is learnt by reading the state again when something arrives for us (its
   * STATECHANGE or DONE signal wakes the fd even though no callback runs). */
  unsure = info.transitioning && !waiter.in_transition;
  fprintf(stderr, "offlinemgrctl: waiting for %s to be %s (now %s%s%s)\n", name,
          ctl_state_name(waiter.want), ctl_state_name(info.state),
          info.reason && *info.reason ? ": " : "", info.reason ? info.reason : "");

  for (;;) {
    struct pollfd fd = { .fd = om_client_get_fd(client), .events = POLLIN };
    int64_t left = deadline < 0 ? -1 : deadline - now_ms();
    int r;

    if (deadline >= 0 && left <= 0) {
      fprintf(stderr, "offlinemgrctl: %s is not %s after %g s\n", name,
              ctl_state_name(waiter.want), seconds);
      status = CTL_EXIT_TIMEOUT;
      goto out;
    }
    r = poll(&fd, 1, left < 0 ? -1 : left > 60000 ? 60000 : (int)left);
    if (r < 0 && errno != EINTR) {
      fprintf(stderr, "offlinemgrctl: poll: %s\n", strerror(errno));
      status = CTL_EXIT_FAILURE;
      goto out;
    }
    if (r <= 0)
      continue;
    if (om_client_dispatch(client) < 0)
      goto lost;
    if (waiter.reached)
      goto out;
    if (unsure) {
      om_offline_info_clear(&info);
      /* A failed read (the daemon restarting) leaves it unsure; the new owner's name
       * wakes us again. */
      if (om_offline_get_info(offline, &info, &error) == 0) {
        if (info.state == waiter.want)
          goto out;
        unsure = info.transitioning && !waiter.in_transition;
      }
    }
  }

lost:
  fprintf(stderr, "offlinemgrctl: lost the connection to the session bus\n");
  status = CTL_EXIT_UNREACHABLE;
out:
  om_offline_info_clear(&info);
  om_offline_close(offline);
  om_client_unref(client);
  return status;
}
