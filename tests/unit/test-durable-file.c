/* durable-file: atomic replacement (no temporary files left, a new inode, symlinks
 * replaced rather than followed) and reading with limits (missing, symlink, directory,
 * FIFO, too large). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "durable-file.h"

typedef struct {
  char *dir;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp("om-durable-XXXXXX", &error);
  g_assert_no_error(error);
}

static gboolean
remove_tree(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return g_unlink(path) == 0;
  while ((name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *child = g_build_filename(path, name, NULL);
    remove_tree(child);
  }
  return g_rmdir(path) == 0;
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  remove_tree(f->dir);
  g_free(f->dir);
}

static char *
path_in(Fixture *f, const char *name)
{
  return g_build_filename(f->dir, name, NULL);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names in @dir, sorted, joined by spaces. */
static char *
list_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  const char *name;

  g_assert_nonnull(d);
  while ((name = g_dir_read_name(d)) != NULL)
    g_ptr_array_add(names, (gpointer)name);
  g_ptr_array_sort(names, compare_names);
  g_ptr_array_add(names, NULL);
  return g_strjoinv(" ", (char **)names->pdata);
}

static void
assert_contents(const char *path, const char *expected)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
  g_assert_cmpuint(length, ==, strlen(expected));
  g_assert_cmpstr(contents, ==, expected);
}

static void
test_write_creates_directories(Fixture *f, gconstpointer data)
{
  g_autofree char *sub = path_in(f, "a/b");
  g_autofree char *path = path_in(f, "a/b/file");
  g_autofree char *listing = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_assert_true(om_durable_write(path, "hello\n", 6, &error));
  g_assert_no_error(error);
  assert_contents(path, "hello\n");
  g_assert_cmpint(stat(sub, &st), ==, 0);
  g_assert_cmpuint(st.st_mode & 0777, ==, 0700);
  g_assert_cmpint(stat(path, &st), ==, 0);
  g_assert_cmpuint(st.st_mode & 0777, ==, 0600);
  listing = list_dir(sub);
  g_assert_cmpstr(listing, ==, "file");
}

static void
test_write_replaces_atomically(Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in(f, "file");
  g_autofree char *listing = NULL;
  struct stat before, after;

  g_assert_true(g_file_set_contents(path, "old contents, longer than the new\n", -1, NULL));
  g_assert_cmpint(stat(path, &before), ==, 0);
  g_assert_true(om_durable_write(path, "new\n", 4, NULL));
  assert_contents(path, "new\n");
  g_assert_cmpint(stat(path, &after), ==, 0);
  /* Renamed over, not rewritten in place: a reader never sees a mix. */
  g_assert_cmpuint(before.st_ino, !=, after.st_ino);
  listing = list_dir(f->dir);
  g_assert_cmpstr(listing, ==, "file");

  /* Binary data, NULs included, and the empty file. */
  g_assert_true(om_durable_write(path, "a\0b", 3, NULL));
  g_assert_cmpint(stat(path, &after), ==, 0);
  g_assert_cmpint(after.st_size, ==, 3);
  g_assert_true(om_durable_write(path, "", 0, NULL));
  assert_contents(path, "");
}

static void
test_write_replaces_symlink_not_target(Fixture *f, gconstpointer data)
{
  g_autofree char *target = path_in(f, "target");
  g_autofree char *link = path_in(f, "link");
  struct stat st;

  g_assert_true(g_file_set_contents(target, "target\n", -1, NULL));
  g_assert_cmpint(symlink(target, link), ==, 0);
  g_assert_true(om_durable_write(link, "new\n", 4, NULL));
  g_assert_cmpint(lstat(link, &st), ==, 0);
  g_assert_true(S_ISREG(st.st_mode));
  assert_contents(link, "new\n");
  assert_contents(target, "target\n");
}

static void
test_write_fails_cleanly(Fixture *f, gconstpointer data)
{
  g_autofree char *dir = path_in(f, "dir");
  g_autofree char *inside = path_in(f, "dir/x");
  g_autofree char *blocker = path_in(f, "blocker");
  g_autofree char *under_file = path_in(f, "blocker/sub/file");
  g_autofree char *listing = NULL;
  g_autoptr(GError) error = NULL;

  /* A directory where the file should be: rename fails, the directory stays, and no
   * temporary file is left behind. */
  g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
  g_assert_true(g_file_set_contents(inside, "x", -1, NULL));
  g_assert_false(om_durable_write(dir, "data", 4, &error));
  g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
  g_assert_nonnull(strstr(error->message, dir));
  assert_contents(inside, "x");
  listing = list_dir(f->dir);
  g_assert_cmpstr(listing, ==, "dir");
  g_clear_error(&error);

  /* A regular file where a parent directory should be. */
  g_assert_true(g_file_set_contents(blocker, "b", -1, NULL));
  g_assert_false(om_durable_write(under_file, "data", 4, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "blocker"));
  assert_contents(blocker, "b");
}

static void
test_unlink(Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in(f, "file");
  g_autofree char *dir = path_in(f, "dir");
  g_autoptr(GError) error = NULL;

  g_assert_true(om_durable_unlink(path, &error));  /* missing: fine */
  g_assert_no_error(error);
  g_assert_true(g_file_set_contents(path, "x", -1, NULL));
  g_assert_true(om_durable_unlink(path, &error));
  g_assert_no_error(error);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));

  g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
  g_assert_false(om_durable_unlink(dir, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, dir));
  g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
}

static void
test_read_regular(Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in(f, "file");
  g_autofree char *empty = path_in(f, "empty");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 99;

  g_assert_true(g_file_set_contents(path, "0123456789", -1, NULL));
  /* Exactly at the limit is fine. */
  g_assert_true(om_read_regular_file(path, 10, &contents, &length, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(length, ==, 10);
  g_assert_cmpstr(contents, ==, "0123456789");
  g_clear_pointer(&contents, g_free);

  g_assert_true(g_file_set_contents(empty, "", -1, NULL));
  g_assert_true(om_read_regular_file(empty, 10, &contents, &length, &error));
  g_assert_cmpuint(length, ==, 0);
  g_assert_cmpstr(contents, ==, "");
  g_clear_pointer(&contents, g_free);
  g_assert_true(om_read_regular_file(empty, 10, &contents, NULL, &error));
}

static void
assert_read_fails(const char *path, gsize max, gint code, const char *what)
{
  char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  g_assert_false(om_read_regular_file(path, max, &contents, &length, &error));
  g_assert_error(error, G_FILE_ERROR, code);
  g_assert_null(contents);
  if (strstr(error->message, path) == NULL || strstr(error->message, what) == NULL)
    g_error("the error for %s should name it and say \"%s\": %s", path, what, error->message);
}

static void
test_read_refuses(Fixture *f, gconstpointer data)
{
  g_autofree char *missing = path_in(f, "missing");
  g_autofree char *target = path_in(f, "target");
  g_autofree char *link = path_in(f, "link");
  g_autofree char *dangling = path_in(f, "dangling");
  g_autofree char *dir = path_in(f, "dir");
  g_autofree char *fifo = path_in(f, "fifo");
  g_autofree char *big = path_in(f, "big");
  g_autofree char *huge = path_in(f, "huge");
  g_autofree char *big_data = g_strnfill(11, 'x');
  FILE *fp;

  assert_read_fails(missing, 10, G_FILE_ERROR_NOENT, "No such file");

  g_assert_true(g_file_set_contents(target, "secret", -1, NULL));
  g_assert_cmpint(symlink(target, link), ==, 0);
  assert_read_fails(link, 10, G_FILE_ERROR_FAILED, "symbolic link");
  g_assert_cmpint(symlink(missing, dangling), ==, 0);
  assert_read_fails(dangling, 10, G_FILE_ERROR_FAILED, "symbolic link");

  g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
  assert_read_fails(dir, 10, G_FILE_ERROR_FAILED, "not a regular file");

  /* Opening a FIFO must not block, nor reading it. */
  g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
  assert_read_fails(fifo, 10, G_FILE_ERROR_FAILED, "not a regular file");

  g_assert_true(g_file_set_contents(big, big_data, -1, NULL));
  assert_read_fails(big, 10, G_FILE_ERROR_FAILED, "larger than 10 bytes");

  /* A sparse file far larger than memory is refused from its size, unread. */
  fp = fopen(huge, "w");
  g_assert_nonnull(fp);
  g_assert_cmpint(ftruncate(fileno(fp), (off_t)1 << 40), ==, 0);
  fclose(fp);
  assert_read_fails(huge, 64 * 1024, G_FILE_ERROR_FAILED, "larger than");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) \
  g_test_add("/durable-file/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("write-creates-directories", test_write_creates_directories);
  ADD("write-replaces-atomically", test_write_replaces_atomically);
  ADD("write-replaces-symlink-not-target", test_write_replaces_symlink_not_target);
  ADD("write-fails-cleanly", test_write_fails_cleanly);
  ADD("unlink", test_unlink);
  ADD("read-regular", test_read_regular);
  ADD("read-refuses", test_read_refuses);
#undef ADD
  return g_test_run();
}
