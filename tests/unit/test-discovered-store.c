/* discovered-store: the user's settings for discovered accounts. Only what the user set
 * is kept, at any value; an empty Host, DisplayName or Port 0 gives the source's value
 * back; merging puts the user's values over the source's; files round-trip, keep
 * comments and unknown keys, go away when nothing is left, and a file that cannot be
 * used is reported and never rewritten. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "discovered-store.h"
#include "errors.h"

typedef struct {
  char *dir;
  OmDiscoveredStore *store;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp("om-discovered-XXXXXX", &error);
  g_assert_no_error(error);
  f->store = om_discovered_store_new(f->dir);
}

static void
remove_tree(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *child = g_build_filename(path, name, NULL);
    if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
      remove_tree(child);
    else
      g_unlink(child);
  }
  g_rmdir(path);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  om_discovered_store_free(f->store);
  remove_tree(f->dir);
  g_free(f->dir);
}

static char *
path_of(Fixture *f, const char *id)
{
  g_autofree char *name = g_strconcat(id, ".conf", NULL);
  return g_build_filename(f->dir, name, NULL);
}

static void
write_file(Fixture *f, const char *id, const char *text)
{
  g_autofree char *path = path_of(f, id);
  g_autoptr(GError) error = NULL;

  g_file_set_contents(path, text, -1, &error);
  g_assert_no_error(error);
}

static char *
read_file(Fixture *f, const char *id)
{
  g_autofree char *path = path_of(f, id);
  char *text = NULL;

  if (!g_file_get_contents(path, &text, NULL, NULL))
    return NULL;
  return text;
}

static void
discovered(OmDiscoveredAccount *a, const char *name, const char *host, guint32 port)
{
  a->origin = OM_ACCOUNT_ORIGIN_GOA;
  a->id = g_strdup("goa-account_1_0");
  a->source_id = g_strdup("account_1_0");
  g_assert_true(om_discovered_account_set_values(a, name, host, port, NULL));
}

/* ---- overrides ---- */

static void
test_update_and_merge(void)
{
  g_auto(OmDiscoveredAccount) a = { 0 };
  g_auto(OmDiscoveredOverrides) o;
  g_auto(OmAccountSettings) values;
  g_auto(OmAccountSettings) merged;
  gboolean given[OM_N_SETTINGS] = { FALSE };
  const char *vpn[] = { "office-vpn", NULL };

  discovered(&a, "alice@example.com", "imap.example.com", 993);
  om_discovered_overrides_init(&o);
  om_account_settings_init(&values);
  om_account_settings_init(&merged);
  g_assert_true(om_discovered_overrides_is_empty(&o));

  /* Nothing set: the source's values and the defaults. */
  g_assert_true(om_discovered_merge(&a, &o, &merged, NULL));
  g_assert_cmpstr(merged.display_name, ==, "alice@example.com");
  g_assert_cmpstr(merged.host, ==, "imap.example.com");
  g_assert_cmpuint(merged.port, ==, 993);
  g_assert_true(merged.allow_metered);
  g_assert_true(om_discovered_merge(&a, NULL, &merged, NULL));
  g_assert_cmpstr(merged.host, ==, "imap.example.com");

  /* The user sets AllowMetered=false, RequireConnections and a Host of their own. */
  values.allow_metered = FALSE;
  g_strfreev(values.require_connections);
  values.require_connections = g_strdupv((char **)vpn);
  values.host = g_strdup("imap.internal.example.com");
  values.port = 1234;  /* not given: ignored */
  given[OM_SETTING_ALLOW_METERED] = TRUE;
  given[OM_SETTING_REQUIRE_CONNECTIONS] = TRUE;
  given[OM_SETTING_HOST] = TRUE;
  om_discovered_overrides_update(&o, &values, given);
  g_assert_false(om_discovered_overrides_is_empty(&o));
  g_assert_true(o.set[OM_SETTING_ALLOW_METERED]);
  g_assert_true(o.set[OM_SETTING_HOST]);
  g_assert_false(o.set[OM_SETTING_PORT]);
  g_assert_false(o.set[OM_SETTING_DISPLAY_NAME]);

  g_assert_true(om_discovered_merge(&a, &o, &merged, NULL));
  g_assert_cmpstr(merged.display_name, ==, "alice@example.com");
  g_assert_cmpstr(merged.host, ==, "imap.internal.example.com");
  g_assert_cmpuint(merged.port, ==, 993);
  g_assert_false(merged.allow_metered);
  g_assert_cmpstr(merged.require_connections[0], ==, "office-vpn");

  /* The source changes: its new values show where the user set nothing. */
  g_assert_true(om_discovered_account_set_values(&a, "Alice", "imap2.example.com", 994, NULL));
  g_assert_true(om_discovered_merge(&a, &o, &merged, NULL));
  g_assert_cmpstr(merged.display_name, ==, "Alice");
  g_assert_cmpstr(merged.host, ==, "imap.internal.example.com");
  g_assert_cmpuint(merged.port, ==, 994);

  /* Setting a value to its default keeps it as the user's. */
  memset(given, 0, sizeof given);
  values.allow_metered = TRUE;
  given[OM_SETTING_ALLOW_METERED] = TRUE;
  om_discovered_overrides_update(&o, &values, given);
  g_assert_true(o.set[OM_SETTING_ALLOW_METERED]);
  g_assert_true(o.values.allow_metered);

  /* An empty Host gives the source's back. */
  memset(given, 0, sizeof given);
  g_clear_pointer(&values.host, g_free);
  given[OM_SETTING_HOST] = TRUE;
  om_discovered_overrides_update(&o, &values, given);
  g_assert_false(o.set[OM_SETTING_HOST]);
  g_assert_null(o.values.host);
  g_assert_true(om_discovered_merge(&a, &o, &merged, NULL));
  g_assert_cmpstr(merged.host, ==, "imap2.example.com");
}

static void
test_merge_reachability(void)
{
  g_auto(OmDiscoveredAccount) a = { 0 };
  g_auto(OmDiscoveredOverrides) o;
  g_auto(OmAccountSettings) values;
  g_auto(OmAccountSettings) merged;
  gboolean given[OM_N_SETTINGS] = { FALSE };
  GError *error = NULL;

  discovered(&a, NULL, "imap.example.com", 993);
  om_discovered_overrides_init(&o);
  om_account_settings_init(&values);
  om_account_settings_init(&merged);
  values.check_reachability = TRUE;
  given[OM_SETTING_CHECK_REACHABILITY] = TRUE;
  om_discovered_overrides_update(&o, &values, given);
  g_assert_true(om_discovered_merge(&a, &o, &merged, &error));
  g_assert_no_error(error);
  g_assert_true(merged.check_reachability);

  /* The source loses its server (Exchange has none): the check is off, and said so. */
  g_assert_true(om_discovered_account_set_values(&a, NULL, NULL, 0, NULL));
  g_assert_false(om_discovered_merge(&a, &o, &merged, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
  g_assert_nonnull(strstr(error->message, "goa-account_1_0 has no Host"));
  g_clear_error(&error);
  g_assert_false(merged.check_reachability);
  g_assert_true(om_account_settings_check(&merged, NULL));
  /* The user's wish is kept for when the server is back. */
  g_assert_true(o.set[OM_SETTING_CHECK_REACHABILITY]);
  g_assert_true(o.values.check_reachability);
}

static void
test_overrides_equal(void)
{
  g_auto(OmDiscoveredOverrides) a;
  g_auto(OmDiscoveredOverrides) b;

  om_discovered_overrides_init(&a);
  om_discovered_overrides_init(&b);
  g_assert_true(om_discovered_overrides_equal(&a, &b));
  /* Values that are not set do not count. */
  a.values.allow_metered = FALSE;
  g_assert_true(om_discovered_overrides_equal(&a, &b));
  a.set[OM_SETTING_ALLOW_METERED] = TRUE;
  g_assert_false(om_discovered_overrides_equal(&a, &b));
  b.set[OM_SETTING_ALLOW_METERED] = TRUE;
  g_assert_false(om_discovered_overrides_equal(&a, &b));
  b.values.allow_metered = FALSE;
  g_assert_true(om_discovered_overrides_equal(&a, &b));
  b.hidden = TRUE;
  g_assert_false(om_discovered_overrides_equal(&a, &b));
  {
    g_auto(OmDiscoveredOverrides) c;
    om_discovered_overrides_copy(&c, &b);
    g_assert_true(om_discovered_overrides_equal(&b, &c));
  }
}

/* ---- the store ---- */

static void
test_missing_file(Fixture *f, gconstpointer data)
{
  g_auto(OmDiscoveredOverrides) o;
  g_autoptr(GPtrArray) ids = NULL;
  GError *error = NULL;

  om_discovered_overrides_init(&o);
  o.hidden = TRUE;
  g_assert_true(om_discovered_store_load(f->store, "goa-account_1_0", &o, &error));
  g_assert_no_error(error);
  g_assert_true(om_discovered_overrides_is_empty(&o));
  ids = om_discovered_store_list(f->store, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ids->len, ==, 0);
}

static void
test_round_trip(Fixture *f, gconstpointer data)
{
  g_auto(OmDiscoveredOverrides) o;
  g_auto(OmDiscoveredOverrides) back;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  const char *vpn[] = { "office vpn", "lan 2", NULL };
  GError *error = NULL;

  om_discovered_overrides_init(&o);
  om_discovered_overrides_init(&back);
  o.values.display_name = g_strdup("Work mail");
  o.set[OM_SETTING_DISPLAY_NAME] = TRUE;
  o.values.port = 1993;
  o.set[OM_SETTING_PORT] = TRUE;
  g_strfreev(o.values.require_connections);
  o.values.require_connections = g_strdupv((char **)vpn);
  o.set[OM_SETTING_REQUIRE_CONNECTIONS] = TRUE;
  o.values.min_connectivity = OM_MIN_CONNECTIVITY_FULL;  /* the default, set */
  o.set[OM_SETTING_MIN_CONNECTIVITY] = TRUE;
  o.values.check_reachability = TRUE;  /* without Host here: it comes from the source */
  o.set[OM_SETTING_CHECK_REACHABILITY] = TRUE;
  o.hidden = TRUE;
  g_assert_true(om_discovered_store_save(f->store, "eds-abc", &o, &error));
  g_assert_no_error(error);

  text = read_file(f, "eds-abc");
  g_assert_nonnull(strstr(text, "[Account]"));
  g_assert_nonnull(strstr(text, "DisplayName=Work mail"));
  g_assert_nonnull(strstr(text, "Port=1993"));
  g_assert_nonnull(strstr(text, "MinConnectivity=full"));
  g_assert_nonnull(strstr(text, "CheckReachability=true"));
  g_assert_nonnull(strstr(text, "Hidden=true"));
  /* Only what was set. */
  g_assert_null(strstr(text, "Host="));
  g_assert_null(strstr(text, "AllowMetered"));

  g_assert_true(om_discovered_store_load(f->store, "eds-abc", &back, &error));
  g_assert_no_error(error);
  g_assert_true(om_discovered_overrides_equal(&o, &back));
  g_assert_cmpstr(back.values.require_connections[1], ==, "lan 2");

  ids = om_discovered_store_list(f->store, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ids->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(ids, 0), ==, "eds-abc");
}

static void
test_empty_list_round_trip(Fixture *f, gconstpointer data)
{
  g_auto(OmDiscoveredOverrides) o;
  g_auto(OmDiscoveredOverrides) back;

  /* An empty RequireConnections set by the user is kept as such. */
  om_discovered_overrides_init(&o);
  om_discovered_overrides_init(&back);
  o.set[OM_SETTING_REQUIRE_CONNECTIONS] = TRUE;
  g_assert_true(om_discovered_store_save(f->store, "goa-x", &o, NULL));
  g_assert_true(om_discovered_store_load(f->store, "goa-x", &back, NULL));
  g_assert_true(back.set[OM_SETTING_REQUIRE_CONNECTIONS]);
  g_assert_null(back.values.require_connections[0]);
}

static void
test_keeps_comments_and_unknown_keys(Fixture *f, gconstpointer data)
{
  g_auto(OmDiscoveredOverrides) o;
  g_autofree char *text = NULL;
  GError *error = NULL;

  write_file(f, "goa-a", "# my notes\n[Account]\n# about metered\nAllowMetered=false\n"
                         "FutureKey=1\nHidden=true\n\n[Other]\nX=y\n");
  om_discovered_overrides_init(&o);
  g_assert_true(om_discovered_store_load(f->store, "goa-a", &o, &error));
  g_assert_no_error(error);
  g_assert_true(o.hidden);
  g_assert_true(o.set[OM_SETTING_ALLOW_METERED]);
  g_assert_false(o.values.allow_metered);

  o.hidden = FALSE;
  o.set[OM_SETTING_ALLOW_METERED] = FALSE;
  o.values.host = g_strdup("imap.example.com");
  o.set[OM_SETTING_HOST] = TRUE;
  g_assert_true(om_discovered_store_save(f->store, "goa-a", &o, &error));
  g_assert_no_error(error);
  text = read_file(f, "goa-a");
  g_assert_nonnull(strstr(text, "# my notes"));
  g_assert_nonnull(strstr(text, "FutureKey=1"));
  g_assert_nonnull(strstr(text, "[Other]\nX=y"));
  g_assert_nonnull(strstr(text, "Host=imap.example.com"));
  g_assert_null(strstr(text, "AllowMetered"));
  g_assert_null(strstr(text, "Hidden"));
}

static void
test_nothing_left_removes_file(Fixture *f, gconstpointer data)
{
  g_auto(OmDiscoveredOverrides) o;
  g_autofree char *path = path_of(f, "goa-a");
  g_autofree char *text = NULL;
  GError *error = NULL;

  om_discovered_overrides_init(&o);
  o.hidden = TRUE;
  g_assert_true(om_discovered_store_save(f->store, "goa-a", &o, &error));
  g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
  o.hidden = FALSE;
  g_assert_true(om_discovered_store_save(f->store, "goa-a", &o, &error));
  g_assert_no_error(error);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  /* Saving nothing where there is no file is fine too. */
  g_assert_true(om_discovered_store_save(f->store, "goa-a", &o, &error));
  g_assert_no_error(error);

  /* A file with something else in it stays. */
  write_file(f, "goa-b", "[Account]\nFutureKey=1\nHidden=true\n");
  g_assert_true(om_discovered_store_save(f->store, "goa-b", &o, &error));
  g_assert_no_error(error);
  text = read_file(f, "goa-b");
  g_assert_cmpstr(text, ==, "[Account]\nFutureKey=1\n");
}

static void
test_bad_files_never_rewritten(Fixture *f, gconstpointer data)
{
  static const struct {
    const char *text, *error;
  } cases[] = {
    { "not a keyfile\n", "goa-bad.conf: " },
    { "[Other]\nX=1\n", "no [Account] group" },
    { "[Account]\nPort=99999\n", "Port '99999'" },
    { "[Account]\nMinConnectivity=sometimes\n", "MinConnectivity 'sometimes'" },
    { "[Account]\nAllowMetered=yes please\n", "AllowMetered" },
    { "[Account]\nHidden=maybe\n", "Hidden" },
    { "[Account]\nHost=a b\n", "Host 'a b'" },
    { "[Account]\nPort=1\nPort=2\n", "Port is set more than once" },
  };
  g_auto(OmDiscoveredOverrides) o;

  om_discovered_overrides_init(&o);
  o.hidden = TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *after = NULL;
    GError *error = NULL;

    g_test_message("%s", cases[i].text);
    write_file(f, "goa-bad", cases[i].text);
    g_assert_false(om_discovered_store_load(f->store, "goa-bad", &o, &error));
    g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
    g_assert_nonnull(strstr(error->message, cases[i].error));
    g_assert_nonnull(strstr(error->message, "goa-bad.conf"));
    g_clear_error(&error);
    /* @o is unchanged by a failed load. */
    g_assert_true(o.hidden);

    g_assert_false(om_discovered_store_save(f->store, "goa-bad", &o, &error));
    g_assert_error(error, OM_ERROR, OM_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "Not overwriting"));
    g_clear_error(&error);
    after = read_file(f, "goa-bad");
    g_assert_cmpstr(after, ==, cases[i].text);
  }
}

static void
test_odd_files(Fixture *f, gconstpointer data)
{
  g_autofree char *link = path_of(f, "goa-link");
  g_autofree char *dir = path_of(f, "goa-dir");
  g_autofree char *big = g_strnfill(OM_ACCOUNT_FILE_MAX + 1, '#');
  g_auto(OmDiscoveredOverrides) o;
  const char *ids[] = { "goa-link", "goa-dir", "goa-big" };
  GError *error = NULL;

  om_discovered_overrides_init(&o);
  g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
  g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
  write_file(f, "goa-big", big);
  for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
    g_assert_false(om_discovered_store_load(f->store, ids[i], &o, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_assert_false(om_discovered_store_save(f->store, ids[i], &o, &error));
    g_assert_error(error, OM_ERROR, OM_ERROR_FAILED);
    g_clear_error(&error);
  }
  g_assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
  g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
}

static void
test_invalid_ids(Fixture *f, gconstpointer data)
{
  g_auto(OmDiscoveredOverrides) o;
  const char *ids[] = { "", "../x", "a/b", "a b" };
  g_autoptr(GPtrArray) listed = NULL;

  om_discovered_overrides_init(&o);
  o.hidden = TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
    GError *error = NULL;
    g_assert_false(om_discovered_store_save(f->store, ids[i], &o, &error));
    g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
    g_clear_error(&error);
    g_assert_false(om_discovered_store_load(f->store, ids[i], &o, &error));
    g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
    g_clear_error(&error);
  }
  /* Files whose names are no account's are not listed. */
  write_file(f, "a b", "[Account]\n");
  write_file(f, "ok", "[Account]\n");
  write_file(f, ".#offlinemgr-tmp", "[Account]\n");
  listed = om_discovered_store_list(f->store, NULL);
  g_assert_cmpuint(listed->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(listed, 0), ==, "ok");
}

#define ADD(name, fn) \
  g_test_add("/discovered-store/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/discovered-store/update-and-merge", test_update_and_merge);
  g_test_add_func("/discovered-store/merge-reachability", test_merge_reachability);
  g_test_add_func("/discovered-store/overrides-equal", test_overrides_equal);
  ADD("missing-file", test_missing_file);
  ADD("round-trip", test_round_trip);
  ADD("empty-list-round-trip", test_empty_list_round_trip);
  ADD("keeps-comments-and-unknown-keys", test_keeps_comments_and_unknown_keys);
  ADD("nothing-left-removes-file", test_nothing_left_removes_file);
  ADD("bad-files-never-rewritten", test_bad_files_never_rewritten);
  ADD("odd-files", test_odd_files);
  ADD("invalid-ids", test_invalid_ids);
  return g_test_run();
}
