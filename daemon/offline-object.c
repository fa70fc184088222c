#include "offline-object.h"

/* An unreachable account is probed again after this long, doubling up to the maximum,
 * besides after every network change. Nothing is scheduled while no account is
 * unreachable, so an idle daemon stays idle. */
#define RETRY_FIRST_S 30
#define RETRY_MAX_S 900

struct OmObject {
  const OmObjectContext *ctx;
  char *path;
  char *id;                  /* NULL: the global object */
  OmAccountSettings settings;

  OmState requested;
  OmState state;
  OmReason reason;
  gboolean transitioning;    /* between START and DONE of a probed transition */

  guint debounce_id;
  OmState debounce_target;

  OmProbe *probe;            /* in flight: for a transition, or verifying while ONLINE */
  OmProbeResult probe_result;
  guint retry_id;
  guint retry_s;

  gboolean started;          /* visible: changes are transitions */
};

static gboolean
needs_probe(const OmObject *obj)
{
  return obj->id != NULL && obj->settings.check_reachability;
}

static OmReason
evaluate(const OmObject *obj)
{
  const OmObjectContext *ctx = obj->ctx;

  if (obj->id == NULL)
    return om_policy_global(ctx->net, obj->requested);
  return om_policy_account(ctx->net, *ctx->global_requested, obj->requested, &obj->settings,
                           obj->probe_result);
}

static void
emit_phase(OmObject *obj, OmNotifyType type, OmState old_state, OmState new_state)
{
  obj->ctx->emit_phase(obj, type, old_state, new_state, obj->ctx->user_data);
}

static void
emit_properties(OmObject *obj, OmObjectProps changed)
{
  if (changed != 0)
    obj->ctx->emit_properties(obj, changed, obj->ctx->user_data);
}

static void
cancel_debounce(OmObject *obj)
{
  g_clear_handle_id(&obj->debounce_id, g_source_remove);
}

static void
cancel_retry(OmObject *obj)
{
  g_clear_handle_id(&obj->retry_id, g_source_remove);
}

static void
cancel_probe(OmObject *obj)
{
  g_clear_pointer(&obj->probe, om_probe_cancel);
}

/* A whole transition at once: START, State (and Reason), STATECHANGE, DONE. */
static void
transition(OmObject *obj, OmReason reason)
{
  OmState old_state = obj->state;
  OmState new_state = om_reason_to_state(reason);
  OmObjectProps changed = OM_PROP_STATE;

  g_assert(old_state != new_state);
  emit_phase(obj, OM_NOTIFY_START, old_state, new_state);
  obj->state = new_state;
  if (obj->reason != reason)
    changed |= OM_PROP_REASON;
  obj->reason = reason;
  emit_properties(obj, changed);
  emit_phase(obj, OM_NOTIFY_STATECHANGE, old_state, new_state);
  emit_phase(obj, OM_NOTIFY_DONE, old_state, new_state);
  obj->ctx->transition_done(obj, obj->ctx->user_data);
}

/* Ends a probed transition (OFFLINE → ONLINE) that started with START. */
static void
finish_probed_transition(OmObject *obj, OmReason reason)
{
  OmObjectProps changed = OM_PROP_TRANSITIONING;

  obj->transitioning = FALSE;
  if (reason == OM_REASON_NONE) {
    obj->state = OM_STATE_ONLINE;
    changed |= OM_PROP_STATE;
  }
  if (obj->reason != reason)
    changed |= OM_PROP_REASON;
  obj->reason = reason;
  emit_properties(obj, changed);
  if (obj->state == OM_STATE_ONLINE) {
    emit_phase(obj, OM_NOTIFY_STATECHANGE, OM_STATE_OFFLINE, OM_STATE_ONLINE);
    emit_phase(obj, OM_NOTIFY_DONE, OM_STATE_OFFLINE, OM_STATE_ONLINE);
  } else {
    /* Abandoned: no STATECHANGE, and DONE carries the unchanged state. */
    emit_phase(obj, OM_NOTIFY_DONE, OM_STATE_OFFLINE, OM_STATE_OFFLINE);
  }
  obj->ctx->transition_done(obj, obj->ctx->user_data);
}

static gboolean on_retry(gpointer user_data);

static void
schedule_retry(OmObject *obj)
{
  cancel_retry(obj);
  obj->retry_s = obj->retry_s == 0 ? RETRY_FIRST_S : MIN(obj->retry_s * 2, RETRY_MAX_S);
  obj->retry_id = g_timeout_add_seconds(obj->retry_s, on_retry, obj);
}

static void
on_probe_done(gboolean reachable, const char *detail, gpointer user_data)
{
  OmObject *obj = user_data;
  OmReason reason;

  obj->probe = NULL;
  obj->probe_result = reachable ? OM_PROBE_REACHABLE : OM_PROBE_UNREACHABLE;
  g_debug("Account %s: %s", obj->id, detail);
  if (reachable) {
    cancel_retry(obj);
    obj->retry_s = 0;
  } else {
    g_message("Account %s is unreachable: %s", obj->id, detail);
    schedule_retry(obj);
  }
  reason = evaluate(obj);
  if (obj->transitioning) {
    finish_probed_transition(obj, reason);
  } else if (om_reason_to_state(reason) != obj->state) {
    /* A verification of an ONLINE account failed: the fact is known, act at once. */
    transition(obj, reason);
  }
}

static void
start_probe(OmObject *obj)
{
  cancel_probe(obj);
  obj->probe = om_probe_start(obj->settings.host, (guint16)obj->settings.port,
                              obj->ctx->config->probe_timeout_ms, on_probe_done, obj);
}

/* OFFLINE → ONLINE: at once, or through a probe for accounts with CheckReachability. */
static void
go_online(OmObject *obj)
{
  if (!needs_probe(obj)) {
    transition(obj, OM_REASON_NONE);
    return;
  }
  emit_phase(obj, OM_NOTIFY_START, OM_STATE_OFFLINE, OM_STATE_ONLINE);
  obj->transitioning = TRUE;
  emit_properties(obj, OM_PROP_TRANSITIONING);
  start_probe(obj);
}

/* The probe of a transition under way is abandoned (the world changed under it). DONE
 * reports the new reason when the object must stay OFFLINE anyway, else the old one. */
static void
abandon_probed_transition(OmObject *obj)
{
  OmReason reason;

  cancel_probe(obj);
  obj->probe_result = OM_PROBE_UNKNOWN;
  reason = evaluate(obj);
  finish_probed_transition(obj, reason != OM_REASON_NONE ? reason : obj->reason);
}

static gboolean
on_debounce(gpointer user_data)
{
  OmObject *obj = user_data;
  OmReason reason = evaluate(obj);
  OmState target = om_reason_to_state(reason);

  obj->debounce_id = 0;
  if (target != obj->debounce_target)
    return G_SOURCE_REMOVE;
  if (target != obj->state) {
    if (target == OM_STATE_ONLINE)
      go_online(obj);
    else
      transition(obj, reason);
  } else if (target == OM_STATE_ONLINE && needs_probe(obj)) {
    /* The network settled while ONLINE: verify the server in the background. */
    start_probe(obj);
  }
  return G_SOURCE_REMOVE;
}

static void
start_debounce(OmObject *obj, OmState target, guint delay_ms)
{
  cancel_debounce(obj);
  obj->debounce_target = target;
  obj->debounce_id = g_timeout_add(delay_ms, on_debounce, obj);
}

static gboolean
on_retry(gpointer user_data)
{
  OmObject *obj = user_data;

  obj->retry_id = 0;
  om_object_update(obj, OM_CAUSE_USER);
  return G_SOURCE_REMOVE;
}

/* Before the object is visible its state follows the policy directly; an account that
 * must be probed waits OFFLINE until om_object_start(). */
static void
set_directly(OmObject *obj)
{
  OmReason reason = evaluate(obj);
  OmState state = om_reason_to_state(reason);
  OmObjectProps changed = 0;

  if (state == OM_STATE_ONLINE && needs_probe(obj)) {
    state = OM_STATE_OFFLINE;
    reason = OM_REASON_UNREACHABLE;
  }
  if (state != obj->state)
    changed |= OM_PROP_STATE;
  if (reason != obj->reason)
    changed |= OM_PROP_REASON;
  obj->state = state;
  obj->reason = reason;
  emit_properties(obj, changed);
}

void
om_object_update(OmObject *obj, OmCause cause)
{
  const OmDaemonConfig *config = obj->ctx->config;
  gboolean at_once = cause != OM_CAUSE_NETWORK;
  OmReason reason;
  OmState target;

  if (!obj->started) {
    set_directly(obj);
    return;
  }

  if (needs_probe(obj) && cause != OM_CAUSE_SUSPEND) {
    /* Anything that may have changed the path to the server makes the last result stale;
     * a probe in flight was measuring the old world. */
    if (obj->transitioning)
      abandon_probed_transition(obj);
    else
      cancel_probe(obj);
    obj->probe_result = OM_PROBE_UNKNOWN;
  }

  reason = evaluate(obj);
  target = om_reason_to_state(reason);

  if (obj->transitioning) {
    /* Only an OFFLINE target interrupts a probed transition (suspend, a request). */
    if (target == OM_STATE_OFFLINE) {
      cancel_probe(obj);
      finish_probed_transition(obj, reason);
    }
    return;
  }

  if (target == obj->state) {
    /* A flap ended, or only the reason changed. */
    cancel_debounce(obj);
    if (target == OM_STATE_OFFLINE && reason != obj->reason) {
      obj->reason = reason;
      emit_properties(obj, OM_PROP_REASON);
    }
    if (target == OM_STATE_ONLINE && needs_probe(obj) && cause != OM_CAUSE_SUSPEND) {
      if (at_once || config->online_delay_ms == 0)
        start_probe(obj);
      else
        start_debounce(obj, OM_STATE_ONLINE, config->online_delay_ms);
    }
    return;
  }

  if (target == OM_STATE_OFFLINE) {
    cancel_probe(obj);
    if (at_once || config->offline_delay_ms == 0) {
      cancel_debounce(obj);
      transition(obj, reason);
    } else if (obj->debounce_id == 0 || obj->debounce_target != OM_STATE_OFFLINE) {
      /* A grace period: further changes that stay OFFLINE do not extend it. */
      start_debounce(obj, OM_STATE_OFFLINE, config->offline_delay_ms);
    }
  } else {
    if (at_once || config->online_delay_ms == 0) {
      cancel_debounce(obj);
      go_online(obj);
    } else {
      /* A quiet period: every change starts it again. */
      start_debounce(obj, OM_STATE_ONLINE, config->online_delay_ms);
    }
  }
}

static OmObject *
object_new(const OmObjectContext *ctx, const char *path, const char *id,
           const OmAccountSettings *settings, OmState requested)
{
  OmObject *obj = g_new0(OmObject, 1);

  obj->ctx = ctx;
  obj->path = g_strdup(path);
  obj->id = g_strdup(id);
  if (settings != NULL)
    om_account_settings_copy(&obj->settings, settings);
  else
    om_account_settings_init(&obj->settings);
  obj->requested = requested;
  obj->reason = evaluate(obj);
  obj->state = om_reason_to_state(obj->reason);
  if (obj->state == OM_STATE_ONLINE && needs_probe(obj)) {
    /* Not confirmed yet: OFFLINE until a probe takes the account ONLINE. */
    obj->state = OM_STATE_OFFLINE;
    obj->reason = OM_REASON_UNREACHABLE;
  }
  return obj;
}

void
om_object_start(OmObject *obj)
{
  if (obj->started)
    return;
  obj->started = TRUE;
  if (needs_probe(obj))
    om_object_update(obj, OM_CAUSE_USER);
}

OmObject *
om_object_new_global(const OmObjectContext *ctx, const char *path, OmState requested)
{
  return object_new(ctx, path, NULL, NULL, requested);
}

OmObject *
om_object_new_account(const OmObjectContext *ctx, const char *path, const char *id,
                      const OmAccountSettings *settings, OmState requested)
{
  return object_new(ctx, path, id, settings, requested);
}

void
om_object_free(OmObject *obj)
{
  if (obj == NULL)
    return;
  cancel_debounce(obj);
  cancel_retry(obj);
  cancel_probe(obj);
  om_account_settings_clear(&obj->settings);
  g_free(obj->path);
  g_free(obj->id);
  g_free(obj);
}

void
om_object_set_requested(OmObject *obj, OmState requested)
{
  if (obj->requested == requested)
    return;
  obj->requested = requested;
  emit_properties(obj, OM_PROP_REQUESTED_STATE);
  om_object_update(obj, OM_CAUSE_USER);
}

void
om_object_set_settings(OmObject *obj, const OmAccountSettings *settings)
{
  OmObjectProps changed = OM_PROP_SETTINGS;

  g_return_if_fail(obj->id != NULL);
  if (om_account_settings_equal(&obj->settings, settings))
    return;
  if (g_strcmp0(obj->settings.display_name, settings->display_name) != 0)
    changed |= OM_PROP_DISPLAY_NAME;
  om_account_settings_clear(&obj->settings);
  om_account_settings_copy(&obj->settings, settings);
  if (!needs_probe(obj)) {
    cancel_retry(obj);
    obj->retry_s = 0;
  }
  emit_properties(obj, changed);
  om_object_update(obj, OM_CAUSE_USER);
}

const char *
om_object_get_path(const OmObject *obj)
{
  return obj->path;
}

const char *
om_object_get_id(const OmObject *obj)
{
  return obj->id;
}

gboolean
om_object_is_global(const OmObject *obj)
{
  return obj->id == NULL;
}

OmState
om_object_get_state(const OmObject *obj)
{
  return obj->state;
}

OmState
om_object_get_requested(const OmObject *obj)
{
  return obj->requested;
}

OmReason
om_object_get_reason(const OmObject *obj)
{
  return obj->reason;
}

gboolean
om_object_get_transitioning(const OmObject *obj)
{
  return obj->transitioning;
}

const OmAccountSettings *
om_object_get_settings(const OmObject *obj)
{
  return &obj->settings;
}

const char *
om_object_get_display_name(const OmObject *obj)
{
  return obj->settings.display_name != NULL ? obj->settings.display_name : obj->id;
}
