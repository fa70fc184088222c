/* state-store: requested modes on disk; only OFFLINE stored; a file that does not parse
 * is kept (moved aside on the first write, never overwritten or lost); a failed write
 * changes nothing in memory. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "errors.h"
#include "state-store.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp("om-state-XXXXXX", &error);
  g_assert_no_error(error);
  f->path = g_build_filename(f->dir, "offlinemgr", "requested-state", NULL);
}

static void
remove_tree(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  const char *name;

  if (dir == NULL) {
    g_unlink(path);
    return;
  }
  while ((name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *child = g_build_filename(path, name, NULL);
    remove_tree(child);
  }
  g_rmdir(path);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  remove_tree(f->dir);
  g_free(f->dir);
  g_free(f->path);
}

static OmStateStore *
open_store(Fixture *f)
{
  OmStateStore *store = om_state_store_new(f->path);
  g_autoptr(GError) error = NULL;

  g_assert_true(om_state_store_load(store, &error));
  g_assert_no_error(error);
  return store;
}

static GKeyFile *
read_file(const char *path)
{
  GKeyFile *kf = g_key_file_new();
  g_autoptr(GError) error = NULL;

  g_assert_true(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error(error);
  return kf;
}

static void
write_raw(const char *path, const char *contents)
{
  g_autofree char *dir = g_path_get_dirname(path);

  g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
  g_assert_true(g_file_set_contents(path, contents, -1, NULL));
}

static char *
read_raw(const char *path)
{
  char *contents = NULL;

  g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
  return contents;
}

static void
test_missing_file_is_all_online(Fixture *f, gconstpointer data)
{
  g_autoptr(OmStateStore) store = open_store(f);
  g_auto(GStrv) ids = om_state_store_list_accounts(store);

  g_assert_cmpint(om_state_store_get_global(store), ==, OM_STATE_ONLINE);
  g_assert_cmpint(om_state_store_get_account(store, "work"), ==, OM_STATE_ONLINE);
  g_assert_cmpuint(g_strv_length(ids), ==, 0);
  /* Loading writes nothing. */
  g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
}

static void
test_set_and_reload(Fixture *f, gconstpointer data)
{
  g_autoptr(OmStateStore) store = open_store(f);
  g_autoptr(OmStateStore) again = NULL;
  g_autoptr(GKeyFile) kf = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *value = NULL;

  g_assert_true(om_state_store_set_global(store, OM_STATE_OFFLINE, &error));
  g_assert_no_error(error);
  g_assert_true(om_state_store_set_account(store, "work", OM_STATE_OFFLINE, &error));
  g_assert_true(om_state_store_set_account(store, "a.b-c_1", OM_STATE_OFFLINE, &error));
  g_assert_true(om_state_store_set_account(store, "home", OM_STATE_ONLINE, &error));
  g_assert_no_error(error);
  g_assert_cmpint(om_state_store_get_global(store), ==, OM_STATE_OFFLINE);
  g_assert_cmpint(om_state_store_get_account(store, "work"), ==, OM_STATE_OFFLINE);

  /* The documented format. */
  kf = read_file(f->path);
  value = g_key_file_get_string(kf, "Global", "RequestedState", NULL);
  g_assert_cmpstr(value, ==, "offline");
  g_clear_pointer(&value, g_free);
  value = g_key_file_get_string(kf, "Accounts", "work", NULL);
  g_assert_cmpstr(value, ==, "offline");
  /* ONLINE is the default and is not stored. */
  g_assert_false(g_key_file_has_key(kf, "Accounts", "home", NULL));

  again = open_store(f);
  g_assert_cmpint(om_state_store_get_global(again), ==, OM_STATE_OFFLINE);
  g_assert_cmpint(om_state_store_get_account(again, "work"), ==, OM_STATE_OFFLINE);
  g_assert_cmpint(om_state_store_get_account(again, "a.b-c_1"), ==, OM_STATE_OFFLINE);
  g_assert_cmpint(om_state_store_get_account(again, "home"), ==, OM_STATE_ONLINE);
  ids = om_state_store_list_accounts(again);
  g_assert_cmpuint(g_strv_length(ids), ==, 2);
  g_assert_true(g_strv_contains((const char *const *)ids, "work"));
  g_assert_true(g_strv_contains((const char *const *)ids, "a.b-c_1"));
}

static void
test_online_removes_entry(Fixture *f, gconstpointer data)
{
  g_autoptr(OmStateStore) store = open_store(f);
  g_autoptr(OmStateStore) again = NULL;
  g_autoptr(GKeyFile) kf = NULL;
  g_auto(GStrv) ids = NULL;

  g_assert_true(om_state_store_set_global(store, OM_STATE_OFFLINE, NULL));
  g_assert_true(om_state_store_set_account(store, "work", OM_STATE_OFFLINE, NULL));
  g_assert_true(om_state_store_set_account(store, "home", OM_STATE_OFFLINE, NULL));
  g_assert_true(om_state_store_set_global(store, OM_STATE_ONLINE, NULL));
  g_assert_true(om_state_store_set_account(store, "work", OM_STATE_ONLINE, NULL));
  g_assert_true(om_state_store_remove_account(store, "home", NULL));
  g_assert_true(om_state_store_remove_account(store, "never-there", NULL));

  kf = read_file(f->path);
  g_assert_false(g_key_file_has_key(kf, "Global", "RequestedState", NULL));
  g_assert_false(g_key_file_has_key(kf, "Accounts", "work", NULL));
  g_assert_false(g_key_file_has_key(kf, "Accounts", "home", NULL));
  again = open_store(f);
  g_assert_cmpint(om_state_store_get_global(again), ==, OM_STATE_ONLINE);
  ids = om_state_store_list_accounts(again);
  g_assert_cmpuint(g_strv_length(ids), ==, 0);
}

static void
test_unchanged_request_writes_nothing(Fixture *f, gconstpointer data)
{
  g_autoptr(OmStateStore) store = open_store(f);
  struct stat before, after;

  g_assert_true(om_state_store_set_account(store, "work", OM_STATE_ONLINE, NULL));
  g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
  g_assert_true(om_state_store_set_account(store, "work", OM_STATE_OFFLINE, NULL));
  g_assert_cmpint(stat(f->path, &before), ==, 0);
  g_assert_true(om_state_store_set_account(store, "work", OM_STATE_OFFLINE, NULL));
  g_assert_true(om_state_store_set_global(store, OM_STATE_ONLINE, NULL));
  g_assert_cmpint(stat(f->path, &after), ==, 0);
  g_assert_cmpuint(before.st_ino, ==, after.st_ino);
}

static void
test_corrupt_file_moved_aside_on_first_write(Fixture *f, gconstpointer data)
{
  const char *garbage = "[Global\nthis is not a keyfile \xff\n";
  g_autoptr(OmStateStore) store = om_state_store_new(f->path);
  g_autoptr(OmStateStore) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *aside = g_strconcat(f->path, ".corrupt", NULL);
  g_autofree char *raw = NULL;
  g_autofree char *kept = NULL;

  write_raw(f->path, garbage);
  g_assert_false(om_state_store_load(store, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, f->path));
  g_clear_error(&error);
  g_assert_cmpint(om_state_store_get_global(store), ==, OM_STATE_ONLINE);

  /* Nothing is written until there is something to write. */
  raw = read_raw(f->path);
  g_assert_cmpstr(raw, ==, garbage);
  g_assert_false(g_file_test(aside, G_FILE_TEST_EXISTS));
  g_assert_true(om_state_store_set_account(store, "home", OM_STATE_ONLINE, NULL));
  g_assert_false(g_file_test(aside, G_FILE_TEST_EXISTS));

  g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "Moved the unreadable *");
  g_assert_true(om_state_store_set_account(store, "work", OM_STATE_OFFLINE, &error));
  g_assert_no_error(error);
  g_test_assert_expected_messages();
  kept = read_raw(aside);
  g_assert_cmpstr(kept, ==, garbage);
  again = open_store(f);
  g_assert_cmpint(om_state_store_get_account(again, "work"), ==, OM_STATE_OFFLINE);

  /* Moved aside once, not again on later writes. */
  g_assert_true(om_state_store_set_global(store, OM_STATE_OFFLINE, NULL));
  g_clear_pointer(&kept, g_free);
  kept = read_raw(aside);
  g_assert_cmpstr(kept, ==, garbage);
}

/* A second corrupt file does not overwrite the first one kept aside. */
static void
test_corrupt_files_never_lost(Fixture *f, gconstpointer data)
{
  g_autofree char *aside = g_strconcat(f->path, ".corrupt", NULL);
  g_autofree char *dir = g_path_get_dirname(f->path);
  g_autoptr(GDir) d = NULL;
  gboolean seen_first = FALSE, seen_second = FALSE;
  const char *name;

  for (int round = 0; round < 2; round++) {
    g_autoptr(OmStateStore) store = om_state_store_new(f->path);
    g_autofree char *garbage = g_strdup_printf("[corrupt %d\n", round);

    write_raw(f->path, garbage);
    g_assert_false(om_state_store_load(store, NULL));
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "Moved the unreadable *");
    g_assert_true(om_state_store_set_global(store, OM_STATE_OFFLINE, NULL));
    g_test_assert_expected_messages();
  }
  d = g_dir_open(dir, 0, NULL);
  while ((name = g_dir_read_name(d)) != NULL) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *raw = NULL;

    if (!g_str_has_prefix(path, aside))
      continue;
    raw = read_raw(path);
    seen_first |= g_str_equal(raw, "[corrupt 0\n");
    seen_second |= g_str_equal(raw, "[corrupt 1\n");
  }
  g_assert_true(seen_first);
  g_assert_true(seen_second);
}

static void
test_unreadable_file_moved_aside(Fixture *f, gconstpointer data)
{
  g_autoptr(OmStateStore) store = om_state_store_new(f->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *aside = g_strconcat(f->path, ".corrupt", NULL);

  /* A directory where the file should be cannot be read; it is kept too. */
  g_assert_cmpint(g_mkdir_with_parents(f->path, 0700), ==, 0);
  g_assert_false(om_state_store_load(store, &error));
  g_assert_nonnull(error);
  g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "Moved the unreadable *");
  g_assert_true(om_state_store_set_global(store, OM_STATE_OFFLINE, NULL));
  g_test_assert_expected_messages();
  g_assert_true(g_file_test(aside, G_FILE_TEST_IS_DIR));
  g_assert_true(g_file_test(f->path, G_FILE_TEST_IS_REGULAR));
}

static void
test_failed_write_changes_nothing(Fixture *f, gconstpointer data)
{
  g_autofree char *blocker = g_build_filename(f->dir, "offlinemgr", NULL);
  g_autoptr(OmStateStore) store = open_store(f);
  g_autoptr(GError) error = NULL;

  /* A file where the directory should be: every write fails, even as root. */
  g_assert_true(g_file_set_contents(blocker, "", -1, NULL));
  g_assert_false(om_state_store_set_account(store, "work", OM_STATE_OFFLINE, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_FAILED);
  g_assert_cmpint(om_state_store_get_account(store, "work"), ==, OM_STATE_ONLINE);
  g_clear_error(&error);
  g_assert_false(om_state_store_set_global(store, OM_STATE_OFFLINE, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_FAILED);
  g_assert_cmpint(om_state_store_get_global(store), ==, OM_STATE_ONLINE);
  g_clear_error(&error);

  /* A removal that cannot be written keeps the entry. */
  g_assert_cmpint(g_unlink(blocker), ==, 0);
  g_assert_true(om_state_store_set_account(store, "work", OM_STATE_OFFLINE, NULL));
  g_assert_cmpint(g_unlink(f->path), ==, 0);
  g_assert_cmpint(g_rmdir(blocker), ==, 0);
  g_assert_true(g_file_set_contents(blocker, "", -1, NULL));
  g_assert_false(om_state_store_remove_account(store, "work", &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_FAILED);
  g_assert_cmpint(om_state_store_get_account(store, "work"), ==, OM_STATE_OFFLINE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) \
  g_test_add("/state-store/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("missing-file-is-all-online", test_missing_file_is_all_online);
  ADD("set-and-reload", test_set_and_reload);
  ADD("online-removes-entry", test_online_removes_entry);
  ADD("unchanged-request-writes-nothing", test_unchanged_request_writes_nothing);
  ADD("corrupt-file-moved-aside-on-first-write", test_corrupt_file_moved_aside_on_first_write);
  ADD("corrupt-files-never-lost", test_corrupt_files_never_lost);
  ADD("unreadable-file-moved-aside", test_unreadable_file_moved_aside);
  ADD("failed-write-changes-nothing", test_failed_write_changes_nothing);
#undef ADD
  return g_test_run();
}
