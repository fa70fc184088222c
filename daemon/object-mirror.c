#include "object-mirror.h"

#include <errno.h>
#include <string.h>

#include "bus-name-watch.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)

#define OBJECT_MANAGER_IFACE "org.freedesktop.DBus.ObjectManager"
#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"

/* GOA and EDS answer GetManagedObjects in milliseconds, even with hundreds of objects. */
#define DEFAULT_TIMEOUT_USEC (5 * G_USEC_PER_SEC)

/* Interfaces are a bit set in a guint32. */
#define INTERFACES_MAX 32

typedef struct {
  gboolean set;
  char *s;
  guint32 u;
  gboolean b;
} Value;

struct OmMirrorObject {
  char *path;
  guint32 interfaces;
  Value *values;  /* spec->n_properties */
};

/* A GetAll of one interface of one object, after the service invalidated a property. */
typedef struct {
  OmObjectMirror *mirror;
  char *path;
  guint interface;
  sd_bus_slot *slot;
} Refresh;

struct OmObjectMirror {
  sd_bus *bus;
  const OmMirrorSpec *spec;
  const OmMirrorCallbacks *callbacks;
  gpointer user_data;
  OmBusNameWatch *watch;
  sd_bus_slot *manager_match;
  sd_bus_slot *properties_matches[INTERFACES_MAX];
  char *owner;
  OmMirrorStatus status;
  guint64 timeout_usec;
  sd_bus_slot *read_call;   /* GetManagedObjects in flight */
  GHashTable *objects;      /* path → OmMirrorObject*, owned */
  GHashTable *refreshes;    /* set of Refresh*, owned */
  gboolean warned_too_many;
};

static const char *const status_names[] = {
  [OM_MIRROR_UNKNOWN] = "unknown",
  [OM_MIRROR_ABSENT] = "absent",
  [OM_MIRROR_READING] = "reading",
  [OM_MIRROR_UP] = "up",
  [OM_MIRROR_STALLED] = "stalled",
};

const char *
om_mirror_status_to_string(OmMirrorStatus status)
{
  return status_names[status];
}

static guint
n_interfaces(const OmMirrorSpec *spec)
{
  guint n = 0;

  while (spec->interfaces[n] != NULL)
    n++;
  return n;
}

static int
interface_index(const OmMirrorSpec *spec, const char *name)
{
  for (guint i = 0; spec->interfaces[i] != NULL; i++)
    if (g_str_equal(spec->interfaces[i], name))
      return (int)i;
  return -1;
}

static int
property_index(const OmMirrorSpec *spec, guint interface, const char *name)
{
  for (guint i = 0; i < spec->n_properties; i++)
    if (g_str_equal(spec->properties[i].interface, spec->interfaces[interface]) &&
        g_str_equal(spec->properties[i].name, name))
      return (int)i;
  return -1;
}

static void
value_clear(Value *v)
{
  g_clear_pointer(&v->s, g_free);
  v->set = FALSE;
}

static OmMirrorObject *
object_new(const OmMirrorSpec *spec, const char *path)
{
  OmMirrorObject *o = g_new0(OmMirrorObject, 1);

  o->path = g_strdup(path);
  o->values = g_new0(Value, spec->n_properties);
  return o;
}

static void
object_free(OmMirrorObject *o, guint n_properties)
{
  for (guint i = 0; i < n_properties; i++)
    value_clear(&o->values[i]);
  g_free(o->values);
  g_free(o->path);
  g_free(o);
}

static void
clear_interface(const OmMirrorSpec *spec, OmMirrorObject *o, guint interface)
{
  for (guint i = 0; i < spec->n_properties; i++)
    if (g_str_equal(spec->properties[i].interface, spec->interfaces[interface]))
      value_clear(&o->values[i]);
}

/* Keyed by the objects' own paths; objects_destroy() frees them (it needs the spec). */
static GHashTable *
objects_new(void)
{
  return g_hash_table_new(g_str_hash, g_str_equal);
}

static void
objects_destroy(OmObjectMirror *m, GHashTable *objects)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, objects);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    object_free(value, m->spec->n_properties);
  g_hash_table_unref(objects);
}

static void
refresh_free(Refresh *r)
{
  sd_bus_slot_unref(r->slot);
  g_free(r->path);
  g_free(r);
}

static void
set_status(OmObjectMirror *m, OmMirrorStatus status)
{
  if (m->status == status)
    return;
  m->status = status;
  m->callbacks->status_changed(m, m->user_data);
}

/* ---- reading properties ---- */

/* Reads the variant at the read position into property @index, or logs and leaves it
 * absent when its type or size is not what the spec says. */
static int
read_value(OmObjectMirror *m, sd_bus_message *msg, OmMirrorObject *o, guint index)
{
  const OmMirrorProperty *p = &m->spec->properties[index];
  Value *v = &o->values[index];
  char signature[2] = { p->type, '\0' };
  const char *contents;
  char type;
  int r;

  value_clear(v);
  r = sd_bus_message_peek_type(msg, &type, &contents);
  if (r < 0)
    return r;
  if (type != SD_BUS_TYPE_VARIANT || !g_str_equal(contents, signature)) {
    g_warning("%s: %s: %s has type '%s', expected '%s'; ignored", m->spec->service, o->path,
              p->name, contents ? contents : "?", signature);
    return sd_bus_message_skip(msg, "v");
  }
  r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_VARIANT, signature);
  if (r < 0)
    return r;
  switch (p->type) {
  case 's': {
    const char *s;
    r = sd_bus_message_read_basic(msg, 's', &s);
    if (r < 0)
      return r;
    if (strlen(s) > OM_MIRROR_STRING_MAX) {
      g_warning("%s: %s: %s is longer than %d bytes; ignored", m->spec->service, o->path,
                p->name, OM_MIRROR_STRING_MAX);
      break;
    }
    v->s = g_strdup(s);
    v->set = TRUE;
    break;
  }
  case 'b': {
    int b;
    r = sd_bus_message_read_basic(msg, 'b', &b);
    if (r < 0)
      return r;
    v->b = b != 0;
    v->set = TRUE;
    break;
  }
  case 'u': {
    uint32_t u;
    r = sd_bus_message_read_basic(msg, 'u', &u);
    if (r < 0)
      return r;
    v->u = u;
    v->set = TRUE;
    break;
  }
  default:
    g_assert_not_reached();
  }
  return sd_bus_message_exit_container(msg);
}

/* Reads an a{sv} of interface @interface into @o; sets *@changed when it held a kept
 * property. */
static int
read_properties(OmObjectMirror *m, sd_bus_message *msg, OmMirrorObject *o, guint interface,
                gboolean *changed)
{
  int r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_ARRAY, "{sv}");

  if (r < 0)
    return r;
  while ((r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
    const char *name;
    int index;

    r = sd_bus_message_read_basic(msg, 's', &name);
    if (r < 0)
      return r;
    index = property_index(m->spec, interface, name);
    if (index < 0) {
      r = sd_bus_message_skip(msg, "v");
    } else {
      r = read_value(m, msg, o, (guint)index);
      *changed = TRUE;
    }
    if (r < 0)
      return r;
    r = sd_bus_message_exit_container(msg);
    if (r < 0)
      return r;
  }
  if (r < 0)
    return r;
  return sd_bus_message_exit_container(msg);
}

/* Reads an a{sa{sv}} (interfaces and their properties) into @o: the kept interfaces
 * are added, with exactly the properties given. Sets *@changed when a kept interface
 * was among them. */
static int
read_interfaces(OmObjectMirror *m, sd_bus_message *msg, OmMirrorObject *o, gboolean *changed)
{
  int r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_ARRAY, "{sa{sv}}");

  if (r < 0)
    return r;
  while ((r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_DICT_ENTRY, "sa{sv}")) > 0) {
    const char *name;
    int index;

    r = sd_bus_message_read_basic(msg, 's', &name);
    if (r < 0)
      return r;
    index = interface_index(m->spec, name);
    if (index < 0) {
      r = sd_bus_message_skip(msg, "a{sv}");
    } else {
      o->interfaces |= 1u << index;
      clear_interface(m->spec, o, (guint)index);
      *changed = TRUE;
      r = read_properties(m, msg, o, (guint)index, changed);
    }
    if (r < 0)
      return r;
    r = sd_bus_message_exit_container(msg);
    if (r < 0)
      return r;
  }
  if (r < 0)
    return r;
  return sd_bus_message_exit_container(msg);
}

/* Whether one more object may be kept; warns once when not. */
static gboolean
room_for_one_more(OmObjectMirror *m, GHashTable *objects)
{
  if (g_hash_table_size(objects) < OM_MIRROR_OBJECTS_MAX)
    return TRUE;
  if (!m->warned_too_many)
    g_warning("%s has more than %d objects; ignoring the others", m->spec->service,
              OM_MIRROR_OBJECTS_MAX);
  m->warned_too_many = TRUE;
  return FALSE;
}

/* ---- calls ---- */

static int
new_call(OmObjectMirror *m, sd_bus_message **ret, const char *path, const char *iface,
         const char *member)
{
  int r = sd_bus_message_new_method_call(m->bus, ret, m->owner, path, iface, member);

  /* The destination is a unique name, which never activates anything; this says so
   * once more. */
  if (r >= 0)
    r = sd_bus_message_set_auto_start(*ret, 0);
  return r;
}

static char *
call_failure(OmObjectMirror *m, const sd_bus_error *error)
{
  if (sd_bus_error_has_name(error, SD_BUS_ERROR_NO_REPLY))
    return g_strdup_printf("no answer within %.1f s", (double)m->timeout_usec / G_USEC_PER_SEC);
  return g_strdup_printf("%s: %s", error->name, error->message ? error->message : "");
}

static int
on_refresh_reply(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
  Refresh *refresh = userdata;
  OmObjectMirror *m = refresh->mirror;
  const sd_bus_error *error = sd_bus_message_get_error(msg);
  OmMirrorObject *o = g_hash_table_lookup(m->objects, refresh->path);
  gboolean changed = FALSE;

  if (o != NULL && (o->interfaces & (1u << refresh->interface))) {
    int r = 0;

    clear_interface(m->spec, o, refresh->interface);
    if (error != NULL) {
      g_autofree char *why = call_failure(m, error);
      g_warning("%s: cannot read %s of %s again: %s", m->spec->service,
                m->spec->interfaces[refresh->interface], refresh->path, why);
    } else {
      r = read_properties(m, msg, o, refresh->interface, &changed);
      if (r < 0)
        g_warning("%s: malformed properties of %s: %s", m->spec->service, refresh->path,
                  g_strerror(-r));
    }
    m->callbacks->object_changed(m, o, m->user_data);
  }
  g_hash_table_remove(m->refreshes, refresh);
  return 0;
}

/* Reads an interface of an object again, after the service invalidated a property
 * (its value is kept until the answer comes). */
static void
refresh(OmObjectMirror *m, const char *path, guint interface)
{
  g_autoptr(sd_bus_message) call = NULL;
  Refresh *r = g_new0(Refresh, 1);
  int err;

  r->mirror = m;
  r->path = g_strdup(path);
  r->interface = interface;
  err = new_call(m, &call, path, PROPERTIES_IFACE, "GetAll");
  if (err >= 0)
    err = sd_bus_message_append(call, "s", m->spec->interfaces[interface]);
  if (err >= 0)
    err = sd_bus_call_async(m->bus, &r->slot, call, on_refresh_reply, r, m->timeout_usec);
  if (err < 0) {
    g_warning("%s: cannot ask for the properties of %s: %s", m->spec->service, path,
              g_strerror(-err));
    refresh_free(r);
    return;
  }
  g_hash_table_add(m->refreshes, r);
}

static int
on_managed_objects(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
  OmObjectMirror *m = userdata;
  const sd_bus_error *error = sd_bus_message_get_error(msg);
  GHashTable *objects;
  int r;

  m->read_call = sd_bus_slot_unref(m->read_call);
  if (error != NULL) {
    g_autofree char *why = call_failure(m, error);
    g_warning("%s (%s) does not answer GetManagedObjects (%s); giving up until it restarts",
              m->spec->service, m->owner, why);
    set_status(m, OM_MIRROR_STALLED);
    return 0;
  }

  objects = objects_new();
  r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_ARRAY, "{oa{sa{sv}}}");
  while (r >= 0 &&
         (r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_DICT_ENTRY, "oa{sa{sv}}")) > 0) {
    const char *path;
    OmMirrorObject *o;
    gboolean changed = FALSE;

    r = sd_bus_message_read_basic(msg, 'o', &path);
    if (r < 0)
      break;
    if (g_hash_table_contains(objects, path) || !room_for_one_more(m, objects)) {
      r = sd_bus_message_skip(msg, "a{sa{sv}}");
    } else {
      o = object_new(m->spec, path);
      r = read_interfaces(m, msg, o, &changed);
      if (o->interfaces != 0)
        g_hash_table_insert(objects, o->path, o);
      else
        object_free(o, m->spec->n_properties);
    }
    if (r >= 0)
      r = sd_bus_message_exit_container(msg);
  }
  if (r >= 0)
    r = sd_bus_message_exit_container(msg);
  if (r < 0) {
    g_warning("%s (%s) sent a malformed GetManagedObjects reply (%s); giving up until it "
              "restarts", m->spec->service, m->owner, g_strerror(-r));
    objects_destroy(m, objects);
    set_status(m, OM_MIRROR_STALLED);
    return 0;
  }
  objects_destroy(m, m->objects);
  m->objects = objects;
  g_message("%s is on the session bus (%s): %u objects read", m->spec->service, m->owner,
            g_hash_table_size(objects));
  set_status(m, OM_MIRROR_UP);
  return 0;
}

static void
start_read(OmObjectMirror *m)
{
  g_autoptr(sd_bus_message) call = NULL;
  int r;

  r = new_call(m, &call, m->spec->manager_path, OBJECT_MANAGER_IFACE, "GetManagedObjects");
  if (r >= 0)
    r = sd_bus_call_async(m->bus, &m->read_call, call, on_managed_objects, m,
                          m->timeout_usec);
  if (r < 0) {
    g_warning("%s: cannot ask for its objects: %s", m->spec->service, g_strerror(-r));
    set_status(m, OM_MIRROR_STALLED);
  }
}

/* ---- signals ---- */

/* Signals count only once the objects are read, and only from the current owner: the
 * GetManagedObjects reply already holds everything signalled before it. */
static gboolean
following(OmObjectMirror *m, sd_bus_message *msg)
{
  return m->status == OM_MIRROR_UP &&
         g_strcmp0(sd_bus_message_get_sender(msg), m->owner) == 0;
}

static void
on_interfaces_added(OmObjectMirror *m, sd_bus_message *msg)
{
  const char *path;
  OmMirrorObject *o;
  gboolean is_new, changed = FALSE;
  int r;

  if (sd_bus_message_read_basic(msg, 'o', &path) < 0)
    return;
  o = g_hash_table_lookup(m->objects, path);
  is_new = o == NULL;
  if (is_new) {
    if (!room_for_one_more(m, m->objects))
      return;
    o = object_new(m->spec, path);
  }
  r = read_interfaces(m, msg, o, &changed);
  if (r < 0)
    g_warning("%s: malformed InterfacesAdded for %s: %s", m->spec->service, path,
              g_strerror(-r));
  if (is_new) {
    if (o->interfaces == 0) {
      object_free(o, m->spec->n_properties);
      return;
    }
    g_hash_table_insert(m->objects, o->path, o);
  }
  if (changed)
    m->callbacks->object_changed(m, o, m->user_data);
}

static void
cancel_refreshes(OmObjectMirror *m, const char *path, guint32 interfaces)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init(&iter, m->refreshes);
  while (g_hash_table_iter_next(&iter, &key, NULL)) {
    Refresh *r = key;
    if (g_str_equal(r->path, path) && (interfaces & (1u << r->interface)))
      g_hash_table_iter_remove(&iter);
  }
}

static void
on_interfaces_removed(OmObjectMirror *m, sd_bus_message *msg)
{
  g_auto(GStrv) names = NULL;
  const char *path;
  OmMirrorObject *o;
  guint32 removed = 0;

  if (sd_bus_message_read_basic(msg, 'o', &path) < 0 ||
      sd_bus_message_read_strv(msg, &names) < 0)
    return;
  o = g_hash_table_lookup(m->objects, path);
  if (o == NULL)
    return;
  for (char **n = names; n != NULL && *n; n++) {
    int index = interface_index(m->spec, *n);
    if (index >= 0)
      removed |= 1u << index;
  }
  removed &= o->interfaces;
  if (removed == 0)
    return;
  cancel_refreshes(m, path, removed);
  if ((o->interfaces & ~removed) == 0) {
    /* Removed with its last values, which say what it was. */
    g_hash_table_steal(m->objects, path);
    m->callbacks->object_removed(m, o, m->user_data);
    object_free(o, m->spec->n_properties);
    return;
  }
  o->interfaces &= ~removed;
  for (guint i = 0; i < INTERFACES_MAX; i++)
    if (removed & (1u << i))
      clear_interface(m->spec, o, i);
  m->callbacks->object_changed(m, o, m->user_data);
}

static int
on_manager_signal(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
  OmObjectMirror *m = userdata;

  if (!following(m, msg) || g_strcmp0(sd_bus_message_get_path(msg), m->spec->manager_path) != 0)
    return 0;
  if (sd_bus_message_is_signal(msg, OBJECT_MANAGER_IFACE, "InterfacesAdded"))
    on_interfaces_added(m, msg);
  else if (sd_bus_message_is_signal(msg, OBJECT_MANAGER_IFACE, "InterfacesRemoved"))
    on_interfaces_removed(m, msg);
  return 0;
}

static int
on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
  OmObjectMirror *m = userdata;
  g_auto(GStrv) invalidated = NULL;
  const char *name;
  OmMirrorObject *o;
  gboolean changed = FALSE, stale = FALSE;
  int index, r;

  if (!following(m, msg) || sd_bus_message_read_basic(msg, 's', &name) < 0)
    return 0;
  index = interface_index(m->spec, name);
  o = g_hash_table_lookup(m->objects, sd_bus_message_get_path(msg));
  if (index < 0 || o == NULL || !(o->interfaces & (1u << index)))
    return 0;
  r = read_properties(m, msg, o, (guint)index, &changed);
  if (r >= 0)
    r = sd_bus_message_read_strv(msg, &invalidated);
  if (r < 0) {
    g_warning("%s: malformed PropertiesChanged for %s: %s", m->spec->service, o->path,
              g_strerror(-r));
    stale = TRUE;
  }
  for (char **i = invalidated; i != NULL && *i; i++)
    if (property_index(m->spec, (guint)index, *i) >= 0)
      stale = TRUE;
  if (stale) {
    cancel_refreshes(m, o->path, 1u << index);
    refresh(m, o->path, (guint)index);
  }
  if (changed)
    m->callbacks->object_changed(m, o, m->user_data);
  return 0;
}

static void
reset(OmObjectMirror *m)
{
  m->read_call = sd_bus_slot_unref(m->read_call);
  g_hash_table_remove_all(m->refreshes);
  objects_destroy(m, m->objects);
  m->objects = objects_new();
  m->warned_too_many = FALSE;
}

static void
on_owner_changed(OmBusNameWatch *watch, const char *owner, gpointer user_data)
{
  OmObjectMirror *m = user_data;

  if (m->owner != NULL)
    g_message("%s (%s) left the session bus", m->spec->service, m->owner);
  /* A new instance reuses object paths for other things: forget them all. */
  reset(m);
  g_free(m->owner);
  m->owner = g_strdup(owner);
  if (owner == NULL) {
    set_status(m, OM_MIRROR_ABSENT);
    return;
  }
  /* Set before the call, so that a failure to send it (STALLED) comes after. */
  set_status(m, OM_MIRROR_READING);
  start_read(m);
}

OmObjectMirror *
om_object_mirror_new(sd_bus *bus, const OmMirrorSpec *spec, const OmMirrorCallbacks *callbacks,
                     gpointer user_data, int *error_out)
{
  g_autoptr(OmObjectMirror) m = g_new0(OmObjectMirror, 1);
  g_autofree char *manager_rule = NULL;
  int r;

  g_return_val_if_fail(n_interfaces(spec) <= INTERFACES_MAX, NULL);
  m->bus = sd_bus_ref(bus);
  m->spec = spec;
  m->callbacks = callbacks;
  m->user_data = user_data;
  m->status = OM_MIRROR_UNKNOWN;
  m->timeout_usec = DEFAULT_TIMEOUT_USEC;
  m->objects = objects_new();
  m->refreshes = g_hash_table_new_full(NULL, NULL, (GDestroyNotify)refresh_free, NULL);

  /* Filtering on the sender and the interface keeps every other service's chatter off;
   * the match rules go out before GetNameOwner, so nothing is missed in between. */
  manager_rule = g_strdup_printf("type='signal',sender='%s',path='%s',interface='"
                                 OBJECT_MANAGER_IFACE "'", spec->bus_name, spec->manager_path);
  r = sd_bus_add_match_async(bus, &m->manager_match, manager_rule, on_manager_signal, NULL, m);
  for (guint i = 0; r >= 0 && spec->interfaces[i] != NULL; i++) {
    g_autofree char *rule = g_strdup_printf("type='signal',sender='%s',path_namespace='%s',"
                                            "interface='" PROPERTIES_IFACE "',"
                                            "member='PropertiesChanged',arg0='%s'",
                                            spec->bus_name, spec->manager_path,
                                            spec->interfaces[i]);
    r = sd_bus_add_match_async(bus, &m->properties_matches[i], rule, on_properties_changed,
                               NULL, m);
  }
  if (r >= 0)
    m->watch = om_bus_name_watch_new(bus, spec->bus_name, on_owner_changed, m, &r);
  if (r < 0) {
    *error_out = r;
    return NULL;
  }
  return g_steal_pointer(&m);
}

void
om_object_mirror_free(OmObjectMirror *m)
{
  if (m == NULL)
    return;
  om_bus_name_watch_free(m->watch);
  m->read_call = sd_bus_slot_unref(m->read_call);
  g_clear_pointer(&m->refreshes, g_hash_table_unref);
  objects_destroy(m, m->objects);
  sd_bus_slot_unref(m->manager_match);
  for (guint i = 0; i < INTERFACES_MAX; i++)
    sd_bus_slot_unref(m->properties_matches[i]);
  sd_bus_unref(m->bus);
  g_free(m->owner);
  g_free(m);
}

void
om_object_mirror_set_timeout(OmObjectMirror *m, guint64 usec)
{
  m->timeout_usec = usec;
}

OmMirrorStatus
om_object_mirror_get_status(OmObjectMirror *m)
{
  return m->status;
}

const OmMirrorSpec *
om_object_mirror_get_spec(OmObjectMirror *m)
{
  return m->spec;
}

GHashTable *
om_object_mirror_get_objects(OmObjectMirror *m)
{
  return m->objects;
}

const char *
om_mirror_object_get_path(const OmMirrorObject *o)
{
  return o->path;
}

gboolean
om_mirror_object_has_interface(const OmMirrorObject *o, guint index)
{
  return (o->interfaces & (1u << index)) != 0;
}

gboolean
om_mirror_object_get_string(const OmMirrorObject *o, guint index, const char **value)
{
  if (!o->values[index].set)
    return FALSE;
  *value = o->values[index].s;
  return TRUE;
}

gboolean
om_mirror_object_get_boolean(const OmMirrorObject *o, guint index, gboolean *value)
{
  if (!o->values[index].set)
    return FALSE;
  *value = o->values[index].b;
  return TRUE;
}

gboolean
om_mirror_object_get_uint32(const OmMirrorObject *o, guint index, guint32 *value)
{
  if (!o->values[index].set)
    return FALSE;
  *value = o->values[index].u;
  return TRUE;
}
