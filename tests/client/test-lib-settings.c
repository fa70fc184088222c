/* Unit tests of libofflinemgr's pure parts: "Key=Value" settings and their D-Bus types,
 * the ';'-list syntax, account ids, and the mapping of bus error names. */
#include <glib.h>

#include "client-private.h"

static void
test_list_split(void)
{
  static const struct {
    const char *in;
    const char *out[4];
  } cases[] = {
    { "", { NULL } },
    { "a", { "a", NULL } },
    { "a;b", { "a", "b", NULL } },
    { "a;b;", { "a", "b", NULL } },
    { "a\\;b;c", { "a;b", "c", NULL } },
    { "a\\\\;b", { "a\\", "b", NULL } },
    { "a;;b", { "a", "", "b", NULL } },
    { ";", { "", NULL } },
    { "a\\b", { "a\\b", NULL } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    char **items = om_list_split(cases[i].in);
    g_assert_nonnull(items);
    g_assert_cmpstrv(items, cases[i].out);
    om_strv_free(items);
  }
}

static void
test_list_round_trip(void)
{
  const char *const lists[][4] = {
    { NULL }, { "vpn", NULL }, { "a;b", "c\\d", "", NULL }, { "x", "y", "z", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(lists); i++) {
    char *joined = om_list_join(lists[i]);
    char **back = om_list_split(joined);
    /* An empty last item cannot be told from a trailing ';'. */
    if (i != 2)
      g_assert_cmpstrv(back, lists[i]);
    else
      g_assert_cmpstr(joined, ==, "a\\;b;c\\\\d;");
    om_strv_free(back);
    free(joined);
  }
}

static void
test_parse_values(void)
{
  int b = -1;
  uint32_t u = 7;

  g_assert_true(om_parse_bool("true", &b) && b == 1);
  g_assert_true(om_parse_bool("No", &b) && b == 0);
  g_assert_true(om_parse_bool("1", &b) && b == 1);
  g_assert_false(om_parse_bool("maybe", &b));
  g_assert_false(om_parse_bool("", &b));
  g_assert_true(om_parse_u32("993", &u) && u == 993);
  g_assert_true(om_parse_u32("4294967295", &u) && u == 4294967295u);
  g_assert_false(om_parse_u32("4294967296", &u));
  g_assert_false(om_parse_u32("-1", &u));
  g_assert_false(om_parse_u32(" 1", &u));
  g_assert_false(om_parse_u32("", &u));
  g_assert_cmpuint(u, ==, 4294967295u);
}

static void
test_account_ids(void)
{
  g_assert_true(om_account_id_is_valid("work"));
  g_assert_true(om_account_id_is_valid("a.b-c_D9"));
  g_assert_true(om_account_id_is_valid("0"));
  g_assert_false(om_account_id_is_valid(""));
  g_assert_false(om_account_id_is_valid(NULL));
  g_assert_false(om_account_id_is_valid("a/b"));
  g_assert_false(om_account_id_is_valid("ä"));
  g_assert_true(om_account_id_is_valid("0123456789012345678901234567890123456789012345678901234567890123"));
  g_assert_false(om_account_id_is_valid("01234567890123456789012345678901234567890123456789012345678901234"));
}

static void
test_setting_types(void)
{
  g_assert_cmpint(om_setting_type("DisplayName"), ==, 's');
  g_assert_cmpint(om_setting_type("Port"), ==, 'u');
  g_assert_cmpint(om_setting_type("RequireConnections"), ==, 'a');
  g_assert_cmpint(om_setting_type("AllowMetered"), ==, 'b');
  g_assert_cmpint(om_setting_type("CheckReachability"), ==, 'b');
  g_assert_cmpint(om_setting_type("MinConnectivity"), ==, 's');
  g_assert_cmpint(om_setting_type("Host"), ==, 's');
  g_assert_cmpint(om_setting_type("port"), ==, 0);
}

/* The a{sv} built from strings, read back with the library's own readers. */
static void
test_settings_append(void)
{
  const char *const settings[] = { "DisplayName=My = Work", "Port=993", "AllowMetered=false",
                                   "RequireConnections=vpn;lan;", "Host=", NULL };
  DBusMessage *msg = dbus_message_new_method_call("a.b", "/a", "a.b", "C");
  DBusMessageIter iter, dict, entries;
  OmError error = OM_ERROR_INIT;
  int seen = 0;

  dbus_message_iter_init_append(msg, &iter);
  g_assert_cmpint(om_settings_append(&iter, settings, &error), ==, 0);
  g_assert_cmpstr(dbus_message_get_signature(msg), ==, "a{sv}");
  dbus_message_iter_init(msg, &dict);
  dbus_message_iter_recurse(&dict, &entries);
  while (dbus_message_iter_get_arg_type(&entries) == DBUS_TYPE_DICT_ENTRY) {
    DBusMessageIter entry, value;
    const char *key;
    char *s = NULL, **strv = NULL;
    uint32_t u = 0;
    int b = -1;

    dbus_message_iter_recurse(&entries, &entry);
    dbus_message_iter_get_basic(&entry, &key);
    dbus_message_iter_next(&entry);
    dbus_message_iter_recurse(&entry, &value);
    if (g_str_equal(key, "DisplayName")) {
      g_assert_cmpint(om_read_string(&value, &s), ==, 0);
      g_assert_cmpstr(s, ==, "My = Work");
    } else if (g_str_equal(key, "Port")) {
      g_assert_cmpint(om_read_u32(&value, &u), ==, 0);
      g_assert_cmpuint(u, ==, 993);
    } else if (g_str_equal(key, "AllowMetered")) {
      g_assert_cmpint(om_read_bool(&value, &b), ==, 0);
      g_assert_cmpint(b, ==, 0);
    } else if (g_str_equal(key, "RequireConnections")) {
      g_assert_cmpint(om_read_strv(&value, &strv), ==, 0);
      g_assert_cmpstrv(strv, ((const char *const[]){ "vpn", "lan", NULL }));
    } else if (g_str_equal(key, "Host")) {
      g_assert_cmpint(om_read_string(&value, &s), ==, 0);
      g_assert_cmpstr(s, ==, "");
    } else {
      g_assert_not_reached();
    }
    free(s);
    om_strv_free(strv);
    seen++;
    dbus_message_iter_next(&entries);
  }
  g_assert_cmpint(seen, ==, 5);
  dbus_message_unref(msg);
}

static void
test_settings_rejected(void)
{
  static const struct {
    const char *setting, *message;
  } cases[] = {
    { "Colour=red", "Unknown setting 'Colour'" },
    { "Host", "is not of the form Key=Value" },
    { "=x", "Unknown setting ''" },
    { "Port=99999999999", "is not a number" },
    { "Port=", "is not a number" },
    { "CheckReachability=2", "is not true or false" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *const settings[] = { "Port=1", cases[i].setting, NULL };
    DBusMessage *msg = dbus_message_new_method_call("a.b", "/a", "a.b", "C");
    DBusMessageIter iter;
    OmError error = OM_ERROR_INIT;

    dbus_message_iter_init_append(msg, &iter);
    g_assert_cmpint(om_settings_append(&iter, settings, &error), ==, OM_E_INVALID_ARGS);
    g_assert_cmpint(error.code, ==, OM_E_INVALID_ARGS);
    g_assert_cmpstr(error.name, ==, "");
    g_assert_nonnull(strstr(error.message, cases[i].message));
    /* Nothing was appended: checks come first. */
    g_assert_cmpstr(dbus_message_get_signature(msg), ==, "");
    dbus_message_unref(msg);
  }
}

static void
test_error_names(void)
{
  static const struct {
    const char *name;
    int code;
  } cases[] = {
    { "org.offlinemgr.OfflineMgr1.Error.InvalidArgs", OM_E_INVALID_ARGS },
    { "org.offlinemgr.OfflineMgr1.Error.NotFound", OM_E_NOT_FOUND },
    { "org.offlinemgr.OfflineMgr1.Error.Pending", OM_E_PENDING },
    { "org.offlinemgr.OfflineMgr1.Error.AlreadyExists", OM_E_ALREADY_EXISTS },
    { "org.offlinemgr.OfflineMgr1.Error.LimitExceeded", OM_E_LIMIT_EXCEEDED },
    { "org.offlinemgr.OfflineMgr1.Error.Failed", OM_E_FAILED },
    { "org.freedesktop.DBus.Error.ServiceUnknown", OM_E_NO_DAEMON },
    { "org.freedesktop.DBus.Error.NameHasNoOwner", OM_E_NO_DAEMON },
    { "org.freedesktop.DBus.Error.Spawn.ChildExited", OM_E_NO_DAEMON },
    { "org.freedesktop.DBus.Error.NoReply", OM_E_TIMEOUT },
    { "org.freedesktop.DBus.Error.Disconnected", OM_E_NO_BUS },
    { "org.freedesktop.DBus.Error.AccessDenied", OM_E_ACCESS_DENIED },
    { "org.freedesktop.DBus.Error.UnknownObject", OM_E_NOT_FOUND },
    { "com.example.Whatever", OM_E_FAILED },
  };
  DBusError e = DBUS_ERROR_INIT;
  OmError error = OM_ERROR_INIT;

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_cmpint(om_error_code_from_bus_name(cases[i].name), ==, cases[i].code);
  dbus_set_error(&e, DBUS_ERROR_SERVICE_UNKNOWN, "The name is not activatable");
  g_assert_cmpint(om_set_error_from_bus(&error, &e), ==, OM_E_NO_DAEMON);
  g_assert_cmpstr(error.name, ==, DBUS_ERROR_SERVICE_UNKNOWN);
  g_assert_cmpstr(error.message, ==,
                  "offlinemgrd is not running and could not be started: The name is not activatable");
  dbus_error_free(&e);
  g_assert_cmpstr(om_error_code_to_string(OM_E_PENDING), ==, "a transition is under way");
  g_assert_cmpstr(om_error_code_to_string(12345), ==, "unknown error");
  /* NULL error pointers are fine everywhere. */
  g_assert_cmpint(om_set_error(NULL, OM_E_FAILED, NULL, "x"), ==, OM_E_FAILED);
}

static void
test_long_messages_truncate(void)
{
  OmError error = OM_ERROR_INIT;
  g_autofree char *long_text = g_strnfill(2000, 'x');

  om_set_error(&error, OM_E_FAILED, long_text, "%s", long_text);
  g_assert_cmpuint(strlen(error.name), ==, OM_ERROR_NAME_MAX - 1);
  g_assert_cmpuint(strlen(error.message), ==, OM_ERROR_MESSAGE_MAX - 1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/settings/list-split", test_list_split);
  g_test_add_func("/settings/list-round-trip", test_list_round_trip);
  g_test_add_func("/settings/parse-values", test_parse_values);
  g_test_add_func("/settings/account-ids", test_account_ids);
  g_test_add_func("/settings/types", test_setting_types);
  g_test_add_func("/settings/append", test_settings_append);
  g_test_add_func("/settings/rejected", test_settings_rejected);
  g_test_add_func("/errors/names", test_error_names);
  g_test_add_func("/errors/truncate", test_long_messages_truncate);
  return g_test_run();
}
