/* A line-driven client of libofflinemgr's native API, for the integration tests.
 *
 * Reads commands on stdin, one per line, and answers each with one line on stdout:
 * "ok ..." or "error <code> <bus error name or -> <message>". Callbacks print
 * "notify <handle> <client_token> <type> <old> <new>" from the client's dispatch, which
 * runs in the same poll loop as stdin, as an application's main loop would.
 *
 * `on <client_token> <type> <command>` runs <command> from inside the callback for that
 * registration and phase (once) and prints its answer as "incb <answer>".
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <offlinemgr/offlinemgr.h>

#include "driver-words.h"

#define MAX_HANDLES 16
#define MAX_HOOKS 16

static OmClient *client;
static struct {
  char name[32];
  OmOffline *offline;
} handles[MAX_HANDLES];
static struct {
  uint32_t client_token, type;
  char command[256];
  int used;
} hooks[MAX_HOOKS];
static const char *answer_prefix = "";

static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *format, ...)
{
  va_list ap;

  fputs(answer_prefix, stdout);
  va_start(ap, format);
  vprintf(format, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

static void
say_error(int r, const OmError *e)
{
  say("error %d %s %s", r, e->name[0] != '\0' ? e->name : "-", e->message);
}

static OmOffline **
lookup(const char *name)
{
  for (int i = 0; i < MAX_HANDLES; i++)
    if (handles[i].offline != NULL && strcmp(handles[i].name, name) == 0)
      return &handles[i].offline;
  return NULL;
}

static const char *
handle_name(OmOffline *offline)
{
  for (int i = 0; i < MAX_HANDLES; i++)
    if (handles[i].offline == offline)
      return handles[i].name;
  return "?";
}

static void run_command(char *line);

static void
on_change(OmOffline *offline, uint32_t client_token, const OmStateChange *change, void *data)
{
  say("notify %s %u %u %u %u", handle_name(offline), client_token, change->notify_type,
      change->old_state, change->new_state);
  for (int i = 0; i < MAX_HOOKS; i++) {
    if (hooks[i].command[0] != '\0' && !hooks[i].used && hooks[i].client_token == client_token &&
        hooks[i].type == change->notify_type) {
      char command[256];

      hooks[i].used = 1;
      snprintf(command, sizeof command, "%s", hooks[i].command);
      answer_prefix = "incb ";
      run_command(command);
      answer_prefix = "";
    }
  }
}

static void
on_destroy(void *data)
{
  say("destroyed %lu", (unsigned long)(uintptr_t)data);
}

static void
run_command(char *line)
{
  OmError e = OM_ERROR_INIT;
  char *rest = line, *cmd = next_word(&rest), *name = NULL;
  OmOffline **slot = NULL;
  int r;

  if (cmd == NULL)
    return;
  if (strcmp(cmd, "open") == 0 || strcmp(cmd, "close") == 0 || strcmp(cmd, "state") == 0 ||
      strcmp(cmd, "caps") == 0 || strcmp(cmd, "info") == 0 || strcmp(cmd, "settings") == 0 ||
      strcmp(cmd, "set") == 0 || strcmp(cmd, "advise") == 0 || strcmp(cmd, "unadvise") == 0) {
    name = next_word(&rest);
    if (name == NULL) {
      say("error 0 - no handle name");
      return;
    }
    slot = lookup(name);
    if (slot == NULL && strcmp(cmd, "open") != 0) {
      say("error 0 - no handle %s", name);
      return;
    }
  }

  if (strcmp(cmd, "open") == 0) {
    char *id = next_word(&rest);
    OmOffline *offline = om_offline_open(client, id, &e);
    if (offline == NULL) {
      say_error(e.code, &e);
      return;
    }
    for (int i = 0; i < MAX_HANDLES; i++)
      if (handles[i].offline == NULL) {
        snprintf(handles[i].name, sizeof handles[i].name, "%s", name);
        handles[i].offline = offline;
        break;
      }
    say("ok %s", om_offline_get_path(offline));
  } else if (strcmp(cmd, "close") == 0) {
    OmOffline *offline = *slot;
    *slot = NULL;
    om_offline_close(offline);
    say("ok");
  } else if (strcmp(cmd, "state") == 0 || strcmp(cmd, "caps") == 0) {
    uint32_t value;
    r = cmd[0] == 's' ? om_offline_get_state(*slot, &value, &e) :
                        om_offline_get_capabilities(*slot, &value, &e);
    if (r < 0)
      say_error(r, &e);
    else
      say("ok %u", value);
  } else if (strcmp(cmd, "info") == 0) {
    OmOfflineInfo info;
    if ((r = om_offline_get_info(*slot, &info, &e)) < 0) {
      say_error(r, &e);
      return;
    }
    say("ok state=%u requested=%u reason=%s transitioning=%d display=%s", info.state,
        info.requested_state, info.reason, info.transitioning,
        info.display_name != NULL ? info.display_name : "(null)");
    om_offline_info_clear(&info);
  } else if (strcmp(cmd, "settings") == 0) {
    OmSetting *settings;
    size_t n;
    char buf[2048] = "";
    if ((r = om_offline_get_settings(*slot, &settings, &n, &e)) < 0) {
      say_error(r, &e);
      return;
    }
    for (size_t i = 0; i < n; i++) {
      size_t len = strlen(buf);
      snprintf(buf + len, sizeof buf - len, " %s:%c=%s", settings[i].key, settings[i].type,
               settings[i].value);
    }
    say("ok%s", buf);
    om_settings_free(settings, n);
  } else if (strcmp(cmd, "set") == 0) {
    char *state = next_word(&rest), *flag = next_word(&rest);
    uint32_t flags = flag == NULL ? 0 : strcmp(flag, "block") == 0 ? 0x2000 :
                     (uint32_t)strtoul(flag, NULL, 0);
    uint32_t effective = 0;
    r = om_offline_set_state(*slot, flags, state != NULL ? (uint32_t)strtoul(state, NULL, 0) : 0,
                             &effective, &e);
    if (r < 0)
      say_error(r, &e);
    else
      say("ok %u", effective);
  } else if (strcmp(cmd, "advise") == 0) {
    char *ct = next_word(&rest), *mask = next_word(&rest);
    uint32_t client_token = ct != NULL ? (uint32_t)strtoul(ct, NULL, 0) : 0, token = 0;
    r = om_offline_advise(*slot, client_token,
                          mask != NULL ? (uint32_t)strtoul(mask, NULL, 0) : OM_STATE_ALL,
                          on_change, (void *)(uintptr_t)client_token, on_destroy, &token, &e);
    if (r < 0)
      say_error(r, &e);
    else
      say("ok %u", token);
  } else if (strcmp(cmd, "unadvise") == 0) {
    char *token = next_word(&rest);
    r = om_offline_unadvise(*slot, token != NULL ? (uint32_t)strtoul(token, NULL, 0) : 0);
    if (r < 0)
      say("error %d - unadvise", r);
    else
      say("ok");
  } else if (strcmp(cmd, "on") == 0) {
    char *ct = next_word(&rest), *type = next_word(&rest);
    for (int i = 0; i < MAX_HOOKS; i++)
      if (hooks[i].command[0] == '\0') {
        hooks[i].client_token = ct != NULL ? (uint32_t)strtoul(ct, NULL, 0) : 0;
        hooks[i].type = type != NULL ? (uint32_t)strtoul(type, NULL, 0) : 0;
        snprintf(hooks[i].command, sizeof hooks[i].command, "%s", rest);
        break;
      }
    say("ok");
  } else if (strcmp(cmd, "list") == 0) {
    OmAccountInfo *accounts;
    size_t n;
    char buf[4096] = "";
    if ((r = om_client_list_accounts(client, &accounts, &n, &e)) < 0) {
      say_error(r, &e);
      return;
    }
    for (size_t i = 0; i < n; i++) {
      size_t len = strlen(buf);
      snprintf(buf + len, sizeof buf - len, " %s:%s:%s:%u:%u:%s:%d", accounts[i].id,
               accounts[i].path, accounts[i].display_name, accounts[i].state,
               accounts[i].requested_state, accounts[i].reason, accounts[i].transitioning);
    }
    say("ok%s", buf);
    om_account_info_list_free(accounts, n);
  } else if (strcmp(cmd, "add") == 0 || strcmp(cmd, "update") == 0) {
    char *id = next_word(&rest), *settings[32];
    int n = 0;
    while (n < 31 && (settings[n] = next_word(&rest)) != NULL)
      n++;
    settings[n] = NULL;
    for (int i = 0; i < n; i++)  /* '~' stands for a space, which the protocol splits on */
      for (char *p = settings[i]; *p != '\0'; p++)
        if (*p == '~')
          *p = ' ';
    r = cmd[0] == 'a' ? om_client_add_account(client, id, (const char *const *)settings, &e) :
                        om_client_update_account(client, id, (const char *const *)settings, &e);
    if (r < 0)
      say_error(r, &e);
    else
      say("ok");
  } else if (strcmp(cmd, "remove") == 0) {
    if ((r = om_client_remove_account(client, next_word(&rest), &e)) < 0)
      say_error(r, &e);
    else
      say("ok");
  } else if (strcmp(cmd, "reload") == 0) {
    if ((r = om_client_reload(client, &e)) < 0)
      say_error(r, &e);
    else
      say("ok");
  } else if (strcmp(cmd, "manager") == 0) {
    OmManagerInfo info;
    char buf[1024] = "";
    if ((r = om_client_get_manager_info(client, &info, &e)) < 0) {
      say_error(r, &e);
      return;
    }
    for (char **p = info.active_connections; *p != NULL; p++) {
      size_t len = strlen(buf);
      snprintf(buf + len, sizeof buf - len, "%s%s", p == info.active_connections ? "" : ",", *p);
    }
    say("ok version=%s backend=%s nmstate=%u connectivity=%u metered=%d active=%s", info.version,
        info.network_backend, info.network_state, info.connectivity, info.metered, buf);
    om_manager_info_clear(&info);
  } else if (strcmp(cmd, "running") == 0) {
    if ((r = om_client_daemon_is_running(client, &e)) < 0)
      say_error(r, &e);
    else
      say("ok %d", r);
  } else if (strcmp(cmd, "timeout") == 0) {
    char *ms = next_word(&rest);
    r = om_client_set_timeout(client, ms != NULL ? atoi(ms) : 0);
    if (r < 0)
      say("error %d - timeout", r);
    else
      say("ok");
  } else if (strcmp(cmd, "dispatch") == 0) {
    /* Runs what is already due; the answer comes after its callbacks' lines. */
    r = om_client_dispatch(client);
    say("ok %d", r);
  } else if (strcmp(cmd, "echo") == 0) {
    say("ok %s", rest);
  } else {
    say("error 0 - unknown command %s", cmd);
  }
}

/* Reads stdin without stdio's buffering, which poll() cannot see; runs complete lines.
 * Returns 0 at end of input or on "quit". */
static int
read_commands(void)
{
  static char buf[8192];
  static size_t len;
  ssize_t n = read(0, buf + len, sizeof buf - 1 - len);
  char *start = buf, *nl;

  if (n <= 0)
    return n < 0 && errno == EINTR;
  len += (size_t)n;
  buf[len] = '\0';
  while ((nl = strchr(start, '\n')) != NULL) {
    *nl = '\0';
    if (strcmp(start, "quit") == 0)
      return 0;
    run_command(start);
    start = nl + 1;
  }
  len -= (size_t)(start - buf);
  memmove(buf, start, len);
  return 1;
}

int
main(int argc, char **argv)
{
  OmError e = OM_ERROR_INIT;

  setvbuf(stdout, NULL, _IOLBF, 0);
  client = om_client_new(&e);
  if (client == NULL) {
    printf("error %d %s %s\n", e.code, e.name[0] ? e.name : "-", e.message);
    return 1;
  }
  say("ready");
  for (;;) {
    struct pollfd fds[2] = {
      { .fd = 0, .events = POLLIN },
      { .fd = om_client_get_fd(client), .events = POLLIN },
    };

    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return 1;
    }
    if (fds[1].revents & POLLIN)
      om_client_dispatch(client);
    if ((fds[0].revents & (POLLIN | POLLHUP)) && !read_commands())
      break;
  }
  for (int i = 0; i < MAX_HANDLES; i++)
    om_offline_close(handles[i].offline);
  om_client_unref(client);
  return 0;
}
