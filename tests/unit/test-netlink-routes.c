/* The default-route set fed with hand-built NETLINK_ROUTE datagrams. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink-routes.h"

/* A datagram under construction; netlink messages are 4-byte aligned. */
typedef struct {
  union {
    struct nlmsghdr align;
    guint8 bytes[4096];
  } buf;
  size_t len;
  struct nlmsghdr *last;
} Datagram;

static void
dgram_init(Datagram *d)
{
  memset(d, 0, sizeof(*d));
}

static struct nlmsghdr *
dgram_add_msg(Datagram *d, guint16 type, guint16 flags, size_t payload)
{
  struct nlmsghdr *msg = (struct nlmsghdr *)(d->buf.bytes + d->len);

  g_assert_cmpuint(d->len + NLMSG_SPACE(payload), <=, sizeof(d->buf));
  msg->nlmsg_len = NLMSG_LENGTH(payload);
  msg->nlmsg_type = type;
  msg->nlmsg_flags = flags;
  d->len += NLMSG_ALIGN(msg->nlmsg_len);
  d->last = msg;
  return msg;
}

static void
dgram_add_attr(Datagram *d, guint16 type, const void *data, size_t size)
{
  struct rtattr *attr = (struct rtattr *)(d->buf.bytes + d->len);

  g_assert_cmpuint(d->len + RTA_SPACE(size), <=, sizeof(d->buf));
  attr->rta_type = type;
  attr->rta_len = RTA_LENGTH(size);
  memcpy(RTA_DATA(attr), data, size);
  d->len += RTA_SPACE(size);
  d->last->nlmsg_len = (guint32)(d->buf.bytes + d->len - (guint8 *)d->last);
}

typedef struct {
  guint16 type;         /* RTM_NEWROUTE or RTM_DELROUTE */
  guint8 family;
  guint8 dst_len;
  guint8 route_type;    /* RTN_* */
  guint32 table;
  guint32 priority;
  gint32 oif;
  const guint8 *gateway; /* 4 or 16 bytes by family, or NULL */
} Route;

static void
dgram_add_route(Datagram *d, const Route *r, guint16 flags)
{
  struct nlmsghdr *msg = dgram_add_msg(d, r->type, flags, sizeof(struct rtmsg));
  struct rtmsg *rtm = NLMSG_DATA(msg);

  rtm->rtm_family = r->family;
  rtm->rtm_dst_len = r->dst_len;
  rtm->rtm_type = r->route_type;
  rtm->rtm_table = r->table < 256 ? (guint8)r->table : RT_TABLE_UNSPEC;
  dgram_add_attr(d, RTA_TABLE, &r->table, sizeof(r->table));
  if (r->priority != 0)
    dgram_add_attr(d, RTA_PRIORITY, &r->priority, sizeof(r->priority));
  if (r->oif != 0)
    dgram_add_attr(d, RTA_OIF, &r->oif, sizeof(r->oif));
  if (r->gateway != NULL)
    dgram_add_attr(d, RTA_GATEWAY, r->gateway, r->family == AF_INET ? 4 : 16);
}

static const guint8 gw4[4] = { 192, 0, 2, 1 };
static const guint8 gw4b[4] = { 192, 0, 2, 254 };
static const guint8 gw6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

static OmNetlinkFeedResult
feed_route(OmDefaultRoutes *routes, const Route *r)
{
  Datagram d;
  OmNetlinkFeedResult result;

  dgram_init(&d);
  dgram_add_route(&d, r, 0);
  om_default_routes_feed(routes, d.buf.bytes, d.len, &result);
  return result;
}

static void
test_ipv4_default_added_and_removed(void)
{
  g_autoptr(OmDefaultRoutes) routes = om_default_routes_new();
  Route r = { RTM_NEWROUTE, AF_INET, 0, RTN_UNICAST, RT_TABLE_MAIN, 0, 2, gw4 };
  OmNetlinkFeedResult res;

  res = feed_route(routes, &r);
  g_assert_true(res.changed);
  g_assert_cmpint(res.error, ==, 0);
  g_assert_cmpuint(om_default_routes_count(routes), ==, 1);

  /* The same route again (NLM_F_REPLACE, or a dump overlapping a notification). */
  res = feed_route(routes, &r);
  g_assert_false(res.changed);
  g_assert_cmpuint(om_default_routes_count(routes), ==, 1);

  r.type = RTM_DELROUTE;
  res = feed_route(routes, &r);
  g_assert_true(res.changed);
  g_assert_cmpuint(om_default_routes_count(routes), ==, 0);

  /* Deleting what is not there changes nothing. */
  res = feed_route(routes, &r);
  g_assert_false(res.changed);
}

static void
test_only_default_unicast_routes_count(void)
{
  g_autoptr(OmDefaultRoutes) routes = om_default_routes_new();
  const Route ignored[] = {
    { RTM_NEWROUTE, AF_INET, 24, RTN_UNICAST, RT_TABLE_MAIN, 0, 2, NULL },     /* a subnet */
    { RTM_NEWROUTE, AF_INET, 0, RTN_UNREACHABLE, RT_TABLE_MAIN, 0, 0, NULL },  /* unreachable */
    { RTM_NEWROUTE, AF_INET6, 0, RTN_BLACKHOLE, RT_TABLE_MAIN, 0, 0, NULL },   /* blackhole */
    { RTM_NEWROUTE, AF_INET, 32, RTN_LOCAL, RT_TABLE_LOCAL, 0, 1, NULL },      /* local */
    { RTM_NEWROUTE, AF_BRIDGE, 0, RTN_UNICAST, RT_TABLE_MAIN, 0, 2, NULL },    /* other family */
  };

  for (guint i = 0; i < G_N_ELEMENTS(ignored); i++) {
    OmNetlinkFeedResult res = feed_route(routes, &ignored[i]);
    g_assert_false(res.changed);
    g_assert_cmpint(res.error, ==, 0);
  }
  g_assert_cmpuint(om_default_routes_count(routes), ==, 0);
}

static void
test_routes_are_told_apart(void)
{
  g_autoptr(OmDefaultRoutes) routes = om_default_routes_new();
  Route a = { RTM_NEWROUTE, AF_INET, 0, RTN_UNICAST, RT_TABLE_MAIN, 100, 2, gw4 };
  Route b = { RTM_NEWROUTE, AF_INET, 0, RTN_UNICAST, RT_TABLE_MAIN, 600, 3, gw4b };
  Route c = { RTM_NEWROUTE, AF_INET6, 0, RTN_UNICAST, RT_TABLE_MAIN, 1024, 2, gw6 };
  Route d = { RTM_NEWROUTE, AF_INET, 0, RTN_UNICAST, 51820, 0, 7, NULL };  /* a table > 255 */

  feed_route(routes, &a);
  feed_route(routes, &b);
  feed_route(routes, &c);
  feed_route(routes, &d);
  g_assert_cmpuint(om_default_routes_count(routes), ==, 4);

  /* Removing one leaves the others: still a default route. */
  a.type = RTM_DELROUTE;
  g_assert_false(feed_route(routes, &a).changed);
  c.type = RTM_DELROUTE;
  d.type = RTM_DELROUTE;
  feed_route(routes, &c);
  feed_route(routes, &d);
  g_assert_cmpuint(om_default_routes_count(routes), ==, 1);

  /* A deletion of b with another gateway is another route. */
  b.type = RTM_DELROUTE;
  b.gateway = gw4;
  g_assert_false(feed_route(routes, &b).changed);
  b.gateway = gw4b;
  g_assert_true(feed_route(routes, &b).changed);
  g_assert_cmpuint(om_default_routes_count(routes), ==, 0);
}

static void
test_dump_datagram(void)
{
  g_autoptr(OmDefaultRoutes) routes = om_default_routes_new();
  const Route subnet = { RTM_NEWROUTE, AF_INET, 24, RTN_UNICAST, RT_TABLE_MAIN, 0, 2, NULL };
  const Route dflt = { RTM_NEWROUTE, AF_INET6, 0, RTN_UNICAST, RT_TABLE_MAIN, 1024, 2, gw6 };
  Datagram d;
  OmNetlinkFeedResult res;

  dgram_init(&d);
  dgram_add_route(&d, &subnet, NLM_F_MULTI);
  dgram_add_route(&d, &dflt, NLM_F_MULTI);
  om_default_routes_feed(routes, d.buf.bytes, d.len, &res);
  g_assert_true(res.changed);
  g_assert_false(res.dump_done);
  g_assert_false(res.dump_interrupted);

  dgram_init(&d);
  dgram_add_msg(&d, NLMSG_DONE, NLM_F_MULTI | NLM_F_DUMP_INTR, sizeof(int));
  om_default_routes_feed(routes, d.buf.bytes, d.len, &res);
  g_assert_true(res.dump_done);
  g_assert_true(res.dump_interrupted);
  g_assert_false(res.changed);

  om_default_routes_clear(routes);
  g_assert_cmpuint(om_default_routes_count(routes), ==, 0);
}

static void
test_errors(void)
{
  g_autoptr(OmDefaultRoutes) routes = om_default_routes_new();
  const Route dflt = { RTM_NEWROUTE, AF_INET, 0, RTN_UNICAST, RT_TABLE_MAIN, 0, 2, gw4 };
  Datagram d;
  OmNetlinkFeedResult res;
  struct nlmsghdr *msg;
  struct nlmsgerr *e;

  /* NLMSG_ERROR with an errno, and with 0 (an acknowledgement). */
  dgram_init(&d);
  msg = dgram_add_msg(&d, NLMSG_ERROR, 0, sizeof(struct nlmsgerr));
  e = NLMSG_DATA(msg);
  e->error = -EPERM;
  om_default_routes_feed(routes, d.buf.bytes, d.len, &res);
  g_assert_cmpint(res.error, ==, -EPERM);
  e->error = 0;
  om_default_routes_feed(routes, d.buf.bytes, d.len, &res);
  g_assert_cmpint(res.error, ==, 0);

  /* A route message too short for its rtmsg. */
  dgram_init(&d);
  dgram_add_msg(&d, RTM_NEWROUTE, 0, 2);
  om_default_routes_feed(routes, d.buf.bytes, d.len, &res);
  g_assert_cmpint(res.error, ==, -EBADMSG);
  g_assert_cmpuint(om_default_routes_count(routes), ==, 0);

  /* A gateway of the wrong size. */
  dgram_init(&d);
  dgram_add_msg(&d, RTM_NEWROUTE, 0, sizeof(struct rtmsg));
  ((struct rtmsg *)NLMSG_DATA(d.last))->rtm_family = AF_INET;
  ((struct rtmsg *)NLMSG_DATA(d.last))->rtm_type = RTN_UNICAST;
  dgram_add_attr(&d, RTA_GATEWAY, gw4, 3);
  om_default_routes_feed(routes, d.buf.bytes, d.len, &res);
  g_assert_cmpint(res.error, ==, -EBADMSG);
  g_assert_cmpuint(om_default_routes_count(routes), ==, 0);

  /* A header claiming more than the datagram holds ends it; what came before counts. */
  dgram_init(&d);
  dgram_add_route(&d, &dflt, 0);
  msg = dgram_add_msg(&d, RTM_NEWROUTE, 0, sizeof(struct rtmsg));
  msg->nlmsg_len = 4000;
  om_default_routes_feed(routes, d.buf.bytes, d.len, &res);
  g_assert_cmpint(res.error, ==, -EBADMSG);
  g_assert_true(res.changed);
  g_assert_cmpuint(om_default_routes_count(routes), ==, 1);

  /* Truncated below a header. */
  om_default_routes_feed(routes, d.buf.bytes, 7, &res);
  g_assert_cmpint(res.error, ==, -EBADMSG);
  g_assert_false(res.changed);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/netlink-routes/ipv4-default-added-and-removed",
                  test_ipv4_default_added_and_removed);
  g_test_add_func("/netlink-routes/only-default-unicast-routes-count",
                  test_only_default_unicast_routes_count);
  g_test_add_func("/netlink-routes/routes-are-told-apart", test_routes_are_told_apart);
  g_test_add_func("/netlink-routes/dump-datagram", test_dump_datagram);
  g_test_add_func("/netlink-routes/errors", test_errors);
  return g_test_run();
}
