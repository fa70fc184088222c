#include "bus-name-watch.h"

#include <errno.h>

struct OmBusNameWatch {
  sd_bus *bus;
  char *name;
  sd_bus_slot *match;
  sd_bus_slot *call;   /* GetNameOwner in flight */
  gboolean known;
  char *owner;
  OmNameOwnerChanged changed;
  gpointer user_data;
};

static void
set_owner(OmBusNameWatch *w, const char *owner)
{
  if (owner != NULL && *owner == '\0')
    owner = NULL;
  if (w->known && g_strcmp0(w->owner, owner) == 0)
    return;
  w->known = TRUE;
  g_free(w->owner);
  w->owner = g_strdup(owner);
  g_debug("%s: %s", w->name, owner != NULL ? owner : "no owner");
  w->changed(w, owner, w->user_data);
}

static int
on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmBusNameWatch *w = userdata;
  const char *name, *old_owner, *new_owner;

  if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 ||
      !g_str_equal(name, w->name))
    return 0;
  /* The signal is newer than any GetNameOwner answer still to come. */
  w->call = sd_bus_slot_unref(w->call);
  set_owner(w, new_owner);
  return 0;
}

static int
on_get_name_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmBusNameWatch *w = userdata;
  const sd_bus_error *error = sd_bus_message_get_error(m);
  const char *owner = NULL;

  w->call = sd_bus_slot_unref(w->call);
  if (error != NULL) {
    if (!sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
      g_warning("Cannot ask who owns %s: %s", w->name, error->message);
  } else if (sd_bus_message_read(m, "s", &owner) < 0) {
    owner = NULL;
  }
  set_owner(w, owner);
  return 0;
}

OmBusNameWatch *
om_bus_name_watch_new(sd_bus *bus, const char *name, OmNameOwnerChanged changed,
                      gpointer user_data, int *error_out)
{
  g_autoptr(OmBusNameWatch) w = g_new0(OmBusNameWatch, 1);
  g_autofree char *rule = NULL;
  int r;

  w->bus = sd_bus_ref(bus);
  w->name = g_strdup(name);
  w->changed = changed;
  w->user_data = user_data;
  rule = g_strdup_printf("type='signal',sender='org.freedesktop.DBus',"
                         "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                         "member='NameOwnerChanged',arg0='%s'", name);
  r = sd_bus_add_match_async(bus, &w->match, rule, on_name_owner_changed, NULL, w);
  if (r >= 0)
    r = sd_bus_call_method_async(bus, &w->call, "org.freedesktop.DBus",
                                 "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                 "GetNameOwner", on_get_name_owner, w, "s", name);
  if (r < 0) {
    *error_out = r;
    return NULL;
  }
  return g_steal_pointer(&w);
}

void
om_bus_name_watch_free(OmBusNameWatch *w)
{
  if (w == NULL)
    return;
  sd_bus_slot_unref(w->match);
  sd_bus_slot_unref(w->call);
  sd_bus_unref(w->bus);
  g_free(w->name);
  g_free(w->owner);
  g_free(w);
}
