/* A copy of another service's objects, read from its org.freedesktop.DBus.ObjectManager
 * on an sd-bus connection and kept current from its signals.
 *
 * Only the interfaces and properties named in the spec are kept, as strings, booleans
 * or unsigned integers. The service is never started: its name is watched
 * (NameOwnerChanged and GetNameOwner), every call goes to its current unique name with
 * auto-start off, and signals from anyone else are ignored. Every call is asynchronous
 * and bounded: an owner that does not answer GetManagedObjects in time, or fails it, is
 * given up on (STALLED) until the name changes hands. Nothing here polls: with nothing
 * changing on the bus, the mirror causes no wakeups. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

typedef struct OmObjectMirror OmObjectMirror;
typedef struct OmMirrorObject OmMirrorObject;

typedef enum {
  OM_MIRROR_UNKNOWN,  /* the bus has not said yet whether the name has an owner */
  OM_MIRROR_ABSENT,   /* nobody owns the name */
  OM_MIRROR_READING,  /* GetManagedObjects is under way */
  OM_MIRROR_UP,       /* the objects are current and followed */
  OM_MIRROR_STALLED,  /* the owner did not answer in time, or failed; waiting for another */
} OmMirrorStatus;

/* A property to keep; @type is 's', 'b' or 'u'. A value of another type, or a string
 * longer than OM_MIRROR_STRING_MAX, is logged and kept as absent. */
typedef struct {
  const char *interface;
  const char *name;
  char type;
} OmMirrorProperty;

#define OM_MIRROR_STRING_MAX (64 * 1024)  /* bytes of one string property */
#define OM_MIRROR_OBJECTS_MAX 65536       /* objects kept; more are logged and ignored */

typedef struct {
  const char *service;       /* for logs: "GNOME Online Accounts" */
  const char *bus_name;
  const char *manager_path;  /* the ObjectManager; objects are under it */
  const char *const *interfaces;  /* NULL-terminated; an object is kept while it has one */
  const OmMirrorProperty *properties;
  guint n_properties;
} OmMirrorSpec;

typedef struct {
  /* The status changed. On READING → UP the mirror holds a new complete set of objects
   * (it is emptied, silently, whenever the name changes hands). */
  void (*status_changed)(OmObjectMirror *mirror, gpointer user_data);
  /* While UP: an object appeared, or its interfaces or kept properties changed. */
  void (*object_changed)(OmObjectMirror *mirror, const OmMirrorObject *object,
                         gpointer user_data);
  /* While UP: an object lost its last kept interface; @object is still readable during
   * the call, with its last values. */
  void (*object_removed)(OmObjectMirror *mirror, const OmMirrorObject *object,
                         gpointer user_data);
} OmMirrorCallbacks;

/* Starts following @spec->bus_name on @bus (referenced). @spec and @callbacks must
 * outlive the mirror. Returns NULL with a negative errno in @error_out when the match
 * rules cannot even be queued. */
OmObjectMirror *om_object_mirror_new(sd_bus *bus, const OmMirrorSpec *spec,
                                     const OmMirrorCallbacks *callbacks, gpointer user_data,
                                     int *error_out);
void om_object_mirror_free(OmObjectMirror *mirror);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmObjectMirror, om_object_mirror_free)

/* How long a call may take before the owner counts as not answering (default 5 s). */
void om_object_mirror_set_timeout(OmObjectMirror *mirror, guint64 usec);

OmMirrorStatus om_object_mirror_get_status(OmObjectMirror *mirror);
const char *om_mirror_status_to_string(OmMirrorStatus status);
const OmMirrorSpec *om_object_mirror_get_spec(OmObjectMirror *mirror);

/* The objects, path → OmMirrorObject*; owned by the mirror, valid until it next
 * processes a message. */
GHashTable *om_object_mirror_get_objects(OmObjectMirror *mirror);

const char *om_mirror_object_get_path(const OmMirrorObject *object);
/* Whether the object has the interface spec->interfaces[@index]. */
gboolean om_mirror_object_has_interface(const OmMirrorObject *object, guint index);
/* The value of spec->properties[@index]; FALSE when the object does not have it. */
gboolean om_mirror_object_get_string(const OmMirrorObject *object, guint index,
                                     const char **value);
gboolean om_mirror_object_get_boolean(const OmMirrorObject *object, guint index,
                                      gboolean *value);
gboolean om_mirror_object_get_uint32(const OmMirrorObject *object, guint index,
                                     guint32 *value);
