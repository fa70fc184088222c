/* One offline object — the global object or an account — and its transitions.
 *
 * An object's effective state follows the policy, with the MAPI transition contract:
 * each change is StateChanged START, the State property, STATECHANGE, DONE. Network
 * changes are debounced per object (OFFLINE after a grace period that a recovery
 * cancels; ONLINE after a quiet period that every change restarts); user requests,
 * settings changes, suspend and resume act at once. An account with CheckReachability
 * goes ONLINE only through a TCP probe: START when the probe begins (Transitioning is
 * true), then STATECHANGE and DONE on success, or DONE(old, old) with reason
 * "unreachable" on failure.
 *
 * The object talks to the rest of the daemon only through OmObjectContext, so that it
 * can be tested without a bus. */
#pragma once

#include <glib.h>

#include "account-settings.h"
#include "daemon-config.h"
#include "policy.h"
#include "probe.h"

typedef enum {
  OM_NOTIFY_START = 1,
  OM_NOTIFY_STATECHANGE = 2,
  OM_NOTIFY_DONE = 3,
} OmNotifyType;

#define OM_STATE_MASK 0x3u
#define OM_FLAG_BLOCK 0x2000u
#define OM_CAPABILITIES 0x3u  /* MAPIOFFLINE_CAPABILITY_OFFLINE | _ONLINE */

/* Properties of org.offlinemgr.OfflineMgr1.Offline (and Account) that changed. */
typedef enum {
  OM_PROP_STATE = 1 << 0,
  OM_PROP_REQUESTED_STATE = 1 << 1,
  OM_PROP_REASON = 1 << 2,
  OM_PROP_TRANSITIONING = 1 << 3,
  OM_PROP_DISPLAY_NAME = 1 << 4,
  OM_PROP_SETTINGS = 1 << 5,
} OmObjectProps;

/* Why an object is being re-evaluated. */
typedef enum {
  OM_CAUSE_NETWORK,  /* the network changed: debounced; reachability is probed again */
  OM_CAUSE_USER,     /* a request or a settings change: at once; probed again */
  OM_CAUSE_SUSPEND,  /* going to sleep: at once */
  OM_CAUSE_RESUME,   /* woke up: at once; probed again */
} OmCause;

typedef struct OmObject OmObject;

typedef struct {
  /* Inputs, owned by the caller and outliving every object. */
  const OmNetworkSnapshot *net;
  const OmDaemonConfig *config;
  const OmState *global_requested;

  /* Outputs. emit_properties is called before the phase that makes the change visible
   * (STATECHANGE, or DONE of an abandoned transition). transition_done is called after
   * every DONE. */
  void (*emit_phase)(OmObject *object, OmNotifyType type, OmState old_state,
                     OmState new_state, gpointer user_data);
  void (*emit_properties)(OmObject *object, OmObjectProps changed, gpointer user_data);
  void (*transition_done)(OmObject *object, gpointer user_data);
  gpointer user_data;
} OmObjectContext;

/* New objects take their state directly from the policy: no transitions, no debounce,
 * and so does every update until om_object_start(). An account with CheckReachability
 * starts OFFLINE ("unreachable", not confirmed yet). */
OmObject *om_object_new_global(const OmObjectContext *context, const char *path,
                               OmState requested);
OmObject *om_object_new_account(const OmObjectContext *context, const char *path,
                                const char *id, const OmAccountSettings *settings,
                                OmState requested);
/* Cancels timers and probes; emits nothing. */
void om_object_free(OmObject *object);

/* The object is visible on the bus: from now on changes are transitions, and an account
 * with CheckReachability that the network allows is probed (START, then STATECHANGE and
 * DONE, or DONE(OFFLINE, OFFLINE)). Only the first call counts. */
void om_object_start(OmObject *object);

/* Re-evaluates the object after something it depends on changed. */
void om_object_update(OmObject *object, OmCause cause);

/* The caller has persisted @requested; applies it at once. */
void om_object_set_requested(OmObject *object, OmState requested);

/* The caller has persisted @settings; applies them at once. Accounts only. */
void om_object_set_settings(OmObject *object, const OmAccountSettings *settings);

const char *om_object_get_path(const OmObject *object);
const char *om_object_get_id(const OmObject *object);  /* NULL for the global object */
gboolean om_object_is_global(const OmObject *object);
OmState om_object_get_state(const OmObject *object);
OmState om_object_get_requested(const OmObject *object);
OmReason om_object_get_reason(const OmObject *object);
gboolean om_object_get_transitioning(const OmObject *object);
const OmAccountSettings *om_object_get_settings(const OmObject *object);
const char *om_object_get_display_name(const OmObject *object);
