/* Fuzzes the a{sv} settings of AddAccount and UpdateAccount: the fuzz data chooses the
 * id and the entries (known and unknown names, right and wrong types, any values); a
 * real method call is built from them, sent over a socket pair between two sd-bus
 * connections, and read on the far side by the daemon's own reader. Checks: every
 * rejection is one of the daemon's named errors, with a message that can be sent;
 * accepted settings touch only the keys given, and survive a keyfile round trip. */
#include <sys/socket.h>

#include <systemd/sd-bus.h>

#include "errors.h"
#include "fuzz-settings.h"
#include "fuzz-input.h"
#include "offlinemgr-bus.h"
#include "settings-message.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sd_bus_error, sd_bus_error_free)

static sd_bus *server, *client;

static void
setup(void)
{
  int fds[2];
  sd_id128_t id;

  fuzz_quiet_logs();
  FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) == 0,
             "socketpair");
  FUZZ_CHECK(sd_id128_randomize(&id) >= 0, "id");
  FUZZ_CHECK(sd_bus_new(&server) >= 0 && sd_bus_set_fd(server, fds[0], fds[0]) >= 0 &&
             sd_bus_set_server(server, 1, id) >= 0 && sd_bus_set_anonymous(server, 1) >= 0 &&
             sd_bus_start(server) >= 0, "server");
  FUZZ_CHECK(sd_bus_new(&client) >= 0 && sd_bus_set_fd(client, fds[1], fds[1]) >= 0 &&
             sd_bus_set_anonymous(client, 1) >= 0 && sd_bus_start(client) >= 0, "client");
  for (int i = 0; i < 1000 && (sd_bus_is_ready(server) <= 0 || sd_bus_is_ready(client) <= 0);
       i++) {
    sd_bus_process(server, NULL);
    sd_bus_process(client, NULL);
  }
  FUZZ_CHECK(sd_bus_is_ready(server) > 0 && sd_bus_is_ready(client) > 0, "not connected");
}

static const char *const setting_names[] = {
  "DisplayName", "Host", "Port", "RequireConnections", "MinConnectivity", "AllowMetered",
  "CheckReachability",
};

/* Appends one variant chosen by the input; returns a negative errno when sd-bus refuses
 * the value (invalid UTF-8, say), as it would refuse to send it. */
static int
append_value(sd_bus_message *m, FuzzInput *in, int depth)
{
  g_autofree char *s = NULL;
  int r;

  switch (fuzz_byte(in) % 12) {
  case 0: {
    static const char *const words[] = { "full", "limited", "portal", "", "imap.example.com",
                                         "::1", "127.0.0.1" };
    uint8_t w = fuzz_byte(in);
    if (w < G_N_ELEMENTS(words))
      return sd_bus_message_append(m, "v", "s", words[w]);
    s = fuzz_string(in);
    return sd_bus_message_append(m, "v", "s", s);
  }
  case 1:
    return sd_bus_message_append(m, "v", "u", fuzz_u32(in));
  case 2:
    return sd_bus_message_append(m, "v", "b", fuzz_byte(in) & 1);
  case 3: {
    guint n = fuzz_byte(in) % 40;
    if ((r = sd_bus_message_open_container(m, 'v', "as")) < 0 ||
        (r = sd_bus_message_open_container(m, 'a', "s")) < 0)
      return r;
    for (guint i = 0; i < n; i++) {
      g_autofree char *e = fuzz_string(in);
      if ((r = sd_bus_message_append(m, "s", e)) < 0)
        return r;
    }
    if ((r = sd_bus_message_close_container(m)) < 0)
      return r;
    return sd_bus_message_close_container(m);
  }
  case 4:
    return sd_bus_message_append(m, "v", "i", (int32_t)fuzz_u32(in));
  case 5:
    return sd_bus_message_append(m, "v", "x", (int64_t)fuzz_u32(in) << 16);
  case 6:
    return sd_bus_message_append(m, "v", "d", (double)fuzz_u32(in) / 3.0);
  case 7:
    s = fuzz_string(in);
    return sd_bus_message_append(m, "v", "ay", 1, (uint8_t)(s[0]));
  case 8:
    return sd_bus_message_append(m, "v", "o", "/org/offlinemgr/OfflineMgr1");
  case 9:
    if (depth > 4)
      return sd_bus_message_append(m, "v", "a{sv}", 0);
    if ((r = sd_bus_message_open_container(m, 'v', "a{sv}")) < 0 ||
        (r = sd_bus_message_open_container(m, 'a', "{sv}")) < 0 ||
        (r = sd_bus_message_open_container(m, 'e', "sv")) < 0 ||
        (r = sd_bus_message_append(m, "s", setting_names[fuzz_byte(in) % 7])) < 0 ||
        (r = append_value(m, in, depth + 1)) < 0)
      return r;
    for (int i = 0; i < 3; i++)
      if ((r = sd_bus_message_close_container(m)) < 0)
        return r;
    return 0;
  case 10:
    s = fuzz_string(in);
    return sd_bus_message_append(m, "v", "v", "s", s);
  default:
    s = fuzz_string(in);
    return sd_bus_message_append(m, "v", "(su)", s, fuzz_u32(in));
  }
}

/* Builds AddAccount(s id, a{sv} settings) from the input; records which settings were
 * given by a known name. */
static sd_bus_message *
build_call(FuzzInput *in, gboolean given[OM_N_SETTINGS])
{
  g_autoptr(sd_bus_message) m = NULL;
  g_autofree char *id = fuzz_string(in);
  guint n = fuzz_byte(in) % 48;

  if (sd_bus_message_new_method_call(client, &m, NULL, OM_ROOT_PATH, OM_IFACE_MANAGER,
                                     "AddAccount") < 0 ||
      sd_bus_message_set_expect_reply(m, 0) < 0 || sd_bus_message_append(m, "s", id) < 0 ||
      sd_bus_message_open_container(m, 'a', "{sv}") < 0)
    return NULL;
  for (guint i = 0; i < n; i++) {
    uint8_t k = fuzz_byte(in);
    g_autofree char *name = k < 0xe0 ? g_strdup(setting_names[k % 7]) : fuzz_string(in);
    OmSettingKey key;

    if (sd_bus_message_open_container(m, 'e', "sv") < 0 ||
        sd_bus_message_append(m, "s", name) < 0 || append_value(m, in, 0) < 0 ||
        sd_bus_message_close_container(m) < 0)
      return NULL;
    if (om_setting_lookup(name, &key))
      given[key] = TRUE;
  }
  if (sd_bus_message_close_container(m) < 0)
    return NULL;
  return g_steal_pointer(&m);
}

/* Sends @m and returns it as the far side received it. */
static sd_bus_message *
transfer(sd_bus_message *m)
{
  sd_bus_message *got = NULL;

  FUZZ_CHECK(sd_bus_send(client, m, NULL) >= 0, "send");
  for (int i = 0; i < 1000 && got == NULL; i++) {
    sd_bus_process(client, NULL);
    FUZZ_CHECK(sd_bus_process(server, &got) >= 0, "receive");
  }
  FUZZ_CHECK(got != NULL, "message lost");
  return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  FuzzInput in = { data, size };
  gboolean given[OM_N_SETTINGS] = { FALSE };
  gboolean reported[OM_N_SETTINGS] = { FALSE };
  gboolean update = fuzz_byte(&in) & 1;
  g_autoptr(sd_bus_message) call = NULL;
  g_autoptr(sd_bus_message) got = NULL;
  g_auto(OmAccountSettings) base = { 0 };
  g_auto(OmAccountSettings) settings = { 0 };
  g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;
  g_autoptr(GError) check_error = NULL;
  const char *id;
  int r;

  if (server == NULL)
    setup();
  call = build_call(&in, given);
  if (call == NULL)
    return 0;  /* sd-bus would not send this either */
  got = transfer(call);

  /* UpdateAccount merges into the account's settings; AddAccount into the defaults. */
  om_account_settings_init(&base);
  if (update) {
    const char *const conns[] = { "office-vpn", NULL };
    base.display_name = g_strdup("Work");
    base.host = g_strdup("imap.example.com");
    base.port = 993;
    g_strfreev(base.require_connections);
    base.require_connections = g_strdupv((char **)conns);
    base.min_connectivity = OM_MIN_CONNECTIVITY_LIMITED;
    base.allow_metered = FALSE;
    base.check_reachability = TRUE;
  }
  om_account_settings_copy(&settings, &base);

  FUZZ_CHECK(sd_bus_message_read(got, "s", &id) > 0, "id");
  (void)om_account_id_is_valid(id);
  r = om_settings_message_read(got, &settings, reported, &error);
  if (r < 0) {
    FUZZ_CHECK(sd_bus_error_has_names(&error, OM_BUS_ERROR_INVALID_ARGS,
                                      OM_BUS_ERROR_LIMIT_EXCEEDED),
               "rejected without a named error: %s (%s)", strerror(-r),
               error.name ? error.name : "no error set");
    FUZZ_CHECK(error.message != NULL && *error.message, "error without a message");
    /* sd-bus cannot send an error whose message is not UTF-8: no answer at all. */
    FUZZ_CHECK(g_utf8_validate(error.message, -1, NULL), "error message is not UTF-8");
    return 0;
  }
  FUZZ_CHECK(sd_bus_message_at_end(got, TRUE) > 0, "arguments left over");
  for (int k = 0; k < OM_N_SETTINGS; k++)
    FUZZ_CHECK(given[k] || fuzz_setting_equal(&settings, &base, (OmSettingKey)k),
               "%s changed without being given", om_setting_name((OmSettingKey)k));
  /* What a discovered account keeps as the user's: exactly the settings sent. */
  for (int k = 0; k < OM_N_SETTINGS; k++)
    FUZZ_CHECK(reported[k] == given[k], "%s %s as given", om_setting_name((OmSettingKey)k),
               given[k] ? "not reported" : "reported");
  if (!om_account_settings_check(&settings, &check_error))
    return 0;  /* answered InvalidArgs by the daemon */
  fuzz_check_keyfile_round_trip(&settings);
  return 0;
}
