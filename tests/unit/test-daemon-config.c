/* daemon-config: offlinemgrd.conf's [Policy] values, their ranges, and what happens to a
 * file that is missing or wrong (reported with the file and key; nothing changes). */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon-config.h"
#include "errors.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp("om-config-XXXXXX", NULL);
  g_assert_nonnull(f->dir);
  f->path = g_build_filename(f->dir, "offlinemgrd.conf", NULL);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  g_unlink(f->path);
  g_rmdir(f->dir);
  g_free(f->dir);
  g_free(f->path);
}

static void
write_config(Fixture *f, const char *text)
{
  g_assert_true(g_file_set_contents(f->path, text, -1, NULL));
}

static void
assert_config(const OmDaemonConfig *c, guint offline, guint online, guint probe)
{
  g_assert_cmpuint(c->offline_delay_ms, ==, offline);
  g_assert_cmpuint(c->online_delay_ms, ==, online);
  g_assert_cmpuint(c->probe_timeout_ms, ==, probe);
}

static void
test_defaults(Fixture *f, gconstpointer data)
{
  OmDaemonConfig c;
  g_autoptr(GError) error = NULL;

  om_daemon_config_init(&c);
  assert_config(&c, 500, 1000, 5000);
  /* A missing file resets to the defaults. */
  c.offline_delay_ms = 1;
  g_assert_true(om_daemon_config_load(&c, f->path, &error));
  g_assert_no_error(error);
  assert_config(&c, 500, 1000, 5000);
}

static void
test_values(Fixture *f, gconstpointer data)
{
  OmDaemonConfig c;
  g_autoptr(GError) error = NULL;

  om_daemon_config_init(&c);
  write_config(f, "# tuned\n[Policy]\nOfflineDelayMs=0\nOnlineDelayMs= 250 \n"
                  "ProbeTimeoutMs=100\nSomethingElse=x\n[Other]\nOfflineDelayMs=junk\n");
  g_assert_true(om_daemon_config_load(&c, f->path, &error));
  g_assert_no_error(error);
  assert_config(&c, 0, 250, 100);

  /* The limits themselves are allowed. */
  write_config(f, "[Policy]\nOfflineDelayMs=600000\nOnlineDelayMs=600000\n"
                  "ProbeTimeoutMs=60000\n");
  g_assert_true(om_daemon_config_load(&c, f->path, &error));
  assert_config(&c, OM_DELAY_MAX_MS, OM_DELAY_MAX_MS, OM_PROBE_TIMEOUT_MAX_MS);

  /* Keys left out take their defaults, not the previous file's values. */
  write_config(f, "[Policy]\nOnlineDelayMs=7\n");
  g_assert_true(om_daemon_config_load(&c, f->path, &error));
  assert_config(&c, 500, 7, 5000);

  /* An empty file, or one without [Policy], is all defaults. */
  write_config(f, "");
  g_assert_true(om_daemon_config_load(&c, f->path, &error));
  assert_config(&c, 500, 1000, 5000);
  g_assert_true(c.source_goa);
  g_assert_true(c.source_eds);
}

/* [Sources] turns each account source off, and a file without the key turns it on. */
static void
test_sources(Fixture *f, gconstpointer data)
{
  OmDaemonConfig c;
  g_autoptr(GError) error = NULL;

  om_daemon_config_init(&c);
  write_config(f, "[Sources]\nGnomeOnlineAccounts=false\nEvolutionDataServer= true \n");
  g_assert_true(om_daemon_config_load(&c, f->path, &error));
  g_assert_no_error(error);
  g_assert_false(c.source_goa);
  g_assert_true(c.source_eds);

  write_config(f, "[Sources]\nEvolutionDataServer=false\n");
  g_assert_true(om_daemon_config_load(&c, f->path, &error));
  g_assert_true(c.source_goa);
  g_assert_false(c.source_eds);

  /* A bad value keeps the previous choice. */
  write_config(f, "[Sources]\nGnomeOnlineAccounts=false\nEvolutionDataServer=maybe\n");
  g_assert_false(om_daemon_config_load(&c, f->path, &error));
  g_assert_true(c.source_goa);
  g_assert_false(c.source_eds);
}

/* A bad value is reported with the file and the key, and the configuration stays. */
static void
test_bad_values(Fixture *f, gconstpointer data)
{
  static const struct {
    const char *text, *named;
  } cases[] = {
    { "[Policy]\nOfflineDelayMs=600001\n", "OfflineDelayMs" },
    { "[Policy]\nOfflineDelayMs=-1\n", "OfflineDelayMs" },
    { "[Policy]\nOfflineDelayMs=0.5\n", "OfflineDelayMs" },
    { "[Policy]\nOfflineDelayMs=\n", "OfflineDelayMs" },
    { "[Policy]\nOnlineDelayMs=1s\n", "OnlineDelayMs" },
    { "[Policy]\nOnlineDelayMs=99999999999999999999\n", "OnlineDelayMs" },
    { "[Policy]\nProbeTimeoutMs=99\n", "ProbeTimeoutMs" },
    { "[Policy]\nProbeTimeoutMs=0\n", "ProbeTimeoutMs" },
    { "[Policy]\nProbeTimeoutMs=60001\n", "ProbeTimeoutMs" },
    { "[Policy]\nOnlineDelayMs=5\nOfflineDelayMs=x\n", "OfflineDelayMs" },
    { "[Sources]\nGnomeOnlineAccounts=no\n", "GnomeOnlineAccounts" },
    { "[Sources]\nEvolutionDataServer=\n", "EvolutionDataServer" },
    { "[Policy\nOfflineDelayMs=1\n", "offlinemgrd.conf" },
    { "OfflineDelayMs=1\n", "offlinemgrd.conf" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    OmDaemonConfig c = { .offline_delay_ms = 11, .online_delay_ms = 22, .probe_timeout_ms = 333 };
    g_autoptr(GError) error = NULL;

    g_test_message("case %" G_GSIZE_FORMAT ": %s", i, cases[i].text);
    write_config(f, cases[i].text);
    g_assert_false(om_daemon_config_load(&c, f->path, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, f->path));
    if (strstr(error->message, cases[i].named) == NULL)
      g_error("case %" G_GSIZE_FORMAT ": the error does not name %s: %s", i, cases[i].named,
              error->message);
    assert_config(&c, 11, 22, 333);
  }
}

static void
test_unreadable(Fixture *f, gconstpointer data)
{
  OmDaemonConfig c = { .offline_delay_ms = 11, .online_delay_ms = 22, .probe_timeout_ms = 333 };
  g_autofree char *big = g_strnfill(64 * 1024 + 1, '#');
  g_autoptr(GError) error = NULL;

  write_config(f, big);
  g_assert_false(om_daemon_config_load(&c, f->path, &error));
  g_assert_nonnull(strstr(error->message, "larger than"));
  assert_config(&c, 11, 22, 333);
  g_clear_error(&error);

  g_unlink(f->path);
  g_assert_cmpint(g_mkdir(f->path, 0700), ==, 0);
  g_assert_false(om_daemon_config_load(&c, f->path, &error));
  g_assert_nonnull(strstr(error->message, "not a regular file"));
  assert_config(&c, 11, 22, 333);
  g_rmdir(f->path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) \
  g_test_add("/daemon-config/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("defaults", test_defaults);
  ADD("values", test_values);
  ADD("sources", test_sources);
  ADD("bad-values", test_bad_values);
  ADD("unreadable", test_unreadable);
#undef ADD
  return g_test_run();
}
