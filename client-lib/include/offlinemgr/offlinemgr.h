/* libofflinemgr: the native C API of offlinemgr's client library.
 *
 * offlinemgrd keeps, for the user as a whole (the global object) and for every mail
 * account, an effective state, ONLINE or OFFLINE, with a reason, on the session bus as
 * org.offlinemgr.OfflineMgr1. This library talks to it over libdbus-1 and needs no GLib
 * (<offlinemgr/offlinemgr-glib.h> is a separate, optional adapter).
 *
 * Conventions, for every function below:
 *  - Functions that can fail return an int: 0 (or a documented non-negative value) on
 *    success, a negative OmErrorCode on failure. They never crash on bad arguments (NULL
 *    pointers, malformed ids): those are OM_E_INVALID_ARGS.
 *  - The last parameter `OmError *error` may be NULL. When it is not, it is filled on
 *    failure with the code, the D-Bus error name (if the error came from the bus) and a
 *    message to show the user (the daemon's, or the library's); it is caller-owned
 *    storage, so nothing needs freeing and it is safe to use from any thread. On success
 *    it is left untouched.
 *  - Ownership is stated on every function. "Borrowed" means valid until the stated end
 *    and not to be freed; "owned by the caller" means free it with the named function.
 *  - Out parameters are written only on success, except where stated.
 *  - Thread safety: every function may be called from any thread. Callbacks of a client
 *    run only inside om_client_dispatch() (or the GLib adapter's source, which calls it),
 *    in the thread that calls it.
 *
 * Blocking calls wait for the daemon's answer at most the client's timeout (see
 * om_client_set_timeout()). When the daemon is not running, a call to it starts it if
 * the bus can (D-Bus activation); otherwise it fails at once with OM_E_NO_DAEMON.
 */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define OM_PUBLIC __attribute__((visibility("default")))
#else
#define OM_PUBLIC
#endif

/* ---- Values (the MAPI constants; <offlinemgr/mapioffline.h> has their MAPI names) ---- */

#define OM_STATE_OFFLINE 1u          /* MAPIOFFLINE_STATE_OFFLINE */
#define OM_STATE_ONLINE 2u           /* MAPIOFFLINE_STATE_ONLINE */
#define OM_STATE_MASK 0x3u           /* MAPIOFFLINE_STATE_OFFLINE_MASK */
#define OM_STATE_ALL 0x003f037fu     /* MAPIOFFLINE_STATE_ALL: the advise mask to use */
#define OM_CAPABILITY_OFFLINE 0x1u   /* MAPIOFFLINE_CAPABILITY_OFFLINE */
#define OM_CAPABILITY_ONLINE 0x2u    /* MAPIOFFLINE_CAPABILITY_ONLINE */
#define OM_FLAG_BLOCK 0x2000u        /* MAPIOFFLINE_FLAG_BLOCK */

/* The phases of one transition, in the order they are reported. */
typedef enum {
  OM_NOTIFY_START = 1,        /* about to change (MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START) */
  OM_NOTIFY_STATECHANGE = 2,  /* the state has changed (..._STATECHANGE) */
  OM_NOTIFY_DONE = 3,         /* finished (..._STATECHANGE_DONE) */
} OmNotifyType;

/* ---- Errors ---- */

/* Error codes: negative errno values, so strerror(-code) says something sensible, but
 * each has one documented meaning here; om_error_code_to_string() gives a short text. */
typedef enum {
  OM_E_INVALID_ARGS = -EINVAL,    /* a bad argument (the library's check, or the daemon's
                                     org.offlinemgr.OfflineMgr1.Error.InvalidArgs) */
  OM_E_NOT_FOUND = -ENOENT,       /* no such account (Error.NotFound), or the object is gone */
  OM_E_NO_DAEMON = -ECONNREFUSED, /* offlinemgrd is not running and cannot be started */
  OM_E_TIMEOUT = -ETIMEDOUT,      /* offlinemgrd did not answer within the timeout */
  OM_E_NO_BUS = -ENOTCONN,        /* no session bus, or the connection to it was lost */
  OM_E_PENDING = -EBUSY,          /* a transition of the object is under way (Error.Pending),
                                     or SetCurrentState with BLOCK from inside a callback */
  OM_E_ALREADY_EXISTS = -EEXIST,  /* the account exists (Error.AlreadyExists) */
  OM_E_LIMIT_EXCEEDED = -E2BIG,   /* too many accounts or settings (Error.LimitExceeded) */
  OM_E_ACCESS_DENIED = -EACCES,   /* the bus refused the call (org.freedesktop.DBus.Error.AccessDenied) */
  OM_E_NO_MEMORY = -ENOMEM,       /* out of memory */
  OM_E_FAILED = -EIO,             /* the daemon could not do it (Error.Failed), or any other
                                     bus error (its name is in OmError.name) */
} OmErrorCode;

#define OM_ERROR_NAME_MAX 128
#define OM_ERROR_MESSAGE_MAX 512

/* Filled by a failing call; caller-owned, never needs freeing. Initialise with
 * OM_ERROR_INIT (or zero it) if you want to test `code` after a call that succeeded. */
typedef struct {
  int code;                           /* an OmErrorCode; 0: no error */
  char name[OM_ERROR_NAME_MAX];       /* the D-Bus error name, or "" when the error is the
                                         library's own (truncated if longer) */
  char message[OM_ERROR_MESSAGE_MAX]; /* what went wrong, for people (truncated if longer) */
} OmError;

#define OM_ERROR_INIT { 0, "", "" }

/* A short, static English text for an OmErrorCode ("invalid arguments", "no such
 * account", ...); "unknown error" for other values. Never NULL; do not free. */
OM_PUBLIC const char *om_error_code_to_string(int code);

/* ---- The client: one private connection to the session bus ---- */

typedef struct OmClient OmClient;

/* Connects to the session bus (DBUS_SESSION_BUS_ADDRESS, or the bus libdbus finds for
 * the session) on a private connection of the library's own; does not contact the
 * daemon. Returns a new client owned by the caller (om_client_unref()), or NULL with
 * @error set (OM_E_NO_BUS, OM_E_NO_MEMORY). */
OM_PUBLIC OmClient *om_client_new(OmError *error);

/* The same on the bus at @address (a D-Bus address string; borrowed for the call). */
OM_PUBLIC OmClient *om_client_new_for_address(const char *address, OmError *error);

/* Reference counting. om_client_ref() returns @client with one more reference;
 * om_client_unref() drops one (NULL is ignored). Every OmOffline holds a reference to
 * its client, so the connection closes when the last reference and the last object are
 * gone. Do not drop the last reference from inside one of the client's callbacks. */
OM_PUBLIC OmClient *om_client_ref(OmClient *client);
OM_PUBLIC void om_client_unref(OmClient *client);

/* How long a blocking call waits for the daemon, in milliseconds (> 0); the default is
 * 25000, libdbus's. Returns 0, or OM_E_INVALID_ARGS. */
OM_PUBLIC int om_client_set_timeout(OmClient *client, int timeout_ms);

/* ---- Main-loop integration ----
 *
 * om_client_get_fd() returns a file descriptor that becomes readable (POLLIN) whenever
 * the client has work to do; poll it in your loop and call om_client_dispatch() when it
 * is readable. The fd is owned by the client: do not read, write or close it. It stays
 * the same for the client's lifetime. Level-triggered: it stays readable until
 * om_client_dispatch() has done the work.
 *
 * om_client_dispatch() never blocks on the bus: it reads what has arrived, sends what is
 * queued and runs the callbacks that are due, in the calling thread, with no lock of the
 * library held. It returns the number of callbacks it ran (>= 0), 0 when another thread
 * is dispatching this client at that moment or when called from inside one of its
 * callbacks, or OM_E_NO_BUS once the connection is lost. */
OM_PUBLIC int om_client_get_fd(OmClient *client);
OM_PUBLIC int om_client_dispatch(OmClient *client);

/* ---- The daemon ---- */

/* 1 when the daemon's name has an owner on the bus, 0 when not (nothing is activated),
 * or a negative OmErrorCode. */
OM_PUBLIC int om_client_daemon_is_running(OmClient *client, OmError *error);

/* The Manager's properties (one Properties.GetAll). */
typedef struct {
  char *version;              /* the daemon's version */
  char *network_backend;      /* "networkmanager", "netlink" or "none" */
  uint32_t network_state;     /* NetworkManager's NMState (70: connected-global) */
  uint32_t connectivity;      /* NMConnectivityState (4: full) */
  int metered;                /* 1 or 0 */
  char **active_connections;  /* NULL-terminated ids of activated NM connections; never NULL */
} OmManagerInfo;

/* Fills @info, whose strings are then owned by the caller: free them with
 * om_manager_info_clear(). On failure @info is zeroed. */
OM_PUBLIC int om_client_get_manager_info(OmClient *client, OmManagerInfo *info, OmError *error);

/* Frees what @info holds and zeroes it; NULL and zeroed structs are fine. */
OM_PUBLIC void om_manager_info_clear(OmManagerInfo *info);

/* One account as listed by om_client_list_accounts(). */
typedef struct {
  char *id;               /* the account id */
  char *path;             /* its object path */
  char *display_name;     /* DisplayName (the id unless set) */
  uint32_t state;         /* OM_STATE_ONLINE or OM_STATE_OFFLINE */
  uint32_t requested_state;
  char *reason;           /* "" when ONLINE; else why OFFLINE (e.g. "no-network") */
  int transitioning;      /* 1 while a transition spans time */
} OmAccountInfo;

/* Every account, sorted by id, from one ObjectManager.GetManagedObjects call. On
 * success *@accounts is an array of *@n_accounts entries owned by the caller: free it
 * with om_account_info_list_free(). With no accounts *@accounts may be NULL. */
OM_PUBLIC int om_client_list_accounts(OmClient *client, OmAccountInfo **accounts,
                                      size_t *n_accounts, OmError *error);

/* Frees an array from om_client_list_accounts() (NULL is fine). */
OM_PUBLIC void om_account_info_list_free(OmAccountInfo *accounts, size_t n_accounts);

/* Account settings are given as "Key=Value" strings, in a NULL-terminated array
 * (borrowed for the call). The library converts each value to the setting's D-Bus type:
 *   DisplayName, Host, MinConnectivity: strings, as given;
 *   Port: a decimal number (u);
 *   AllowMetered, CheckReachability: true/false (also yes/no, 1/0) (b);
 *   RequireConnections: a ';'-separated list, "\;" for a ';' inside an item, a trailing
 *   ';' ignored, as in the keyfile (as).
 * An unknown key, a string without '=', or a value that does not convert fails with
 * OM_E_INVALID_ARGS naming it, before anything is sent. */

/* AddAccount. @id: 1-64 characters of [A-Za-z0-9_.-] (borrowed). @settings may be NULL
 * (all defaults). Errors: OM_E_INVALID_ARGS, OM_E_ALREADY_EXISTS, OM_E_LIMIT_EXCEEDED,
 * OM_E_FAILED, and the bus errors. */
OM_PUBLIC int om_client_add_account(OmClient *client, const char *id,
                                    const char *const *settings, OmError *error);

/* UpdateAccount: merges @settings into the account's. Errors as for adding, with
 * OM_E_NOT_FOUND instead of OM_E_ALREADY_EXISTS. */
OM_PUBLIC int om_client_update_account(OmClient *client, const char *id,
                                       const char *const *settings, OmError *error);

/* RemoveAccount. Errors: OM_E_INVALID_ARGS, OM_E_NOT_FOUND, OM_E_FAILED, bus errors. */
OM_PUBLIC int om_client_remove_account(OmClient *client, const char *id, OmError *error);

/* Reload: the daemon re-reads its configuration and account files now. */
OM_PUBLIC int om_client_reload(OmClient *client, OmError *error);

/* ---- Offline objects ---- */

typedef struct OmOffline OmOffline;

/* Opens the global object (@account_id NULL or "") or an account's object, after asking
 * the daemon that it exists (which may activate the daemon). Returns a new handle owned
 * by the caller (om_offline_close()), holding a reference to @client; or NULL with
 * @error set: OM_E_NOT_FOUND for an unknown account, OM_E_INVALID_ARGS for a malformed
 * id, OM_E_NO_DAEMON, OM_E_TIMEOUT, OM_E_NO_BUS. Handles for the same object share its
 * state; each has its own registrations. */
OM_PUBLIC OmOffline *om_offline_open(OmClient *client, const char *account_id, OmError *error);

/* Removes the handle's remaining registrations (as om_offline_unadvise() does) and frees
 * it; NULL is ignored. Not from inside one of this handle's own callbacks. */
OM_PUBLIC void om_offline_close(OmOffline *offline);

/* The account id, or NULL for the global object. Borrowed: valid until close. */
OM_PUBLIC const char *om_offline_get_id(OmOffline *offline);

/* The object path. Borrowed: valid until close. */
OM_PUBLIC const char *om_offline_get_path(OmOffline *offline);

/* The client the handle belongs to. Borrowed (no reference is added). */
OM_PUBLIC OmClient *om_offline_get_client(OmOffline *offline);

/* GetCurrentState: *@state is OM_STATE_ONLINE or OM_STATE_OFFLINE. */
OM_PUBLIC int om_offline_get_state(OmOffline *offline, uint32_t *state, OmError *error);

/* GetCapabilities: *@capabilities is OM_CAPABILITY_OFFLINE | OM_CAPABILITY_ONLINE. */
OM_PUBLIC int om_offline_get_capabilities(OmOffline *offline, uint32_t *capabilities,
                                          OmError *error);

/* An object's properties at one moment. */
typedef struct {
  uint32_t state;            /* effective: OM_STATE_ONLINE or OM_STATE_OFFLINE */
  uint32_t requested_state;  /* what the user asked for */
  char *reason;              /* "" when ONLINE; else why OFFLINE */
  int transitioning;         /* 1 while a transition spans time */
  char *display_name;        /* accounts: DisplayName; the global object: NULL */
} OmOfflineInfo;

/* Reads every property of the object (the Offline interface, and for accounts the
 * DisplayName). @info's strings are then owned by the caller: om_offline_info_clear().
 * On failure @info is zeroed. */
OM_PUBLIC int om_offline_get_info(OmOffline *offline, OmOfflineInfo *info, OmError *error);
OM_PUBLIC void om_offline_info_clear(OmOfflineInfo *info);

/* One account setting, its value in keyfile syntax (the form the "Key=Value" strings of
 * om_client_add_account() take: lists ';'-separated, booleans true/false). */
typedef struct {
  char *key;      /* e.g. "Port" */
  char *value;    /* e.g. "993" */
  char type;      /* the D-Bus type: 's', 'u', 'b', or 'a' for a list of strings */
} OmSetting;

/* Every setting of an account, defaults included, in the daemon's order. On success
 * *@settings (an array of *@n_settings) is owned by the caller: om_settings_free().
 * The global object has no settings: OM_E_INVALID_ARGS. */
OM_PUBLIC int om_offline_get_settings(OmOffline *offline, OmSetting **settings,
                                      size_t *n_settings, OmError *error);
OM_PUBLIC void om_settings_free(OmSetting *settings, size_t n_settings);

/* The account's Origin: where it comes from, "file" (an account file or AddAccount),
 * "goa" (GNOME Online Accounts) or "eds" (evolution-data-server); a later daemon may
 * name other sources. On success *@origin is owned by the caller: free() it. The global
 * object has none: OM_E_INVALID_ARGS. Since LIBOFFLINEMGR_1. */
OM_PUBLIC int om_offline_get_origin(OmOffline *offline, char **origin, OmError *error);

/* SetCurrentState(flags, OM_STATE_MASK, state): asks for OM_STATE_ONLINE or
 * OM_STATE_OFFLINE. @flags: 0 or OM_FLAG_BLOCK.
 *  - Without BLOCK the daemon answers at once; *@effective_state (may be NULL) is the
 *    effective state at that moment.
 *  - With BLOCK the call returns after the transition has finished and after this
 *    client's callbacks for its DONE have returned; *@effective_state is the state after
 *    it. While it waits, if no other thread is dispatching this client, the call
 *    dispatches the client itself, so callbacks (of any object of the client) may run
 *    from inside it. Called from inside one of the client's callbacks, BLOCK returns
 *    OM_E_PENDING at once and sends nothing (it would wait on itself).
 * Errors: OM_E_INVALID_ARGS (other flags or states; nothing is sent), OM_E_PENDING (a
 * transition of the object is under way), OM_E_FAILED, and the bus errors. Asking for
 * ONLINE when the network forbids it succeeds: the request is kept and
 * *@effective_state says OFFLINE. */
OM_PUBLIC int om_offline_set_state(OmOffline *offline, uint32_t flags, uint32_t state,
                                   uint32_t *effective_state, OmError *error);

/* ---- Notifications ---- */

/* One phase of a transition of the object @offline, for the registration that asked for
 * @client_token. @change->mask is OM_STATE_MASK; old_state and new_state are 1 or 2 and
 * the same in all three phases of one transition. Borrowed for the call. */
typedef struct {
  uint32_t notify_type;   /* an OmNotifyType */
  uint32_t mask;          /* OM_STATE_MASK */
  uint32_t old_state;
  uint32_t new_state;
} OmStateChange;

typedef void (*OmStateCallback)(OmOffline *offline, uint32_t client_token,
                                const OmStateChange *change, void *user_data);
typedef void (*OmDestroyNotify)(void *user_data);

/* Registers @callback for the transitions of the object.
 *
 * Adds the registration, then (for the first registration of this object in the
 * client) one D-Bus match rule for the object's StateChanged signals, and reads the
 * object's State: the last known state. Only signals from the current owner of the
 * daemon's name are accepted.
 *
 * Each transition the registration sees in full is reported as START, STATECHANGE, DONE
 * (an abandoned one as START, DONE with old == new), one at a time, never overlapping,
 * from om_client_dispatch(). A transition under way when the registration was made is
 * not reported in part. Registrations survive a daemon restart: when the name gets a new
 * owner the library re-reads State, and a difference from the last known state is
 * reported as START, STATECHANGE, DONE (an object that is gone: as a transition to
 * OFFLINE).
 *
 * @client_token is passed back unchanged in every callback. @state_mask: the parts of
 * the state the caller cares about (use OM_STATE_ALL); callbacks come only when it
 * intersects OM_STATE_MASK. @user_data is passed to the callback; @destroy (may be
 * NULL) is called with it once, when the registration ends (see om_offline_unadvise()).
 * On success *@token is a non-zero token, unique among the client's live
 * registrations. Errors: OM_E_INVALID_ARGS (NULL callback or token), OM_E_NOT_FOUND, the
 * bus errors; then nothing is registered and @destroy is not called. */
OM_PUBLIC int om_offline_advise(OmOffline *offline, uint32_t client_token, uint32_t state_mask,
                                OmStateCallback callback, void *user_data,
                                OmDestroyNotify destroy, uint32_t *token, OmError *error);

/* Ends the registration @token of this handle. Its match rule goes with the object's
 * last registration in the client. After it returns no callback for the registration
 * starts; a callback running in another thread has returned. Called from inside that
 * registration's own callback, it returns at once and the destroy notify runs when the
 * callback returns; otherwise the destroy notify has run when it returns.
 * Returns 0, or OM_E_NOT_FOUND for 0 and unknown tokens (nothing happens then). */
OM_PUBLIC int om_offline_unadvise(OmOffline *offline, uint32_t token);

#ifdef __cplusplus
}
#endif
