#include "daemon-receiver.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include <offlinemgr/offlinemgr.h>

typedef struct {
  DaemonReceiver *receiver;
  OmOffline *offline;
  uint32_t token;
} Registration;

struct DaemonReceiver {
  OmClient *client;
  sd_event_source *source;
  Registration *registrations;
  size_t n;
  DaemonDone done;
  void *userdata;
};

static void
on_state(OmOffline *offline, uint32_t client_token, const OmStateChange *change,
         void *user_data)
{
  DaemonReceiver *receiver = user_data;

  if (change->notify_type == OM_NOTIFY_DONE)
    receiver->done(client_token, change->new_state, receiver->userdata);
}

static int
on_readable(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
  DaemonReceiver *receiver = userdata;
  int r = om_client_dispatch(receiver->client);

  if (r < 0) {
    fprintf(stderr, "daemon-receiver: %s\n", om_error_code_to_string(r));
    return sd_event_exit(sd_event_source_get_event(source), 1);
  }
  return 0;
}

DaemonReceiver *
daemon_receiver_new(sd_event *event, const char *const *ids, size_t n, DaemonDone done,
                    void *userdata)
{
  DaemonReceiver *receiver = calloc(1, sizeof(*receiver));
  OmError error = OM_ERROR_INIT;
  int r;

  if (receiver == NULL)
    return NULL;
  receiver->done = done;
  receiver->userdata = userdata;
  receiver->n = n;
  receiver->registrations = calloc(n, sizeof(Registration));
  receiver->client = om_client_new(&error);
  if (receiver->registrations == NULL || receiver->client == NULL)
    goto fail;
  for (size_t i = 0; i < n; i++) {
    Registration *reg = &receiver->registrations[i];
    reg->receiver = receiver;
    reg->offline = om_offline_open(receiver->client, ids[i], &error);
    /* The client token is the account's index. */
    if (reg->offline == NULL ||
        om_offline_advise(reg->offline, (uint32_t)i, OM_STATE_ALL, on_state, receiver, NULL,
                          &reg->token, &error) < 0)
      goto fail;
  }
  r = sd_event_add_io(event, &receiver->source, om_client_get_fd(receiver->client), EPOLLIN,
                      on_readable, receiver);
  if (r < 0) {
    error.code = r;
    goto fail;
  }
  return receiver;

fail:
  fprintf(stderr, "daemon-receiver: %s\n",
          error.message[0] ? error.message : om_error_code_to_string(error.code));
  daemon_receiver_free(receiver);
  return NULL;
}

void
daemon_receiver_free(DaemonReceiver *receiver)
{
  if (receiver == NULL)
    return;
  sd_event_source_disable_unref(receiver->source);
  for (size_t i = 0; receiver->registrations != NULL && i < receiver->n; i++)
    om_offline_close(receiver->registrations[i].offline);
  free(receiver->registrations);
  om_client_unref(receiver->client);
  free(receiver);
}
