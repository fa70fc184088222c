/* The GIO module's entry points (libgioofflinemgr.so): GIO finds them by the file's
 * name, g_io_<name>_load, _unload and _query. */
#include <gio/gio.h>

#include "network-monitor.h"

G_MODULE_EXPORT void g_io_offlinemgr_load(GIOModule *module);
G_MODULE_EXPORT void g_io_offlinemgr_unload(GIOModule *module);
G_MODULE_EXPORT char **g_io_offlinemgr_query(void);

void
g_io_offlinemgr_load(GIOModule *module)
{
  /* Never unloaded: GDBus may still run the connection filter, or a GSource of ours,
   * after the last monitor is gone, and that code must stay mapped. */
  g_type_module_use(G_TYPE_MODULE(module));
  om_gio_network_monitor_register(module);
}

void
g_io_offlinemgr_unload(GIOModule *module)
{
}

char **
g_io_offlinemgr_query(void)
{
  const char *const extension_points[] = { G_NETWORK_MONITOR_EXTENSION_POINT_NAME, NULL };

  return g_strdupv((char **)extension_points);
}
