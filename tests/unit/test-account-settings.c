/* account-settings: ids, validation of every setting with a named error, keyfile parsing
 * (every malformed value fails the file and says which key), and the round trip to a
 * keyfile that keeps comments, unknown keys and other groups. */
#include <string.h>

#include <glib.h>

#include "account-settings.h"
#include "errors.h"

static void
test_id_validity(void)
{
  g_autofree char *max = g_strnfill(OM_ACCOUNT_ID_MAX, 'a');
  g_autofree char *too_long = g_strnfill(OM_ACCOUNT_ID_MAX + 1, 'a');
  const char *good[] = { "a", "work", "Work_2", "a.b", "a-b", "1abc", "_", ".", "-", "...", max };
  const char *bad[] = { "", "a/b", "/", "a b", "caf\xc3\xa9", "a\tb", "a:b", "a#b", "a@b",
                        "a;b", "a\\b", "a=b", too_long };

  for (gsize i = 0; i < G_N_ELEMENTS(good); i++)
    g_assert_true(om_account_id_is_valid(good[i]));
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
    g_assert_false(om_account_id_is_valid(bad[i]));
  g_assert_false(om_account_id_is_valid(NULL));
}

static void
test_setting_table(void)
{
  static const struct {
    const char *name, *signature;
  } expected[] = {
    { "DisplayName", "s" }, { "Host", "s" }, { "Port", "u" }, { "RequireConnections", "as" },
    { "MinConnectivity", "s" }, { "AllowMetered", "b" }, { "CheckReachability", "b" },
  };
  OmSettingKey key;

  G_STATIC_ASSERT(G_N_ELEMENTS(expected) == OM_N_SETTINGS);
  for (gsize i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_assert_true(om_setting_lookup(expected[i].name, &key));
    g_assert_cmpstr(om_setting_name(key), ==, expected[i].name);
    g_assert_cmpstr(om_setting_signature(key), ==, expected[i].signature);
  }
  g_assert_false(om_setting_lookup("displayname", &key));
  g_assert_false(om_setting_lookup("", &key));
  g_assert_false(om_setting_lookup("Account", &key));
}

static void
test_defaults(void)
{
  g_auto(OmAccountSettings) s;

  om_account_settings_init(&s);
  g_assert_null(s.display_name);
  g_assert_null(s.host);
  g_assert_cmpuint(s.port, ==, 0);
  g_assert_nonnull(s.require_connections);
  g_assert_null(s.require_connections[0]);
  g_assert_cmpint(s.min_connectivity, ==, OM_MIN_CONNECTIVITY_FULL);
  g_assert_true(s.allow_metered);
  g_assert_false(s.check_reachability);
  g_assert_true(om_account_settings_check(&s, NULL));
}

static void
test_copy_and_equal(void)
{
  g_auto(OmAccountSettings) a;
  g_auto(OmAccountSettings) b;
  const char *vpn[] = { "office-vpn", NULL };

  om_account_settings_init(&a);
  a.display_name = g_strdup("Work");
  a.host = g_strdup("imap.example.com");
  a.port = 993;
  g_strfreev(a.require_connections);
  a.require_connections = g_strdupv((char **)vpn);
  a.allow_metered = FALSE;
  om_account_settings_copy(&b, &a);
  g_assert_true(om_account_settings_equal(&a, &b));
  g_assert_true(a.host != b.host);  /* a deep copy */
  b.port = 143;
  g_assert_false(om_account_settings_equal(&a, &b));
  b.port = 993;
  g_clear_pointer(&b.require_connections[0], g_free);
  g_assert_false(om_account_settings_equal(&a, &b));
}

/* Sets one value that must be refused with @code and a message naming @what; the
 * settings must not change. */
static void
assert_set_fails(OmSettingKey key, const OmSettingValue *value, int code, const char *what)
{
  g_auto(OmAccountSettings) s;
  g_auto(OmAccountSettings) before;
  g_autoptr(GError) error = NULL;

  om_account_settings_init(&s);
  s.display_name = g_strdup("before");
  s.host = g_strdup("before.example.com");
  s.port = 1;
  om_account_settings_copy(&before, &s);
  g_assert_false(om_account_settings_set(&s, key, value, &error));
  g_assert_error(error, OM_ERROR, code);
  if (strstr(error->message, what) == NULL)
    g_error("error for %s does not name it: %s", om_setting_name(key), error->message);
  g_assert_true(om_account_settings_equal(&s, &before));
}

static void
test_set_valid(void)
{
  g_auto(OmAccountSettings) s;
  g_autofree char *display = g_strnfill(OM_DISPLAY_NAME_MAX, 'x');
  g_autofree char *host = g_strnfill(OM_HOST_MAX, 'h');
  g_autofree char *conn = g_strnfill(OM_CONNECTION_NAME_MAX, 'c');
  const char *conns[OM_REQUIRE_CONNECTIONS_MAX + 1] = { NULL };
  g_autoptr(GError) error = NULL;

  om_account_settings_init(&s);
  g_assert_true(om_account_settings_set(&s, OM_SETTING_DISPLAY_NAME,
                                        &(OmSettingValue){ .s = "Caf\xc3\xa9 mail" }, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(s.display_name, ==, "Caf\xc3\xa9 mail");
  g_assert_true(om_account_settings_set(&s, OM_SETTING_DISPLAY_NAME,
                                        &(OmSettingValue){ .s = display }, NULL));
  g_assert_cmpstr(s.display_name, ==, display);
  /* Empty means "the id": stored as unset. */
  g_assert_true(om_account_settings_set(&s, OM_SETTING_DISPLAY_NAME,
                                        &(OmSettingValue){ .s = "" }, NULL));
  g_assert_null(s.display_name);

  for (const char *const *h = (const char *const[]){ "imap.example.com", "192.0.2.1", "::1",
                                                      "fd00::1", "my_host-1", NULL };
       *h; h++) {
    g_assert_true(om_account_settings_set(&s, OM_SETTING_HOST, &(OmSettingValue){ .s = *h },
                                          &error));
    g_assert_no_error(error);
    g_assert_cmpstr(s.host, ==, *h);
  }
  g_assert_true(om_account_settings_set(&s, OM_SETTING_HOST, &(OmSettingValue){ .s = host },
                                        NULL));
  g_assert_true(om_account_settings_set(&s, OM_SETTING_HOST, &(OmSettingValue){ .s = "" },
                                        NULL));
  g_assert_null(s.host);

  for (guint32 port = 0; port <= 65535; port += 65535) {
    g_assert_true(om_account_settings_set(&s, OM_SETTING_PORT, &(OmSettingValue){ .u = port },
                                          NULL));
    g_assert_cmpuint(s.port, ==, port);
  }

  for (int i = 0; i < OM_REQUIRE_CONNECTIONS_MAX; i++)
    conns[i] = i == 0 ? conn : "office vpn";
  g_assert_true(om_account_settings_set(&s, OM_SETTING_REQUIRE_CONNECTIONS,
                                        &(OmSettingValue){ .strv = conns }, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(g_strv_length(s.require_connections), ==, OM_REQUIRE_CONNECTIONS_MAX);
  g_assert_true(om_account_settings_set(&s, OM_SETTING_REQUIRE_CONNECTIONS,
                                        &(OmSettingValue){ .strv = (const char *const[]){ NULL } },
                                        NULL));
  g_assert_nonnull(s.require_connections);
  g_assert_null(s.require_connections[0]);

  g_assert_true(om_account_settings_set(&s, OM_SETTING_MIN_CONNECTIVITY,
                                        &(OmSettingValue){ .s = "portal" }, NULL));
  g_assert_cmpint(s.min_connectivity, ==, OM_MIN_CONNECTIVITY_PORTAL);
  g_assert_true(om_account_settings_set(&s, OM_SETTING_MIN_CONNECTIVITY,
                                        &(OmSettingValue){ .s = "limited" }, NULL));
  g_assert_cmpint(s.min_connectivity, ==, OM_MIN_CONNECTIVITY_LIMITED);
  g_assert_true(om_account_settings_set(&s, OM_SETTING_ALLOW_METERED,
                                        &(OmSettingValue){ .b = FALSE }, NULL));
  g_assert_false(s.allow_metered);
  g_assert_true(om_account_settings_set(&s, OM_SETTING_CHECK_REACHABILITY,
                                        &(OmSettingValue){ .b = TRUE }, NULL));
  g_assert_true(s.check_reachability);
}

static void
test_set_invalid(void)
{
  g_autofree char *display = g_strnfill(OM_DISPLAY_NAME_MAX + 1, 'x');
  g_autofree char *host = g_strnfill(OM_HOST_MAX + 1, 'h');
  g_autofree char *conn = g_strnfill(OM_CONNECTION_NAME_MAX + 1, 'c');
  const char *too_many[OM_REQUIRE_CONNECTIONS_MAX + 2] = { NULL };

  assert_set_fails(OM_SETTING_DISPLAY_NAME, &(OmSettingValue){ .s = display },
                   OM_ERROR_LIMIT_EXCEEDED, "DisplayName");
  assert_set_fails(OM_SETTING_DISPLAY_NAME, &(OmSettingValue){ .s = "bad \xff utf-8" },
                   OM_ERROR_INVALID_ARGS, "DisplayName");
  assert_set_fails(OM_SETTING_DISPLAY_NAME, &(OmSettingValue){ .s = "two\nlines" },
                   OM_ERROR_INVALID_ARGS, "DisplayName");
  assert_set_fails(OM_SETTING_DISPLAY_NAME, &(OmSettingValue){ .s = "del\x7f" },
                   OM_ERROR_INVALID_ARGS, "DisplayName");

  assert_set_fails(OM_SETTING_HOST, &(OmSettingValue){ .s = host }, OM_ERROR_LIMIT_EXCEEDED,
                   "Host");
  for (const char *const *h = (const char *const[]){ "imap example.com", "a/b", "host;rm",
                                                      "h\xc3\xa9", "a\nb", "[::1]", NULL };
       *h; h++)
    assert_set_fails(OM_SETTING_HOST, &(OmSettingValue){ .s = *h }, OM_ERROR_INVALID_ARGS,
                     "Host");

  assert_set_fails(OM_SETTING_PORT, &(OmSettingValue){ .u = 65536 }, OM_ERROR_INVALID_ARGS,
                   "Port");
  assert_set_fails(OM_SETTING_PORT, &(OmSettingValue){ .u = G_MAXUINT32 },
                   OM_ERROR_INVALID_ARGS, "Port");

  for (int i = 0; i <= OM_REQUIRE_CONNECTIONS_MAX; i++)
    too_many[i] = "vpn";
  assert_set_fails(OM_SETTING_REQUIRE_CONNECTIONS, &(OmSettingValue){ .strv = too_many },
                   OM_ERROR_LIMIT_EXCEEDED, "RequireConnections");
  assert_set_fails(OM_SETTING_REQUIRE_CONNECTIONS,
                   &(OmSettingValue){ .strv = (const char *const[]){ conn, NULL } },
                   OM_ERROR_LIMIT_EXCEEDED, "RequireConnections");
  for (const char *const *c = (const char *const[]){ "", "a;b", "tab\there", "\xff", NULL };
       *c; c++)
    assert_set_fails(OM_SETTING_REQUIRE_CONNECTIONS,
                     &(OmSettingValue){ .strv = (const char *const[]){ "ok", *c, NULL } },
                     OM_ERROR_INVALID_ARGS, "RequireConnections");

  for (const char *const *m = (const char *const[]){ "", "Full", "none", "unknown", "fulll",
                                                      NULL };
       *m; m++)
    assert_set_fails(OM_SETTING_MIN_CONNECTIVITY, &(OmSettingValue){ .s = *m },
                     OM_ERROR_INVALID_ARGS, "MinConnectivity");
}

static void
test_check_reachability_needs_host_and_port(void)
{
  g_auto(OmAccountSettings) s;
  g_autoptr(GError) error = NULL;

  om_account_settings_init(&s);
  s.check_reachability = TRUE;
  g_assert_false(om_account_settings_check(&s, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
  g_assert_nonnull(strstr(error->message, "CheckReachability"));
  g_clear_error(&error);
  s.host = g_strdup("localhost");
  g_assert_false(om_account_settings_check(&s, &error));
  g_clear_error(&error);
  s.host = (g_free(s.host), NULL);
  s.port = 993;
  g_assert_false(om_account_settings_check(&s, &error));
  g_clear_error(&error);
  s.host = g_strdup("localhost");
  g_assert_true(om_account_settings_check(&s, &error));
  g_assert_no_error(error);
}

static GKeyFile *
keyfile_from(const char *text)
{
  GKeyFile *kf = g_key_file_new();
  g_autoptr(GError) error = NULL;

  g_assert_true(g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_KEEP_COMMENTS |
                                          G_KEY_FILE_KEEP_TRANSLATIONS, &error));
  g_assert_no_error(error);
  return kf;
}

static void
test_keyfile_full(void)
{
  g_autoptr(GKeyFile) kf = keyfile_from(
    "# my work account\n"
    "[Account]\n"
    "DisplayName=Work \\s mail\n"
    "Host=imap.example.com\n"
    "Port= 993 \n"
    "RequireConnections=office-vpn;Office LAN;\n"
    "MinConnectivity=limited\n"
    "AllowMetered=false\n"
    "CheckReachability=true\n"
    "Colour=blue\n"
    "DisplayName[de]=Arbeit\n");
  g_auto(OmAccountSettings) s;
  g_auto(GStrv) unknown = NULL;
  g_autoptr(GError) error = NULL;

  om_account_settings_init(&s);
  g_assert_true(om_account_settings_from_keyfile(&s, kf, &unknown, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(s.display_name, ==, "Work   mail");
  g_assert_cmpstr(s.host, ==, "imap.example.com");
  g_assert_cmpuint(s.port, ==, 993);
  g_assert_cmpuint(g_strv_length(s.require_connections), ==, 2);
  g_assert_cmpstr(s.require_connections[0], ==, "office-vpn");
  g_assert_cmpstr(s.require_connections[1], ==, "Office LAN");
  g_assert_cmpint(s.min_connectivity, ==, OM_MIN_CONNECTIVITY_LIMITED);
  g_assert_false(s.allow_metered);
  g_assert_true(s.check_reachability);
  g_assert_nonnull(unknown);
  g_assert_true(g_strv_contains((const char *const *)unknown, "Colour"));
  g_assert_true(g_strv_contains((const char *const *)unknown, "DisplayName[de]"));
  g_assert_cmpuint(g_strv_length(unknown), ==, 2);
}

static void
test_keyfile_defaults(void)
{
  g_autoptr(GKeyFile) kf = keyfile_from("[Account]\nRequireConnections=\n");
  g_auto(OmAccountSettings) s;
  g_auto(OmAccountSettings) defaults;
  g_auto(GStrv) unknown = NULL;
  g_autoptr(GError) error = NULL;

  om_account_settings_init(&s);
  om_account_settings_init(&defaults);
  g_assert_true(om_account_settings_from_keyfile(&s, kf, &unknown, &error));
  g_assert_no_error(error);
  g_assert_true(om_account_settings_equal(&s, &defaults));
  g_assert_cmpuint(g_strv_length(unknown), ==, 0);

  /* Only the [Account] group counts; the other keys may be anything. */
  g_clear_pointer(&kf, g_key_file_unref);
  kf = keyfile_from("[Account]\n[Other]\nPort=junk\n");
  g_assert_true(om_account_settings_from_keyfile(&s, kf, NULL, &error));
  g_assert_no_error(error);
  g_assert_true(om_account_settings_equal(&s, &defaults));
}

/* Every malformed file fails as a whole, with a message naming what is wrong, and the
 * settings it was parsed over stay as they were. */
static void
test_keyfile_errors(void)
{
  static const struct {
    const char *text;
    const char *named;
  } cases[] = {
    { "[Other]\nHost=x\n", "[Account]" },
    { "", "[Account]" },
    { "[Account]\nPort=imap\n", "Port" },
    { "[Account]\nPort=65536\n", "Port" },
    { "[Account]\nPort=-1\n", "Port" },
    { "[Account]\nPort=0x10\n", "Port" },
    { "[Account]\nPort=\n", "Port" },
    { "[Account]\nAllowMetered=yes\n", "AllowMetered" },
    { "[Account]\nCheckReachability=maybe\n", "CheckReachability" },
    { "[Account]\nDisplayName=bad \\q escape\n", "DisplayName" },
    { "[Account]\nDisplayName=bad \xff utf-8\n", "DisplayName" },
    { "[Account]\nHost=two words\n", "Host" },
    { "[Account]\nMinConnectivity=none\n", "MinConnectivity" },
    { "[Account]\nRequireConnections=a;;b;\n", "RequireConnections" },
    { "[Account]\nRequireConnections=a;b\\\n", "RequireConnections" },
    { "[Account]\nCheckReachability=true\nHost=imap.example.com\n", "CheckReachability" },
    { "[Account]\nCheckReachability=true\nPort=993\n", "CheckReachability" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_auto(OmAccountSettings) s;
    g_auto(GStrv) unknown = NULL;
    g_autoptr(GError) error = NULL;

    g_test_message("case %" G_GSIZE_FORMAT ": %s", i, cases[i].text);
    /* Some of these are refused by GKeyFile itself when loading: that is the account
     * store's error, named there; here only the ones it accepts matter. */
    if (!g_key_file_load_from_data(kf, cases[i].text, -1, G_KEY_FILE_KEEP_COMMENTS, NULL))
      continue;
    om_account_settings_init(&s);
    s.host = g_strdup("kept.example.com");
    g_assert_false(om_account_settings_from_keyfile(&s, kf, &unknown, &error));
    g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
    if (strstr(error->message, cases[i].named) == NULL)
      g_error("case %" G_GSIZE_FORMAT ": the error does not name %s: %s", i, cases[i].named,
              error->message);
    g_assert_cmpstr(s.host, ==, "kept.example.com");
    g_assert_null(unknown);
  }
}

static void
test_keyfile_limits(void)
{
  g_autofree char *display = g_strnfill(OM_DISPLAY_NAME_MAX + 1, 'x');
  g_autofree char *text = g_strdup_printf("[Account]\nDisplayName=%s\n", display);
  g_autoptr(GString) many = g_string_new("[Account]\nRequireConnections=");
  g_autoptr(GKeyFile) kf = keyfile_from(text);
  g_auto(OmAccountSettings) s;
  g_autoptr(GError) error = NULL;

  om_account_settings_init(&s);
  g_assert_false(om_account_settings_from_keyfile(&s, kf, NULL, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED);
  g_assert_nonnull(strstr(error->message, "DisplayName"));
  g_clear_error(&error);

  for (int i = 0; i <= OM_REQUIRE_CONNECTIONS_MAX; i++)
    g_string_append_printf(many, "vpn%d;", i);
  g_string_append_c(many, '\n');
  g_clear_pointer(&kf, g_key_file_unref);
  kf = keyfile_from(many->str);
  g_assert_false(om_account_settings_from_keyfile(&s, kf, NULL, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED);
  g_assert_nonnull(strstr(error->message, "RequireConnections"));
}

/* Parses @text, checks that a round trip of @settings through it gives them back, and
 * returns the written text. */
static char *
round_trip(const char *text, const OmAccountSettings *settings)
{
  g_autoptr(GKeyFile) kf = keyfile_from(text);
  g_autoptr(GKeyFile) again = NULL;
  g_auto(OmAccountSettings) parsed;
  g_autoptr(GError) error = NULL;
  char *data;

  om_account_settings_to_keyfile(settings, kf);
  data = g_key_file_to_data(kf, NULL, NULL);
  again = keyfile_from(data);
  om_account_settings_init(&parsed);
  g_assert_true(om_account_settings_from_keyfile(&parsed, again, NULL, &error));
  g_assert_no_error(error);
  g_assert_true(om_account_settings_equal(&parsed, settings));
  return data;
}

static void
test_round_trip_keeps_comments_and_unknown_keys(void)
{
  const char *hand_written =
    "# Written by hand; keep this comment.\n"
    "[Account]\n"
    "# the server\n"
    "Host=old.example.com\n"
    "Colour=blue\n"
    "DisplayName[de]=Arbeit\n"
    "AllowMetered=true\n"
    "\n"
    "[Extra]\n"
    "# another tool's notes\n"
    "Note=keep me\n";
  g_auto(OmAccountSettings) s;
  g_autofree char *data = NULL;

  om_account_settings_init(&s);
  s.display_name = g_strdup(" Work; mail = \"x\" ");
  s.host = g_strdup("imap.example.com");
  s.port = 993;
  g_strfreev(s.require_connections);
  s.require_connections = g_strdupv((char **)(const char *const[]){ " vpn, one", "b\\c", NULL });
  s.min_connectivity = OM_MIN_CONNECTIVITY_PORTAL;
  s.check_reachability = TRUE;
  data = round_trip(hand_written, &s);
  g_test_message("%s", data);
  g_assert_nonnull(strstr(data, "# Written by hand; keep this comment.\n"));
  g_assert_nonnull(strstr(data, "# the server\nHost=imap.example.com\n"));
  g_assert_nonnull(strstr(data, "Colour=blue\n"));
  g_assert_nonnull(strstr(data, "DisplayName[de]=Arbeit\n"));
  g_assert_nonnull(strstr(data, "[Extra]\n# another tool's notes\nNote=keep me\n"));
  g_assert_null(strstr(data, "old.example.com"));
  /* A key the file had stays even at its default value. */
  g_assert_nonnull(strstr(data, "AllowMetered=true\n"));
}

static void
test_round_trip_defaults_write_nothing(void)
{
  g_auto(OmAccountSettings) s;
  g_autofree char *empty = NULL;
  g_autofree char *cleared = NULL;
  g_autoptr(GKeyFile) kf = NULL;

  om_account_settings_init(&s);
  /* A new file: only the group. */
  empty = round_trip("", &s);
  g_assert_cmpstr(g_strstrip(empty), ==, "[Account]");

  /* Settings back at their defaults remove what would be "none"; explicit keys stay. */
  cleared = round_trip("[Account]\nDisplayName=W\nHost=h\nPort=1\nRequireConnections=a;\n"
                       "MinConnectivity=portal\nCheckReachability=false\n", &s);
  kf = keyfile_from(cleared);
  g_assert_false(g_key_file_has_key(kf, "Account", "DisplayName", NULL));
  g_assert_false(g_key_file_has_key(kf, "Account", "Host", NULL));
  g_assert_false(g_key_file_has_key(kf, "Account", "Port", NULL));
  g_assert_false(g_key_file_has_key(kf, "Account", "RequireConnections", NULL));
  g_assert_false(g_key_file_has_key(kf, "Account", "AllowMetered", NULL));
  g_assert_true(g_key_file_has_key(kf, "Account", "MinConnectivity", NULL));
  g_assert_true(g_key_file_has_key(kf, "Account", "CheckReachability", NULL));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/account-settings/id-validity", test_id_validity);
  g_test_add_func("/account-settings/setting-table", test_setting_table);
  g_test_add_func("/account-settings/defaults", test_defaults);
  g_test_add_func("/account-settings/copy-and-equal", test_copy_and_equal);
  g_test_add_func("/account-settings/set-valid", test_set_valid);
  g_test_add_func("/account-settings/set-invalid", test_set_invalid);
  g_test_add_func("/account-settings/check-reachability-needs-host-and-port",
                  test_check_reachability_needs_host_and_port);
  g_test_add_func("/account-settings/keyfile-full", test_keyfile_full);
  g_test_add_func("/account-settings/keyfile-defaults", test_keyfile_defaults);
  g_test_add_func("/account-settings/keyfile-errors", test_keyfile_errors);
  g_test_add_func("/account-settings/keyfile-limits", test_keyfile_limits);
  g_test_add_func("/account-settings/round-trip-keeps-comments-and-unknown-keys",
                  test_round_trip_keeps_comments_and_unknown_keys);
  g_test_add_func("/account-settings/round-trip-defaults-write-nothing",
                  test_round_trip_defaults_write_nothing);
  return g_test_run();
}
