#include "network-snapshot.h"

void
om_active_connection_free(OmActiveConnection *c)
{
  if (c == NULL)
    return;
  g_free(c->id);
  g_free(c->uuid);
  g_free(c->type);
  g_free(c);
}

void
om_network_snapshot_init(OmNetworkSnapshot *s)
{
  *s = (OmNetworkSnapshot){
    .backend = OM_BACKEND_NONE,
    .networking_enabled = TRUE,
    .active = g_ptr_array_new_with_free_func((GDestroyNotify)om_active_connection_free),
  };
}

void
om_network_snapshot_clear(OmNetworkSnapshot *s)
{
  g_clear_pointer(&s->active, g_ptr_array_unref);
}

void
om_network_snapshot_copy(OmNetworkSnapshot *dest, const OmNetworkSnapshot *src)
{
  *dest = *src;
  dest->active = g_ptr_array_new_full(src->active->len,
                                      (GDestroyNotify)om_active_connection_free);
  for (guint i = 0; i < src->active->len; i++) {
    const OmActiveConnection *c = g_ptr_array_index(src->active, i);
    OmActiveConnection *copy = g_new(OmActiveConnection, 1);

    *copy = *c;
    copy->id = g_strdup(c->id);
    copy->uuid = g_strdup(c->uuid);
    copy->type = g_strdup(c->type);
    g_ptr_array_add(dest->active, copy);
  }
}

gboolean
om_network_snapshot_network_equal(const OmNetworkSnapshot *a, const OmNetworkSnapshot *b)
{
  if (a->backend != b->backend || a->nm_state != b->nm_state ||
      a->connectivity != b->connectivity || a->metered != b->metered ||
      a->networking_enabled != b->networking_enabled ||
      a->default_route != b->default_route || a->active->len != b->active->len)
    return FALSE;
  for (guint i = 0; i < a->active->len; i++) {
    const OmActiveConnection *x = g_ptr_array_index(a->active, i);
    const OmActiveConnection *y = g_ptr_array_index(b->active, i);

    if (g_strcmp0(x->id, y->id) != 0 || g_strcmp0(x->uuid, y->uuid) != 0 ||
        g_strcmp0(x->type, y->type) != 0 || x->state != y->state || x->vpn != y->vpn)
      return FALSE;
  }
  return TRUE;
}

gboolean
om_network_snapshot_is_metered(const OmNetworkSnapshot *s)
{
  return s->metered == OM_NM_METERED_YES || s->metered == OM_NM_METERED_GUESS_YES;
}

gboolean
om_active_connection_is_listed(const OmActiveConnection *c)
{
  return c->state == OM_NM_ACTIVE_CONNECTION_STATE_ACTIVATED && c->id != NULL;
}

/* The next listed connection of @s from *@i on, or NULL; *@i moves past it. */
static const OmActiveConnection *
next_listed(const OmNetworkSnapshot *s, guint *i)
{
  while (*i < s->active->len) {
    const OmActiveConnection *c = g_ptr_array_index(s->active, (*i)++);

    if (om_active_connection_is_listed(c))
      return c;
  }
  return NULL;
}

static gboolean
listed_ids_equal(const OmNetworkSnapshot *a, const OmNetworkSnapshot *b)
{
  guint i = 0, j = 0;

  for (;;) {
    const OmActiveConnection *x = next_listed(a, &i), *y = next_listed(b, &j);

    if (x == NULL || y == NULL)
      return x == y;
    if (!g_str_equal(x->id, y->id))
      return FALSE;
  }
}

OmNetworkFacts
om_network_snapshot_diff(const OmNetworkSnapshot *a, const OmNetworkSnapshot *b)
{
  OmNetworkFacts changed = 0;

  if (a->backend != b->backend)
    changed |= OM_NETWORK_FACT_BACKEND;
  if (a->nm_state != b->nm_state)
    changed |= OM_NETWORK_FACT_NM_STATE;
  if (a->connectivity != b->connectivity)
    changed |= OM_NETWORK_FACT_CONNECTIVITY;
  if (om_network_snapshot_is_metered(a) != om_network_snapshot_is_metered(b))
    changed |= OM_NETWORK_FACT_METERED;
  if (!listed_ids_equal(a, b))
    changed |= OM_NETWORK_FACT_ACTIVE_IDS;
  return changed;
}

const char *
om_backend_to_string(OmBackend backend)
{
  switch (backend) {
  case OM_BACKEND_NETWORKMANAGER:
    return "networkmanager";
  case OM_BACKEND_NETLINK:
    return "netlink";
  case OM_BACKEND_NONE:
    break;
  }
  return "none";
}
