#include "bus-util.h"

#include <errno.h>

int
om_bus_read_dict(sd_bus_message *m, guint max_entries, OmBusDictEntryFunc func,
                 gpointer user_data)
{
  int r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");

  if (r < 0)
    return r;
  if (max_entries > 0) {
    guint n = 0;

    while ((r = sd_bus_message_skip(m, "{sv}")) > 0)
      if (++n > max_entries)
        return -E2BIG;
    if (r < 0 || (r = sd_bus_message_rewind(m, FALSE)) < 0)
      return r;
  }
  while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
    const char *key;

    r = sd_bus_message_read(m, "s", &key);
    if (r < 0)
      return r;
    r = func(key, m, user_data);
    if (r < 0)
      return r;
    r = sd_bus_message_exit_container(m);
    if (r < 0)
      return r;
  }
  if (r < 0)
    return r;
  return sd_bus_message_exit_container(m);
}
