/* The kernel's default routes, from NETLINK_ROUTE messages.
 *
 * Pure: the netlink monitor hands every datagram it reads (dump replies and
 * RTMGRP_IPV4_ROUTE / RTMGRP_IPV6_ROUTE notifications alike) to
 * om_default_routes_feed(), which keeps the set of IPv4 and IPv6 default routes: unicast
 * routes with a prefix length of 0, in any table. A route is identified by family, table,
 * TOS, priority, output interface and gateway, the attributes that the kernel repeats in
 * RTM_DELROUTE. No I/O here; tests/unit/test-netlink-routes.c feeds it hand-built
 * messages. */
#pragma once

#include <glib.h>
#include <stddef.h>

typedef struct OmDefaultRoutes OmDefaultRoutes;

typedef struct {
  gboolean changed;           /* the set went from empty to not, or back */
  gboolean dump_done;         /* NLMSG_DONE: the end of a dump */
  gboolean dump_interrupted;  /* NLM_F_DUMP_INTR: the dump is inconsistent, repeat it */
  int error;                  /* a negative errno from NLMSG_ERROR, -EBADMSG for a
                               * malformed message (a broken header ends the datagram),
                               * or 0 */
} OmNetlinkFeedResult;

OmDefaultRoutes *om_default_routes_new(void);
void om_default_routes_free(OmDefaultRoutes *routes);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmDefaultRoutes, om_default_routes_free)

/* Forgets every route (before a new dump). */
void om_default_routes_clear(OmDefaultRoutes *routes);

guint om_default_routes_count(const OmDefaultRoutes *routes);

/* Applies the messages of one datagram of @len bytes. */
void om_default_routes_feed(OmDefaultRoutes *routes, const void *buf, size_t len,
                            OmNetlinkFeedResult *result);
