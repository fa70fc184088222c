#include "netlink-monitor.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "netlink-routes.h"

/* A dump datagram is at most 32 KiB (the kernel caps its allocation there). */
#define RECV_BUFFER_SIZE 32768

struct OmNetlinkMonitor {
  int fd;
  guint watch_id;
  guint8 *buffer;
  OmDefaultRoutes *routes;
  guint32 seq;

  gboolean dumping;        /* a dump is under way: the set is being rebuilt */
  gboolean redump;         /* another dump is needed once this one ends */
  gboolean settled;        /* a dump has completed */
  gboolean failed;
  gboolean has_default;    /* as last reported */

  OmNetlinkChanged changed;
  gpointer user_data;
};

static int
request_dump(OmNetlinkMonitor *nl)
{
  struct {
    struct nlmsghdr hdr;
    struct rtmsg rtm;
  } req;
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

  memset(&req, 0, sizeof(req));
  req.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
  req.hdr.nlmsg_type = RTM_GETROUTE;
  req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.hdr.nlmsg_seq = ++nl->seq;
  req.rtm.rtm_family = AF_UNSPEC;
  if (sendto(nl->fd, &req, req.hdr.nlmsg_len, 0, (struct sockaddr *)&kernel,
             sizeof(kernel)) < 0)
    return -errno;
  om_default_routes_clear(nl->routes);
  nl->dumping = TRUE;
  nl->redump = FALSE;
  return 0;
}

/* Dumps again now, or after the dump under way. */
static int
resync(OmNetlinkMonitor *nl)
{
  if (nl->dumping) {
    nl->redump = TRUE;
    return 0;
  }
  return request_dump(nl);
}

typedef enum {
  READ_MORE,
  READ_DRAINED,
  READ_REPORT,   /* the presence of a default route is to be reported */
  READ_FAILED,
} ReadStep;

/* Reads and applies one datagram. */
static ReadStep
read_one(OmNetlinkMonitor *nl, int *error)
{
  struct sockaddr_nl from;
  struct iovec iov = { nl->buffer, RECV_BUFFER_SIZE };
  struct msghdr msg = {
    .msg_name = &from,
    .msg_namelen = sizeof(from),
    .msg_iov = &iov,
    .msg_iovlen = 1,
  };
  OmNetlinkFeedResult result;
  ssize_t n = recvmsg(nl->fd, &msg, 0);

  *error = 0;
  if (n < 0) {
    if (errno == EINTR)
      return READ_MORE;
    if (errno == EAGAIN)
      return READ_DRAINED;
    if (errno != ENOBUFS) {
      *error = -errno;
      return READ_FAILED;
    }
    /* The kernel dropped notifications: what we have is stale. */
    g_debug("Netlink: notifications lost, dumping again");
    *error = resync(nl);
    return *error < 0 ? READ_FAILED : READ_MORE;
  }
  /* Only the kernel speaks for the kernel's routes. */
  if (msg.msg_namelen != sizeof(from) || from.nl_pid != 0)
    return READ_MORE;
  if (msg.msg_flags & MSG_TRUNC) {
    *error = resync(nl);
    return *error < 0 ? READ_FAILED : READ_MORE;
  }

  om_default_routes_feed(nl->routes, nl->buffer, (size_t)n, &result);
  if (result.error == -EBADMSG) {
    g_warning("Netlink route monitor: malformed message; dumping again");
    nl->redump = TRUE;
  } else if (result.error < 0) {
    *error = result.error;
    return READ_FAILED;
  }
  if (result.dump_interrupted)
    nl->redump = TRUE;
  if (result.dump_done)
    nl->dumping = FALSE;
  if (nl->redump && !nl->dumping) {
    *error = request_dump(nl);
    return *error < 0 ? READ_FAILED : READ_MORE;
  }
  if (nl->dumping)
    return READ_MORE;
  if (!nl->settled || (om_default_routes_count(nl->routes) > 0) != nl->has_default)
    return READ_REPORT;
  return READ_MORE;
}

static gboolean
on_readable(int fd, GIOCondition condition, gpointer user_data)
{
  OmNetlinkMonitor *nl = user_data;
  int error;

  for (;;) {
    switch (read_one(nl, &error)) {
    case READ_MORE:
      continue;
    case READ_DRAINED:
      return G_SOURCE_CONTINUE;
    case READ_REPORT:
      nl->settled = TRUE;
      nl->has_default = om_default_routes_count(nl->routes) > 0;
      g_debug("Netlink: %s default route", nl->has_default ? "a" : "no");
      /* The callback may free the monitor; anything left is read on the next
       * dispatch (the fd stays readable). */
      nl->changed(nl, nl->user_data);
      return G_SOURCE_CONTINUE;
    case READ_FAILED:
      g_warning("Netlink route monitor failed: %s", g_strerror(-error));
      nl->failed = TRUE;
      nl->watch_id = 0;
      nl->changed(nl, nl->user_data);
      return G_SOURCE_REMOVE;
    }
  }
}

OmNetlinkMonitor *
om_netlink_monitor_new(OmNetlinkChanged changed, gpointer user_data, GError **error)
{
  g_autoptr(OmNetlinkMonitor) nl = g_new0(OmNetlinkMonitor, 1);
  struct sockaddr_nl local = {
    .nl_family = AF_NETLINK,
    .nl_groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE,
  };
  int r;

  nl->changed = changed;
  nl->user_data = user_data;
  nl->routes = om_default_routes_new();
  nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (nl->fd < 0) {
    int errsv = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                "Cannot open a netlink socket: %s", g_strerror(errsv));
    return NULL;
  }
  if (bind(nl->fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
    int errsv = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                "Cannot subscribe to route changes: %s", g_strerror(errsv));
    return NULL;
  }
  r = request_dump(nl);
  if (r < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), "Cannot request routes: %s",
                g_strerror(-r));
    return NULL;
  }
  nl->buffer = g_malloc(RECV_BUFFER_SIZE);
  nl->watch_id = g_unix_fd_add(nl->fd, G_IO_IN, on_readable, nl);
  return g_steal_pointer(&nl);
}

void
om_netlink_monitor_free(OmNetlinkMonitor *nl)
{
  if (nl == NULL)
    return;
  g_clear_handle_id(&nl->watch_id, g_source_remove);
  if (nl->fd >= 0)
    close(nl->fd);
  om_default_routes_free(nl->routes);
  g_free(nl->buffer);
  g_free(nl);
}

gboolean
om_netlink_monitor_is_settled(OmNetlinkMonitor *nl)
{
  return nl->settled;
}

gboolean
om_netlink_monitor_has_default_route(OmNetlinkMonitor *nl)
{
  return nl->has_default;
}

gboolean
om_netlink_monitor_has_failed(OmNetlinkMonitor *nl)
{
  return nl->failed;
}
