/* Fuzzes the client library's handling of incoming messages: StatesChanged signals with
 * any entries, on any path and interface, from the daemon's current owner and from
 * impostors; per-object StateChanged signals (which the library no longer reads);
 * NameOwnerChanged from the bus and from impostors; any answer (or none) to the State
 * the library re-reads when the daemon's name gets a new owner.
 *
 * The fuzzer plays the bus and the daemon: the library connects to a socket of its own,
 * where an sd-bus server connection answers Hello, AddMatch, GetNameOwner and the
 * daemon's methods; four registrations are made (the global object, two on "work", one
 * on "home"). Each input is a list of messages; after each the library dispatches, and
 * the callbacks it made are checked against what it promises:
 * - a notification is well formed (type START, STATECHANGE or DONE, mask 0x3, states 1
 *   or 2) and carries its registration's client token;
 * - STATECHANGE and DONE come only inside a transition the registration saw start;
 * - nothing is delivered for a signal from anyone but the current owner of the daemon's
 *   name (as the bus announced it), of another shape than a(ouuu) on the root object's
 *   Manager interface, for an entry out of range or on a path nobody watches; an
 *   impostor's NameOwnerChanged changes nothing;
 * - an entry is delivered at most once per registration of its path, a re-read at most
 *   four times (a DONE closing an open transition, then START, STATECHANGE, DONE).
 * The owner's own order of phases is trusted (the library passes it on). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "client-private.h"
#include "fuzz-check.h"
#include "fuzz-input.h"

#define BUS_DRIVER "org.freedesktop.DBus"
#define ACCOUNT_PREFIX OM_ROOT_PATH "/account/"

typedef struct {
  const char *id;         /* NULL: the global object */
  uint32_t client_token;
  char *path;
  OmOffline *offline;
  uint32_t token;
  bool in_transition;
} Reg;

static Reg regs[] = {
  { NULL, 11 }, { "work", 21 }, { "work", 22 }, { "home", 31 },
};
#define N_REGS (sizeof regs / sizeof regs[0])

static const char *const paths[] = {
  OM_ROOT_PATH, ACCOUNT_PREFIX "work", ACCOUNT_PREFIX "home", ACCOUNT_PREFIX "other", "/",
};
static const char *const senders[] = {
  ":1.42", ":1.43", ":1.77", OM_BUS_NAME, BUS_DRIVER, NULL,
};

static sd_bus *server;         /* the fuzzer's end: bus and daemon */
static OmClient *client;
static char *owner;            /* the owner as the bus announced it; NULL: none */
static unsigned callbacks;     /* since the last check */
static volatile bool setup_done;
static FuzzInput *current_input;

/* ---- the library's callbacks ---- */

static void
on_state(OmOffline *offline, uint32_t client_token, const OmStateChange *change,
         void *user_data)
{
  Reg *reg = user_data;

  callbacks++;
  FUZZ_CHECK(client_token == reg->client_token && offline == reg->offline,
             "a callback for another registration");
  FUZZ_CHECK(change->notify_type >= OM_NOTIFY_START && change->notify_type <= OM_NOTIFY_DONE,
             "notify type %u", change->notify_type);
  FUZZ_CHECK(change->mask == OM_STATE_MASK, "mask %u", change->mask);
  FUZZ_CHECK((change->old_state == OM_STATE_OFFLINE || change->old_state == OM_STATE_ONLINE) &&
             (change->new_state == OM_STATE_OFFLINE || change->new_state == OM_STATE_ONLINE),
             "states %u -> %u", change->old_state, change->new_state);
  if (change->notify_type == OM_NOTIFY_START) {
    reg->in_transition = true;
    return;
  }
  FUZZ_CHECK(reg->in_transition, "phase %u outside a transition", change->notify_type);
  if (change->notify_type == OM_NOTIFY_DONE)
    reg->in_transition = false;
}

/* ---- the fuzzer's end of the connection ---- */

/* Answers a call the library made. During set-up everything succeeds; afterwards the
 * input chooses the answer to the re-reads of State. */
static void
answer(sd_bus_message *m)
{
  const char *member = sd_bus_message_get_member(m);

  if (!sd_bus_message_is_method_call(m, NULL, NULL))
    return;
  if (g_strcmp0(member, "Hello") == 0) {
    sd_bus_reply_method_return(m, "s", ":1.1");
  } else if (g_strcmp0(member, "AddMatch") == 0 || g_strcmp0(member, "RemoveMatch") == 0) {
    sd_bus_reply_method_return(m, "");
  } else if (g_strcmp0(member, "GetNameOwner") == 0) {
    sd_bus_reply_method_return(m, "s", ":1.42");
  } else if (g_strcmp0(member, "GetCapabilities") == 0) {
    sd_bus_reply_method_return(m, "u", 3);
  } else if (g_strcmp0(member, "GetAccount") == 0) {
    const char *id;
    g_autofree char *path = NULL;
    if (sd_bus_message_read(m, "s", &id) > 0 && (path = g_strconcat(ACCOUNT_PREFIX, id, NULL)))
      sd_bus_reply_method_return(m, "o", path);
  } else if (g_strcmp0(member, "GetCurrentState") == 0) {
    if (!setup_done || current_input == NULL) {
      sd_bus_reply_method_return(m, "u", OM_STATE_ONLINE);
      return;
    }
    switch (fuzz_byte(current_input) % 8) {
    case 0:
      sd_bus_reply_method_return(m, "u", OM_STATE_ONLINE);
      break;
    case 1:
      sd_bus_reply_method_return(m, "u", OM_STATE_OFFLINE);
      break;
    case 2:
      sd_bus_reply_method_return(m, "u", fuzz_u32(current_input));
      break;
    case 3:
      sd_bus_reply_method_errorf(m, OM_BUS_ERROR_NOT_FOUND, "gone");
      break;
    case 4:
      sd_bus_reply_method_errorf(m, "org.freedesktop.DBus.Error.UnknownMethod", "no");
      break;
    case 5:
      sd_bus_reply_method_errorf(m, OM_BUS_ERROR_FAILED, "broken");
      break;
    case 6:
      sd_bus_reply_method_return(m, "s", "two");
      break;
    default:
      break;  /* never answered */
    }
  } else {
    sd_bus_reply_method_errorf(m, "org.freedesktop.DBus.Error.UnknownMethod", "%s", member);
  }
}

/* Takes what the library sent, answers it, and lets the library dispatch, until both
 * are quiet. Returns the callbacks run. */
static unsigned
pump(void)
{
  unsigned before = callbacks;
  struct pollfd pfd[] = {
    { .fd = client->socket_fd, .events = POLLIN },
    { .fd = sd_bus_get_fd(server), .events = POLLIN },
  };

  for (int round = 0; round < 64; round++) {
    bool progress = false;
    int r;

    while ((r = sd_bus_process(server, NULL)) > 0)
      progress = true;
    FUZZ_CHECK(r >= 0, "server: %s", strerror(-r));
    FUZZ_CHECK(sd_bus_flush(server) >= 0, "server flush");
    if (om_client_dispatch(client) > 0)
      progress = true;
    /* What the library queued while dispatching (re-reads) goes out now. */
    if (dbus_connection_has_messages_to_send(client->conn)) {
      dbus_connection_flush(client->conn);
      progress = true;
    }
    /* Either end has something to read: the library's re-reads are sent at once. */
    if (poll(pfd, 2, 0) > 0 ||
        dbus_connection_get_dispatch_status(client->conn) == DBUS_DISPATCH_DATA_REMAINS)
      progress = true;
    if (!progress)
      break;
  }
  return callbacks - before;
}

static int
on_call(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  answer(m);
  return 1;
}

static void *
serve_setup(void *arg)
{
  int listen_fd = GPOINTER_TO_INT(arg);
  int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  sd_id128_t id;

  FUZZ_CHECK(fd >= 0, "accept: %s", strerror(errno));
  FUZZ_CHECK(sd_id128_randomize(&id) >= 0 && sd_bus_new(&server) >= 0 &&
             sd_bus_set_fd(server, fd, fd) >= 0 && sd_bus_set_server(server, 1, id) >= 0 &&
             sd_bus_set_anonymous(server, 1) >= 0 && sd_bus_negotiate_fds(server, 0) >= 0 &&
             sd_bus_add_filter(server, NULL, on_call, NULL) >= 0 && sd_bus_start(server) >= 0,
             "server set-up");
  while (!setup_done) {
    if (sd_bus_process(server, NULL) == 0)
      sd_bus_wait(server, 20 * 1000);
  }
  return NULL;
}

static void
setup(void)
{
  g_autofree char *dir = g_dir_make_tmp("om-fuzz-client-XXXXXX", NULL);
  g_autofree char *socket_path = g_build_filename(dir, "bus", NULL);
  g_autofree char *address = g_strconcat("unix:path=", socket_path, NULL);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  int listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  OmError error = { 0 };
  pthread_t thread;

  fuzz_quiet_logs();
  g_strlcpy(sa.sun_path, socket_path, sizeof sa.sun_path);
  FUZZ_CHECK(listen_fd >= 0 && bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
             listen(listen_fd, 1) == 0, "listen: %s", strerror(errno));
  pthread_create(&thread, NULL, serve_setup, GINT_TO_POINTER(listen_fd));
  client = om_client_new_for_address(address, &error);
  FUZZ_CHECK(client != NULL, "connect: %s", error.message);
  for (size_t i = 0; i < N_REGS; i++) {
    regs[i].offline = om_offline_open(client, regs[i].id, &error);
    FUZZ_CHECK(regs[i].offline != NULL, "open: %s", error.message);
    FUZZ_CHECK(om_offline_advise(regs[i].offline, regs[i].client_token, OM_STATE_ALL, on_state,
                                 &regs[i], NULL, &regs[i].token, &error) == 0,
               "advise: %s", error.message);
  }
  setup_done = true;
  pthread_join(thread, NULL);
  close(listen_fd);
  unlink(socket_path);
  rmdir(dir);
  owner = g_strdup(":1.42");
}

/* ---- messages ---- */

static sd_bus_message *
new_signal(const char *path, const char *iface, const char *member, const char *sender)
{
  sd_bus_message *m = NULL;

  if (sd_bus_message_new_signal(server, &m, path, iface, member) < 0)
    return NULL;
  if (sender != NULL && sd_bus_message_set_sender(m, sender) < 0)
    return sd_bus_message_unref(m);
  return m;
}

static void
send_and_unref(sd_bus_message *m)
{
  if (m == NULL)
    return;
  FUZZ_CHECK(sd_bus_send(server, m, NULL) >= 0, "send");
  sd_bus_message_unref(m);
}

static unsigned
regs_on(const char *path)
{
  unsigned n = 0;

  for (size_t i = 0; i < N_REGS; i++)
    n += g_str_equal(regs[i].path, path);
  return n;
}

static uint32_t
fuzz_state_value(FuzzInput *in)
{
  uint8_t b = fuzz_byte(in);

  return b < 0xf0 ? (b % 2) + 1 : fuzz_u32(in);
}

/* One entry's values from the input; whether they are of the supported kind. */
static bool
fuzz_phase(FuzzInput *in, uint32_t *type, uint32_t *old_state, uint32_t *new_state)
{
  uint8_t shape = fuzz_byte(in);

  *type = (shape & 0x80) ? fuzz_u32(in) : (fuzz_byte(in) % 3) + 1;
  *old_state = fuzz_state_value(in);
  *new_state = fuzz_state_value(in);
  return *type >= OM_NOTIFY_START && *type <= OM_NOTIFY_DONE &&
         (*old_state == 1 || *old_state == 2) && (*new_state == 1 || *new_state == 2);
}

/* A StatesChanged: sender, path, interface, signature and entries from the input. The
 * library may deliver, per valid entry, one callback per registration of its path, and
 * nothing at all for a signal that is not the daemon's Manager signal of the right
 * shape. */
static void
states_changed(FuzzInput *in)
{
  const char *sender = senders[fuzz_byte(in) % G_N_ELEMENTS(senders)];
  uint8_t where = fuzz_byte(in);
  const char *path = (where & 0x0f) ? OM_ROOT_PATH : paths[where % G_N_ELEMENTS(paths)];
  const char *iface = (where & 0x30) ? OM_IFACE_MANAGER : OM_IFACE_OFFLINE;
  uint8_t shape = fuzz_byte(in);
  unsigned n = fuzz_byte(in) % 6, allowed = 0, delivered;
  sd_bus_message *m = new_signal(path, iface, "StatesChanged", sender);
  bool valid = shape % 4 != 1;

  if (m == NULL)
    return;
  FUZZ_CHECK(sd_bus_message_open_container(m, 'a', shape % 4 == 1 ? "(suuu)" : "(ouuu)") >= 0,
             "open");
  for (unsigned i = 0; i < n; i++) {
    const char *entry_path = paths[fuzz_byte(in) % G_N_ELEMENTS(paths)];
    uint32_t type, old_state, new_state;
    bool ok = fuzz_phase(in, &type, &old_state, &new_state);

    FUZZ_CHECK(sd_bus_message_append(m, shape % 4 == 1 ? "(suuu)" : "(ouuu)", entry_path,
                                     type, old_state, new_state) >= 0, "append");
    if (ok)
      allowed += regs_on(entry_path);
  }
  FUZZ_CHECK(sd_bus_message_close_container(m) >= 0, "close");
  /* Anything after the array is another shape of signal: ignored as a whole. */
  if (shape % 4 == 2) {
    sd_bus_message_append(m, "u", 0);
    valid = false;
  }
  valid = valid && sender != NULL && owner != NULL && g_str_equal(sender, owner) &&
          g_str_equal(path, OM_ROOT_PATH) && g_str_equal(iface, OM_IFACE_MANAGER);
  send_and_unref(m);
  delivered = pump();
  FUZZ_CHECK(delivered <= (valid ? allowed : 0),
             "%u callbacks for a StatesChanged of %u entries from %s on %s (%svalid, owner %s)",
             delivered, n, sender ? sender : "nobody", path, valid ? "" : "not ",
             owner ? owner : "none");
}

/* A per-object StateChanged, even the daemon's own: the library listens to StatesChanged
 * only, so it delivers nothing. */
static void
state_changed(FuzzInput *in)
{
  const char *sender = senders[fuzz_byte(in) % G_N_ELEMENTS(senders)];
  const char *path = paths[fuzz_byte(in) % G_N_ELEMENTS(paths)];
  uint32_t type, old_state, new_state;
  sd_bus_message *m = new_signal(path, OM_IFACE_OFFLINE, "StateChanged", sender);

  if (m == NULL)
    return;
  fuzz_phase(in, &type, &old_state, &new_state);
  sd_bus_message_append(m, "uuuu", type, OM_STATE_MASK, old_state, new_state);
  send_and_unref(m);
  FUZZ_CHECK(pump() == 0, "callbacks for a per-object StateChanged");
}

/* NameOwnerChanged for the daemon's name (or another), from the bus or an impostor. */
static void
name_owner_changed(FuzzInput *in)
{
  const char *sender = (fuzz_byte(in) % 4) ? BUS_DRIVER : senders[fuzz_byte(in) % 3];
  const char *name = (fuzz_byte(in) % 8) ? OM_BUS_NAME : "org.example.Other";
  const char *new_owner = ((const char *const[]){ "", ":1.42", ":1.43", ":1.77" })[
    fuzz_byte(in) % 4];
  sd_bus_message *m = new_signal("/org/freedesktop/DBus", BUS_DRIVER, "NameOwnerChanged",
                                 sender);
  bool real = g_str_equal(sender, BUS_DRIVER) && g_str_equal(name, OM_BUS_NAME);
  bool changed = real && g_strcmp0(owner, new_owner[0] ? new_owner : NULL) != 0;
  unsigned delivered;

  if (m == NULL)
    return;
  sd_bus_message_append(m, "sss", name, owner ? owner : "", new_owner);
  send_and_unref(m);
  if (real) {
    g_free(owner);
    owner = new_owner[0] ? g_strdup(new_owner) : NULL;
  }
  delivered = pump();
  FUZZ_CHECK(delivered <= (changed && owner != NULL ? 4 * N_REGS : 0),
             "%u callbacks for a NameOwnerChanged (%s)", delivered,
             real ? "from the bus" : "from an impostor");
}

/* Some other signal on a watched path: none of the library's business. */
static void
other_signal(FuzzInput *in)
{
  const char *path = paths[fuzz_byte(in) % G_N_ELEMENTS(paths)];
  sd_bus_message *m = new_signal(path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                 owner);

  if (m == NULL)
    return;
  sd_bus_message_append(m, "sa{sv}as", OM_IFACE_OFFLINE, 1, "State", "u", 1, 0);
  send_and_unref(m);
  FUZZ_CHECK(pump() == 0, "callbacks for a PropertiesChanged");
}

static void
set_owner(const char *new_owner)
{
  sd_bus_message *m = new_signal("/org/freedesktop/DBus", BUS_DRIVER, "NameOwnerChanged",
                                 BUS_DRIVER);

  FUZZ_CHECK(m != NULL && sd_bus_message_append(m, "sss", OM_BUS_NAME, owner ? owner : "",
                                                new_owner) >= 0, "NameOwnerChanged");
  send_and_unref(m);
  g_free(owner);
  owner = g_strdup(new_owner);
  pump();
}

/* Back to the same state before every input, so that an input does the same each time:
 * the name passes through another owner to ":1.42", every State is re-read as ONLINE,
 * and the re-read closes every open transition. */
static void
reset(void)
{
  current_input = NULL;
  set_owner(":1.99");
  set_owner(":1.42");
  for (size_t i = 0; i < N_REGS; i++)
    FUZZ_CHECK(!regs[i].in_transition, "a transition was left open after a re-read");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  FuzzInput in = { data, size };

  if (client == NULL) {
    setup();
    for (size_t i = 0; i < N_REGS; i++)
      regs[i].path = g_strdup(om_offline_get_path(regs[i].offline));
  }
  reset();
  current_input = &in;
  for (int steps = 0; in.size > 0 && steps < 64; steps++) {
    switch (fuzz_byte(&in) % 8) {
    case 0: case 1: case 2: case 3:
      states_changed(&in);
      break;
    case 4:
      state_changed(&in);
      break;
    case 5: case 6:
      name_owner_changed(&in);
      break;
    default:
      other_signal(&in);
      break;
    }
  }
  current_input = NULL;
  return 0;
}
