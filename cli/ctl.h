/* offlinemgrctl: what the commands share — options, exit statuses, error reporting and
 * the way one object is printed. */
#pragma once

#include <stdbool.h>

#include <offlinemgr/offlinemgr.h>

#include "json-writer.h"
#include "terminal-output.h"

/* Exit statuses (documented in offlinemgrctl(1) and --help). */
enum {
  CTL_EXIT_OK = 0,
  CTL_EXIT_FAILURE = 1,      /* the daemon refused or failed */
  CTL_EXIT_USAGE = 2,        /* invalid arguments, ours or the daemon's InvalidArgs */
  CTL_EXIT_NOT_FOUND = 3,    /* no such account */
  CTL_EXIT_UNREACHABLE = 4,  /* no session bus, daemon not running and not activatable,
                                or no answer in time */
  CTL_EXIT_PENDING = 5,      /* a transition of the object is under way */
  CTL_EXIT_TIMEOUT = 6,      /* wait: the object was not in the state in time */
};

typedef struct {
  OutputMode mode;
  bool json;
  bool no_block;   /* set: without MAPIOFFLINE_FLAG_BLOCK */
  bool global;     /* set, wait: the global object */
  uint32_t wait_state;  /* wait: OM_STATE_ONLINE or OM_STATE_OFFLINE; 0: not given */
  const char *timeout;  /* wait: --timeout's value, or NULL */
} CtlOptions;

/* A command: @args are the words after the command's name. Returns an exit status. */
typedef int (*CtlCommand)(const CtlOptions *options, int n_args, char **args);

int ctl_list(const CtlOptions *options, int n_args, char **args);
int ctl_status(const CtlOptions *options, int n_args, char **args);
int ctl_set(const CtlOptions *options, int n_args, char **args);
int ctl_monitor(const CtlOptions *options, int n_args, char **args);
int ctl_add(const CtlOptions *options, int n_args, char **args);
int ctl_update(const CtlOptions *options, int n_args, char **args);
int ctl_remove(const CtlOptions *options, int n_args, char **args);
int ctl_reload(const CtlOptions *options, int n_args, char **args);
int ctl_wait(const CtlOptions *options, int n_args, char **args);

/* Prints "offlinemgrctl: <what>: <the error's message>" on stderr (without "<what>: "
 * when @what is NULL) and returns the exit status for the error's code. */
int ctl_error(const OmError *error, const char *what);

/* Prints "offlinemgrctl: <message>" and a pointer to --help on stderr; returns
 * CTL_EXIT_USAGE. */
int ctl_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* A new client on the session bus, or NULL after ctl_error() (*status is set). */
OmClient *ctl_connect(int *status);

/* "ONLINE" / "OFFLINE" (text output) and "online" / "offline" (modes, JSON). */
const char *ctl_state_name(uint32_t state);
const char *ctl_mode_name(uint32_t state);

/* How set, add and update report the object they changed (@id NULL: the global
 * object): "id: STATE (reason)" on a terminal, list's tab-separated line otherwise. */
void ctl_print_object_line(const CtlOptions *options, const char *id,
                           const OmOfflineInfo *info);

/* The tab-separated line list prints: id, state, reason, display name ("-" for empty). */
void ctl_print_tsv_line(const char *id, uint32_t state, const char *reason,
                        const char *display_name);
/* The same with the account's origin last. */
void ctl_print_tsv_line_origin(const char *id, uint32_t state, const char *reason,
                               const char *display_name, const char *origin);

/* The members every JSON object of an offline object has: id (null for the global
 * object), display_name (accounts only), state, requested, reason, transitioning. */
void ctl_json_object_members(JsonWriter *json, const char *id, const char *display_name,
                             uint32_t state, uint32_t requested, const char *reason,
                             bool transitioning);

/* The whole JSON document for one object (set, add, update). */
void ctl_print_object_json(const char *id, const OmOfflineInfo *info);

/* Opens @id (NULL: the global object), reads its properties and prints it as set, add
 * and update do. Returns an exit status. */
int ctl_show_changed_object(const CtlOptions *options, OmClient *client, const char *id);
