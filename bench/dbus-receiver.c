#include "dbus-receiver.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>

struct DbusReceiver {
  DBusConnection *connection;
  sd_event_source *source;
  DbusReceived received;
  void *userdata;
};

static void
pop_all(DbusReceiver *receiver)
{
  DBusMessage *message;

  while ((message = dbus_connection_pop_message(receiver->connection)) != NULL) {
    if (dbus_message_get_type(message) == DBUS_MESSAGE_TYPE_SIGNAL)
      receiver->received(message, receiver->userdata);
    dbus_message_unref(message);
  }
}

static int
on_readable(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
  DbusReceiver *receiver = userdata;

  if (!dbus_connection_read_write(receiver->connection, 0)) {
    fprintf(stderr, "dbus-receiver: the connection was closed\n");
    return sd_event_exit(sd_event_source_get_event(source), 1);
  }
  pop_all(receiver);
  return 0;
}

DbusReceiver *
dbus_receiver_new(sd_event *event, const char *address, const char *match_rule,
                  DbusReceived received, void *userdata)
{
  DbusReceiver *receiver = calloc(1, sizeof(*receiver));
  DBusError error = DBUS_ERROR_INIT;
  int fd = -1, r;

  if (receiver == NULL)
    return NULL;
  receiver->received = received;
  receiver->userdata = userdata;
  receiver->connection = dbus_connection_open_private(address, &error);
  if (receiver->connection == NULL || !dbus_bus_register(receiver->connection, &error))
    goto fail;
  dbus_bus_add_match(receiver->connection, match_rule, &error);
  if (dbus_error_is_set(&error))
    goto fail;
  if (!dbus_connection_get_unix_fd(receiver->connection, &fd)) {
    dbus_set_error_const(&error, DBUS_ERROR_FAILED, "no unix fd");
    goto fail;
  }
  r = sd_event_add_io(event, &receiver->source, fd, EPOLLIN, on_readable, receiver);
  if (r < 0) {
    dbus_set_error(&error, DBUS_ERROR_FAILED, "sd_event_add_io: %d", r);
    goto fail;
  }
  /* The blocking calls above may have queued messages already. */
  pop_all(receiver);
  return receiver;

fail:
  fprintf(stderr, "dbus-receiver: %s: %s\n", address, error.message);
  dbus_error_free(&error);
  dbus_receiver_free(receiver);
  return NULL;
}

void
dbus_receiver_free(DbusReceiver *receiver)
{
  if (receiver == NULL)
    return;
  sd_event_source_disable_unref(receiver->source);
  if (receiver->connection != NULL) {
    dbus_connection_close(receiver->connection);
    dbus_connection_unref(receiver->connection);
  }
  free(receiver);
}
