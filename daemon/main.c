/* offlinemgrd: keeps each mail account's ONLINE/OFFLINE state and publishes it on the
 * session bus as org.offlinemgr.OfflineMgr1. */
#include <locale.h>
#include <stdio.h>

#include <glib.h>

#include "config.h"
#include "daemon.h"

int
main(int argc, char **argv)
{
  gboolean replace = FALSE, verbose = FALSE, version = FALSE;
  const GOptionEntry entries[] = {
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
      "Replace a running instance", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new(NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmDaemon) daemon = NULL;

  setlocale(LC_ALL, "");
  g_option_context_set_summary(context,
                               "Keeps each mail account's ONLINE/OFFLINE state and "
                               "publishes it on the session bus.");
  g_option_context_add_main_entries(context, entries, NULL);
  if (!g_option_context_parse(context, &argc, &argv, &error)) {
    g_printerr("%s\n", error->message);
    return 2;
  }
  if (version) {
    printf("offlinemgrd %s\n", OM_VERSION);
    return 0;
  }
  if (verbose)
    g_log_set_debug_enabled(TRUE);

  daemon = om_daemon_new(&(OmDaemonOptions){ .replace = replace });
  return om_daemon_run(daemon);
}
