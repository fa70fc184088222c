/* Files that survive a crash: what the daemon acknowledges is on disk.
 *
 * A write goes to a temporary file in the same directory, is fsync'd, renamed over the
 * target, and the directory is fsync'd, so after a crash at any moment the target holds
 * either the old or the new content, never a mix. */
#pragma once

#include <glib.h>

/* The temporary files of writes under way. '#' never occurs in an account id, so a
 * temporary file never looks like an account. */
#define OM_DURABLE_TMP_PREFIX ".#offlinemgr-"

/* Replaces @path with @data. Creates missing parent directories (mode 0700), durably. */
gboolean om_durable_write(const char *path, const char *data, gsize len, GError **error);

/* Removes the temporary files that writes killed half-way left in @dir (at start-up,
 * before anything writes there). */
void om_durable_remove_leftovers(const char *dir);

/* Removes @path and syncs its directory; a missing file is not an error. */
gboolean om_durable_unlink(const char *path, GError **error);

/* Reads a regular file of at most @max bytes without following a symlink. Errors name
 * what is wrong: G_FILE_ERROR_NOENT when absent, otherwise a message saying it is a
 * symlink, not a regular file, unreadable or too large. */
gboolean om_read_regular_file(const char *path, gsize max, char **contents, gsize *length,
                              GError **error);
