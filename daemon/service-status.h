/* What the service manager is told: READY=1 once the name is ours, a one-line STATUS=
 * (accounts, how many are online, why the global object is offline, whether changes can
 * be saved), WATCHDOG=1 and STOPPING=1. docs/design.md, "Start-up and the service". */
#pragma once

#include <glib.h>

#include "policy.h"

typedef struct OmServiceStatus OmServiceStatus;

typedef struct {
  guint n_accounts;
  guint n_online;
  OmState global_state;
  OmReason global_reason;
} OmServiceSummary;

/* Fills @summary from the engine's state; called when STATUS= is about to be sent. */
typedef void (*OmServiceSummarize)(OmServiceSummary *summary, gpointer user_data);

/* Changes are saved in @accounts_dir and @state_dir. Starts the watchdog pings when the
 * service manager asks for them. */
OmServiceStatus *om_service_status_new(const char *accounts_dir, const char *state_dir,
                                       OmServiceSummarize summarize, gpointer user_data);
void om_service_status_free(OmServiceStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmServiceStatus, om_service_status_free)

/* Checks whether changes can be saved, and says so in the log and STATUS= when that
 * changed. At start, and by om_service_status_saved(). */
void om_service_status_check_saving(OmServiceStatus *status);

/* After an attempt to save: checks again when it failed or when a problem was known, so
 * that the log and STATUS= stop saying it once saving works. Returns @ok. */
gboolean om_service_status_saved(OmServiceStatus *status, gboolean ok);

/* The summary may have changed: one STATUS= after the current batch of changes (one
 * network event may change thousands of accounts, and each sd_notify() is a datagram
 * that blocks while the service manager's queue is full). Nothing before ready. */
void om_service_status_changed(OmServiceStatus *status);

/* The name is ours: sends STATUS= and READY=1. Returns the status line, for the log. */
const char *om_service_status_ready(OmServiceStatus *status);

/* Sends STOPPING=1. */
void om_service_status_stopping(OmServiceStatus *status);
