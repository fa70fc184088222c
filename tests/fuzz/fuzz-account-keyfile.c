/* Fuzzes the account keyfile loader and the settings validation behind it: any bytes
 * as accounts/<id>.conf, read and written by the daemon's own store. Checks its
 * promises: a file that loads is saved (merged into the file, as UpdateAccount does) and
 * loads back to the same settings; a file that does not load is never rewritten. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "account-store.h"
#include "fuzz-settings.h"
#include "fuzz-input.h"

#define ID "fuzz"

static OmAccountStore *store;
static char *path;

static void
setup(void)
{
  /* tmpfs when there is one: the store fsyncs every write. */
  const char *base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir();
  g_autofree char *tmpl = g_build_filename(base, "om-fuzz-keyfile-XXXXXX", NULL);
  char *dir = g_mkdtemp(tmpl);

  FUZZ_CHECK(dir != NULL, "cannot create a directory in %s", base);
  store = om_account_store_new(dir);
  path = g_build_filename(dir, ID ".conf", NULL);
  fuzz_quiet_logs();
}

static void
write_file(const uint8_t *data, size_t size)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  FUZZ_CHECK(fd >= 0, "open %s: %s", path, g_strerror(errno));
  FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size, "write %s", path);
  close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_auto(OmAccountSettings) settings = { 0 };
  g_auto(OmAccountSettings) reloaded = { 0 };
  g_autoptr(GError) error = NULL;

  if (store == NULL)
    setup();
  write_file(data, size);
  om_account_settings_init(&settings);
  om_account_settings_init(&reloaded);

  if (!om_account_store_load(store, ID, &settings, &error)) {
    g_autofree char *after = NULL;
    gsize after_len;

    FUZZ_CHECK(error->message != NULL && *error->message, "load failed without a message");
    g_clear_error(&error);
    FUZZ_CHECK(!om_account_store_save(store, ID, &settings, &error),
               "a file that does not load was overwritten");
    FUZZ_CHECK(g_file_get_contents(path, &after, &after_len, NULL), "file vanished");
    FUZZ_CHECK(after_len == size && memcmp(after, data, size) == 0,
               "a file that does not load was changed");
    return 0;
  }

  FUZZ_CHECK(om_account_settings_check(&settings, &error), "loaded settings fail the check: %s",
             error->message);
  fuzz_check_keyfile_round_trip(&settings);

  /* UpdateAccount's path: merge into the file as it is, then read it back. Flipping one
   * setting makes the merge write a key whatever the file held. */
  settings.allow_metered = !settings.allow_metered;
  FUZZ_CHECK(om_account_store_save(store, ID, &settings, &error), "save failed: %s",
             error->message);
  FUZZ_CHECK(om_account_store_load(store, ID, &reloaded, &error),
             "the saved file does not load: %s", error->message);
  FUZZ_CHECK(om_account_settings_equal(&settings, &reloaded), "settings changed on save");
  return 0;
}
