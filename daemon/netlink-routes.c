#include "netlink-routes.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

struct OmDefaultRoutes {
  GHashTable *set;  /* GBytes (a RouteKey) → itself */
};

/* What tells one default route from another; zero-filled, so it hashes as bytes. */
typedef struct {
  guint32 table;
  guint32 priority;
  gint32 oif;
  guint8 family;
  guint8 tos;
  guint8 gateway[16];
  guint8 pad[2];
} RouteKey;

OmDefaultRoutes *
om_default_routes_new(void)
{
  OmDefaultRoutes *routes = g_new0(OmDefaultRoutes, 1);

  routes->set = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                      (GDestroyNotify)g_bytes_unref, NULL);
  return routes;
}

void
om_default_routes_free(OmDefaultRoutes *routes)
{
  if (routes == NULL)
    return;
  g_hash_table_unref(routes->set);
  g_free(routes);
}

void
om_default_routes_clear(OmDefaultRoutes *routes)
{
  g_hash_table_remove_all(routes->set);
}

guint
om_default_routes_count(const OmDefaultRoutes *routes)
{
  return g_hash_table_size(routes->set);
}

/* Reads a route message into @key. FALSE: not a default unicast route, or malformed
 * (then *malformed is set). */
static gboolean
parse_route(const struct nlmsghdr *msg, RouteKey *key, gboolean *malformed)
{
  const struct rtmsg *rtm;
  const struct rtattr *attr;
  int attrlen;

  if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg))) {
    *malformed = TRUE;
    return FALSE;
  }
  rtm = NLMSG_DATA(msg);
  if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) || rtm->rtm_dst_len != 0 ||
      rtm->rtm_type != RTN_UNICAST)
    return FALSE;

  memset(key, 0, sizeof(*key));
  key->family = rtm->rtm_family;
  key->tos = rtm->rtm_tos;
  key->table = rtm->rtm_table;
  attrlen = (int)RTM_PAYLOAD(msg);
  for (attr = RTM_RTA(rtm); RTA_OK(attr, attrlen); attr = RTA_NEXT(attr, attrlen)) {
    size_t payload = RTA_PAYLOAD(attr);

    switch (attr->rta_type) {
    case RTA_TABLE:
      if (payload < sizeof(guint32))
        goto bad;
      memcpy(&key->table, RTA_DATA(attr), sizeof(guint32));
      break;
    case RTA_PRIORITY:
      if (payload < sizeof(guint32))
        goto bad;
      memcpy(&key->priority, RTA_DATA(attr), sizeof(guint32));
      break;
    case RTA_OIF:
      if (payload < sizeof(gint32))
        goto bad;
      memcpy(&key->oif, RTA_DATA(attr), sizeof(gint32));
      break;
    case RTA_GATEWAY:
      if (payload != 4 && payload != 16)
        goto bad;
      memcpy(key->gateway, RTA_DATA(attr), payload);
      break;
    case RTA_DST:
      /* A prefix length of 0 with a destination is still "default"; nothing to keep. */
      break;
    default:
      break;
    }
  }
  return TRUE;

bad:
  *malformed = TRUE;
  return FALSE;
}

void
om_default_routes_feed(OmDefaultRoutes *routes, const void *buf, size_t len,
                       OmNetlinkFeedResult *result)
{
  gboolean had = g_hash_table_size(routes->set) > 0;
  const guint8 *at = buf;
  size_t left = len;

  memset(result, 0, sizeof(*result));
  /* NLMSG_OK and NLMSG_NEXT, without their signed arithmetic. */
  while (left > 0) {
    const struct nlmsghdr *msg = (const struct nlmsghdr *)at;
    gboolean malformed = FALSE;
    size_t step;
    RouteKey key;

    if (left < sizeof(struct nlmsghdr) || msg->nlmsg_len < sizeof(struct nlmsghdr) ||
        msg->nlmsg_len > left) {
      result->error = -EBADMSG;
      break;
    }
    step = MIN(NLMSG_ALIGN(msg->nlmsg_len), left);
    at += step;
    left -= step;
    if (msg->nlmsg_flags & NLM_F_DUMP_INTR)
      result->dump_interrupted = TRUE;

    switch (msg->nlmsg_type) {
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
      if (!parse_route(msg, &key, &malformed)) {
        if (malformed)
          result->error = -EBADMSG;
        break;
      }
      if (msg->nlmsg_type == RTM_NEWROUTE) {
        GBytes *bytes = g_bytes_new(&key, sizeof(key));
        g_hash_table_add(routes->set, bytes);
      } else {
        g_autoptr(GBytes) bytes = g_bytes_new_static(&key, sizeof(key));
        g_hash_table_remove(routes->set, bytes);
      }
      break;
    case NLMSG_DONE:
      result->dump_done = TRUE;
      break;
    case NLMSG_ERROR:
      if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
        result->error = -EBADMSG;
      } else {
        const struct nlmsgerr *e = NLMSG_DATA(msg);
        /* 0 is an acknowledgement. */
        if (e->error < 0)
          result->error = e->error;
      }
      break;
    default:
      break;
    }
  }
  result->changed = had != (g_hash_table_size(routes->set) > 0);
}
