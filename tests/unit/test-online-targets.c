/* The online targets' unit names: the account id escaped as `systemd-escape` does (the
 * name a sync service's BindsTo=offlinemgr-online@%i.target resolves to), checked by
 * table and, where it is installed, against systemd-escape itself. */
#include <glib.h>

#include "online-targets.h"

static const struct {
  const char *id;
  const char *unit;
} names[] = {
  { NULL, "offlinemgr-online.target" },
  { "work", "offlinemgr-online@work.target" },
  { "Work2", "offlinemgr-online@Work2.target" },
  { "9lives", "offlinemgr-online@9lives.target" },
  { "my-mail", "offlinemgr-online@my\\x2dmail.target" },
  { "a.b_c", "offlinemgr-online@a.b_c.target" },
  { ".hidden", "offlinemgr-online@\\x2ehidden.target" },
  { "..", "offlinemgr-online@\\x2e..target" },
  { "-", "offlinemgr-online@\\x2d.target" },
  { "x/y", "offlinemgr-online@x-y.target" },
  { "a b\\c", "offlinemgr-online@a\\x20b\\x5cc.target" },
  { "caf\xc3\xa9", "offlinemgr-online@caf\\xc3\\xa9.target" },
};

static void
test_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *unit = om_online_targets_unit_name(names[i].id);

    g_assert_cmpstr(unit, ==, names[i].unit);
  }
}

/* Every id shape an account can have ([A-Za-z0-9_.-], 1-64 characters), and the table's,
 * as systemd-escape prints them. */
static void
test_matches_systemd_escape(void)
{
  const char *ids[] = { "work", "my-mail", ".hidden", "a.b_c", "-x-", "_", "9", "a..b.",
                        "A-Za-z0-9_.-", "..", "x/y", "a b\\c" };
  g_autofree char *program = g_find_program_in_path("systemd-escape");

  if (program == NULL) {
    g_test_skip("systemd-escape is not installed");
    return;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
    const char *argv[] = { program, "--template=offlinemgr-online@.target", "--", ids[i], NULL };
    g_autofree char *out = NULL;
    g_autofree char *unit = om_online_targets_unit_name(ids[i]);
    g_autoptr(GError) error = NULL;
    int status;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               NULL, &status, &error));
    g_assert_no_error(error);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_strchomp(out);
    g_assert_cmpstr(unit, ==, out);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/online-targets/unit-names", test_table);
  g_test_add_func("/online-targets/systemd-escape", test_matches_systemd_escape);
  return g_test_run();
}
