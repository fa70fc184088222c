#include "durable-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

static gboolean
set_errno_error(GError **error, int err, const char *what, const char *path)
{
  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s %s: %s", what, path,
              g_strerror(err));
  return FALSE;
}

static gboolean
sync_directory(const char *dir, GError **error)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return set_errno_error(error, errno, "Cannot open directory", dir);
  if (fsync(fd) < 0) {
    int err = errno;
    close(fd);
    return set_errno_error(error, err, "Cannot sync directory", dir);
  }
  close(fd);
  return TRUE;
}

static gboolean
write_all(int fd, const char *data, gsize len)
{
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return FALSE;
    }
    data += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* Creates @dir and missing parents (mode 0700), each synced into its parent, so that a
 * file acknowledged in a new directory does not vanish with the directory. */
static gboolean
make_directory(const char *dir, GError **error)
{
  g_autofree char *parent = NULL;

  if (g_file_test(dir, G_FILE_TEST_IS_DIR))
    return TRUE;
  parent = g_path_get_dirname(dir);
  if (!g_str_equal(parent, dir) && !make_directory(parent, error))
    return FALSE;
  if (mkdir(dir, 0700) < 0 && errno != EEXIST)
    return set_errno_error(error, errno, "Cannot create directory", dir);
  return sync_directory(parent, error);
}

gboolean
om_durable_write(const char *path, const char *data, gsize len, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *tmp = g_build_filename(dir, OM_DURABLE_TMP_PREFIX "XXXXXX", NULL);
  int fd;

  if (!make_directory(dir, error))
    return FALSE;
  fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_errno_error(error, errno, "Cannot create a file in", dir);
  if (!write_all(fd, data, len) || fsync(fd) < 0) {
    int err = errno;
    close(fd);
    unlink(tmp);
    return set_errno_error(error, err, "Cannot write", tmp);
  }
  if (close(fd) < 0) {
    int err = errno;
    unlink(tmp);
    return set_errno_error(error, err, "Cannot write", tmp);
  }
  if (rename(tmp, path) < 0) {
    int err = errno;
    unlink(tmp);
    return set_errno_error(error, err, "Cannot replace", path);
  }
  return sync_directory(dir, error);
}

gboolean
om_durable_unlink(const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);

  if (unlink(path) < 0) {
    if (errno == ENOENT)
      return TRUE;
    return set_errno_error(error, errno, "Cannot remove", path);
  }
  return sync_directory(dir, error);
}

gboolean
om_read_regular_file(const char *path, gsize max, char **contents, gsize *length,
                     GError **error)
{
  struct stat st;
  g_autofree char *buf = NULL;
  gsize got = 0;
  int fd;

  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ELOOP) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                  "%s is a symbolic link, which offlinemgrd does not follow: keep a regular file there", path);
      return FALSE;
    }
    return set_errno_error(error, errno, "Cannot open", path);
  }
  if (fstat(fd, &st) < 0) {
    int err = errno;
    close(fd);
    return set_errno_error(error, err, "Cannot stat", path);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s is not a regular file", path);
    return FALSE;
  }
  if ((guint64)st.st_size > max) {
    close(fd);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                "%s is larger than %" G_GSIZE_FORMAT " bytes", path, max);
    return FALSE;
  }
  /* Read one byte more than allowed, so a file that grew after fstat is still caught. */
  buf = g_malloc(max + 2);
  for (;;) {
    ssize_t n = read(fd, buf + got, max + 1 - got);
    if (n < 0) {
      int err = errno;
      if (err == EINTR)
        continue;
      close(fd);
      return set_errno_error(error, err, "Cannot read", path);
    }
    if (n == 0)
      break;
    got += (gsize)n;
    if (got > max) {
      close(fd);
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                  "%s is larger than %" G_GSIZE_FORMAT " bytes", path, max);
      return FALSE;
    }
  }
  close(fd);
  buf[got] = '\0';
  *contents = g_steal_pointer(&buf);
  if (length != NULL)
    *length = got;
  return TRUE;
}

void
om_durable_remove_leftovers(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name(d)) != NULL) {
    g_autofree char *path = NULL;

    if (!g_str_has_prefix(name, OM_DURABLE_TMP_PREFIX))
      continue;
    path = g_build_filename(dir, name, NULL);
    if (unlink(path) == 0)
      g_message("Removed %s, left by a write that was interrupted", path);
  }
}
