/* A line-driven client of libofflinemgr's MAPI face, for the integration tests.
 *
 * Commands on stdin, one answer line each on stdout: "hr 0x%08x ..." for HRESULTs, "ok
 * ..." for everything else. Notify runs on the library's dispatch thread and prints
 * "notify <sink> <client_token> <ulSize> <type> <mask> <old> <new> <thread>", where
 * <thread> is "dispatch" when it is not the main thread. `on <client_token> <type>
 * <command>` runs <command> from inside Notify (once) and prints "incb <answer>".
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <offlinemgr/mapioffline.h>

#include "driver-words.h"

#define MAX_OBJECTS 16
#define MAX_SINKS 16
#define MAX_HOOKS 16

typedef struct {
  IMAPIOfflineNotify iface;
  ULONG refs;
  char name[16];
  int no_iface;
  int in_notify;
} Sink;

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t main_thread;
static __thread const char *answer_prefix = "";
static struct {
  char name[16];
  IMAPIOfflineMgr *obj;
} objects[MAX_OBJECTS];
static Sink sinks[MAX_SINKS];
static struct {
  ULONG client_token, type;
  char command[256];
  int used;
} hooks[MAX_HOOKS];

static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *format, ...)
{
  va_list ap;

  pthread_mutex_lock(&out_lock);
  fputs(answer_prefix, stdout);
  va_start(ap, format);
  vprintf(format, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
  pthread_mutex_unlock(&out_lock);
}

static void run_command(char *line);

/* ---- the sink ---- */

static HRESULT
sink_query_interface(IMAPIOfflineNotify *This, REFIID riid, void **ppv)
{
  Sink *s = (Sink *)This;

  *ppv = NULL;
  if (IsEqualIID(riid, &IID_IUnknown) ||
      (IsEqualIID(riid, &IID_IMAPIOfflineNotify) && !s->no_iface)) {
    This->lpVtbl->AddRef(This);
    *ppv = This;
    return S_OK;
  }
  return E_NOINTERFACE;
}

static ULONG
sink_add_ref(IMAPIOfflineNotify *This)
{
  return __atomic_add_fetch(&((Sink *)This)->refs, 1, __ATOMIC_RELAXED);
}

static ULONG
sink_release(IMAPIOfflineNotify *This)
{
  return __atomic_sub_fetch(&((Sink *)This)->refs, 1, __ATOMIC_RELAXED);
}

static void
sink_notify(IMAPIOfflineNotify *This, const MAPIOFFLINE_NOTIFY *n)
{
  Sink *s = (Sink *)This;

  if (__atomic_exchange_n(&s->in_notify, 1, __ATOMIC_ACQ_REL))
    say("overlap %s", s->name);
  say("notify %s %u %u %u %u %u %u %s", s->name, n->ulClientToken, n->ulSize,
      (unsigned)n->NotifyType, n->Info.StateChange.ulMask, n->Info.StateChange.ulStateOld,
      n->Info.StateChange.ulStateNew,
      pthread_equal(pthread_self(), main_thread) ? "main" : "dispatch");
  for (int i = 0; i < MAX_HOOKS; i++) {
    char command[256];

    pthread_mutex_lock(&table_lock);
    if (hooks[i].command[0] == '\0' || hooks[i].used ||
        hooks[i].client_token != n->ulClientToken || hooks[i].type != (ULONG)n->NotifyType) {
      pthread_mutex_unlock(&table_lock);
      continue;
    }
    hooks[i].used = 1;
    snprintf(command, sizeof command, "%s", hooks[i].command);
    pthread_mutex_unlock(&table_lock);
    answer_prefix = "incb ";
    run_command(command);
    answer_prefix = "";
  }
  __atomic_store_n(&s->in_notify, 0, __ATOMIC_RELEASE);
}

static const IMAPIOfflineNotifyVtbl sink_vtbl = {
  sink_query_interface, sink_add_ref, sink_release, sink_notify,
};

/* ---- commands ---- */

static IMAPIOfflineMgr *
find_object(const char *name)
{
  IMAPIOfflineMgr *obj = NULL;

  pthread_mutex_lock(&table_lock);
  for (int i = 0; i < MAX_OBJECTS && name != NULL; i++)
    if (objects[i].obj != NULL && strcmp(objects[i].name, name) == 0)
      obj = objects[i].obj;
  pthread_mutex_unlock(&table_lock);
  return obj;
}

static void
forget_object(IMAPIOfflineMgr *obj)
{
  pthread_mutex_lock(&table_lock);
  for (int i = 0; i < MAX_OBJECTS; i++)
    if (objects[i].obj == obj)
      objects[i].obj = NULL;
  pthread_mutex_unlock(&table_lock);
}

static Sink *
find_sink(const char *name)
{
  for (int i = 0; i < MAX_SINKS && name != NULL; i++)
    if (sinks[i].name[0] != '\0' && strcmp(sinks[i].name, name) == 0)
      return &sinks[i];
  return NULL;
}

static ULONG
number(const char *s)
{
  return s != NULL ? (ULONG)strtoul(s, NULL, 0) : 0;
}

static void
cmd_open(char *rest)
{
  char *name = next_word(&rest), *id = next_word(&rest), *opt;
  wchar_t wid[128] = L"";
  const GUID *guid = &GUID_GlobalState, bogus = { 1, 2, 3, { 4 } };
  const GUID *instance = NULL;
  ULONG reserved = 0;
  IMAPIOfflineMgr *obj = (IMAPIOfflineMgr *)&bogus;  /* must come back NULL on failure */
  HRESULT hr;
  int null_name = id != NULL && strcmp(id, "-") == 0;

  if (id != NULL && !null_name)
    mbstowcs(wid, id, 127);
  while ((opt = next_word(&rest)) != NULL) {
    if (strcmp(opt, "guid=null") == 0)
      guid = NULL;
    else if (strcmp(opt, "guid=iid") == 0)
      guid = &IID_IMAPIOfflineMgr;
    else if (strcmp(opt, "reserved=1") == 0)
      reserved = 1;
    else if (strcmp(opt, "instance=1") == 0)
      instance = &GUID_GlobalState;
    else if (strcmp(opt, "wide=nonascii") == 0)
      wcscpy(wid, L"w\u00f6rk");
    else if (strcmp(opt, "wide=profile") == 0)
      wcscpy(wid, L"Default Outlook Profile");
  }
  hr = HrOpenOfflineObj(reserved, null_name ? NULL : wid, guid, instance, &obj);
  if (hr == S_OK) {
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < MAX_OBJECTS; i++)
      if (objects[i].obj == NULL) {
        snprintf(objects[i].name, sizeof objects[i].name, "%s", name);
        objects[i].obj = obj;
        break;
      }
    pthread_mutex_unlock(&table_lock);
  }
  say("hr 0x%08x %s", (unsigned)hr, obj == NULL ? "null" : "set");
}

static void
cmd_advise(IMAPIOfflineMgr *obj, char *rest)
{
  Sink *sink = find_sink(next_word(&rest));
  MAPIOFFLINE_ADVISEINFO info = {
    .ulSize = sizeof info,
    .ulClientToken = number(next_word(&rest)),
    .CallbackType = MAPIOFFLINE_CALLBACK_TYPE_NOTIFY,
    .pCallback = sink != NULL ? (IUnknown *)&sink->iface : NULL,
    .ulAdviseTypes = MAPIOFFLINE_ADVISE_TYPE_STATECHANGE,
    .ulStateMask = MAPIOFFLINE_STATE_ALL,
  };
  MAPIOFFLINE_ADVISEINFO *pinfo = &info;
  ULONG flags = MAPIOFFLINE_ADVISE_DEFAULT, token = 12345, *ptoken = &token;
  char *opt;
  HRESULT hr;

  while ((opt = next_word(&rest)) != NULL) {
    char *eq = strchr(opt, '=');
    ULONG v = eq != NULL ? number(eq + 1) : 0;
    if (strncmp(opt, "flags=", 6) == 0)
      flags = v;
    else if (strncmp(opt, "size=", 5) == 0)
      info.ulSize = v;
    else if (strncmp(opt, "cbtype=", 7) == 0)
      info.CallbackType = (MAPIOFFLINE_CALLBACK_TYPE)v;
    else if (strncmp(opt, "types=", 6) == 0)
      info.ulAdviseTypes = v;
    else if (strncmp(opt, "mask=", 5) == 0)
      info.ulStateMask = v;
    else if (strcmp(opt, "noinfo") == 0)
      pinfo = NULL;
    else if (strcmp(opt, "notoken") == 0)
      ptoken = NULL;
    else if (strcmp(opt, "nocb") == 0)
      info.pCallback = NULL;
  }
  hr = obj->lpVtbl->Advise(obj, flags, pinfo, ptoken);
  say("hr 0x%08x %u", (unsigned)hr, token);
}

static void
run_command(char *line)
{
  char *rest = line, *cmd = next_word(&rest), *name;
  IMAPIOfflineMgr *obj = NULL;
  HRESULT hr;

  if (cmd == NULL)
    return;
  if (strcmp(cmd, "open") == 0) {
    cmd_open(rest);
    return;
  }
  if (strcmp(cmd, "sink") == 0) {
    char *sname = next_word(&rest), *opt = next_word(&rest);
    for (int i = 0; i < MAX_SINKS; i++)
      if (sinks[i].name[0] == '\0') {
        sinks[i].iface.lpVtbl = &sink_vtbl;
        sinks[i].refs = 1;
        sinks[i].no_iface = opt != NULL && strcmp(opt, "noiface") == 0;
        snprintf(sinks[i].name, sizeof sinks[i].name, "%s", sname);
        break;
      }
    say("ok");
    return;
  }
  if (strcmp(cmd, "refs") == 0) {
    Sink *s = find_sink(next_word(&rest));
    say("ok %u", s != NULL ? __atomic_load_n(&s->refs, __ATOMIC_RELAXED) : 0);
    return;
  }
  if (strcmp(cmd, "on") == 0) {
    ULONG ct = number(next_word(&rest)), type = number(next_word(&rest));
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < MAX_HOOKS; i++)
      if (hooks[i].command[0] == '\0') {
        hooks[i].client_token = ct;
        hooks[i].type = type;
        snprintf(hooks[i].command, sizeof hooks[i].command, "%s", rest);
        break;
      }
    pthread_mutex_unlock(&table_lock);
    say("ok");
    return;
  }
  if (strcmp(cmd, "echo") == 0) {
    say("ok %s", rest);
    return;
  }
  name = next_word(&rest);
  if ((obj = find_object(name)) == NULL) {
    say("ok no object %s", name != NULL ? name : "");
    return;
  }
  if (strcmp(cmd, "qi") == 0) {
    char *which = next_word(&rest);
    const IID bogus = { 0x12345678, 1, 2, { 3 } };
    const IID *iid = strcmp(which, "unknown") == 0 ? &IID_IUnknown :
                     strcmp(which, "offline") == 0 ? &IID_IMAPIOffline :
                     strcmp(which, "mgr") == 0 ? &IID_IMAPIOfflineMgr :
                     strcmp(which, "notify") == 0 ? &IID_IMAPIOfflineNotify : &bogus;
    void *out = (void *)&bogus;
    hr = obj->lpVtbl->QueryInterface(obj, iid, &out);
    say("hr 0x%08x %s", (unsigned)hr, out == obj ? "same" : out == NULL ? "null" : "other");
    if (hr == S_OK)
      obj->lpVtbl->Release(obj);
  } else if (strcmp(cmd, "addref") == 0) {
    say("ok %u", obj->lpVtbl->AddRef(obj));
  } else if (strcmp(cmd, "release") == 0) {
    ULONG left = obj->lpVtbl->Release(obj);
    if (left == 0)
      forget_object(obj);
    say("ok %u", left);
  } else if (strcmp(cmd, "state") == 0 || strcmp(cmd, "caps") == 0) {
    char *opt = next_word(&rest);
    IMAPIOffline *offline = NULL;
    ULONG value = 0;

    /* Through IMAPIOffline, as the sample does. */
    obj->lpVtbl->QueryInterface(obj, &IID_IMAPIOffline, (void **)&offline);
    if (cmd[0] == 's')
      hr = offline->lpVtbl->GetCurrentState(offline, opt != NULL ? NULL : &value);
    else
      hr = offline->lpVtbl->GetCapabilities(offline, opt != NULL ? NULL : &value);
    offline->lpVtbl->Release(offline);
    say("hr 0x%08x %u", (unsigned)hr, value);
  } else if (strcmp(cmd, "set") == 0) {
    ULONG flags = number(next_word(&rest)), mask = number(next_word(&rest));
    ULONG state = number(next_word(&rest));
    hr = obj->lpVtbl->SetCurrentState(obj, flags, mask, state, (void *)&mask);
    say("hr 0x%08x", (unsigned)hr);
  } else if (strcmp(cmd, "advise") == 0) {
    cmd_advise(obj, rest);
  } else if (strcmp(cmd, "unadvise") == 0) {
    ULONG token = number(next_word(&rest)), flags = number(next_word(&rest));
    hr = obj->lpVtbl->Unadvise(obj, flags, token);
    say("hr 0x%08x", (unsigned)hr);
  } else if (strcmp(cmd, "placeholders") == 0) {
    IMAPIOffline *offline = NULL;
    HRESULT r[8];

    obj->lpVtbl->QueryInterface(obj, &IID_IMAPIOffline, (void **)&offline);
    r[0] = offline->lpVtbl->Placeholder1(offline, NULL);
    offline->lpVtbl->Release(offline);
    r[1] = obj->lpVtbl->Placeholder2(obj, NULL);
    r[2] = obj->lpVtbl->Placeholder3(obj, NULL);
    r[3] = obj->lpVtbl->Placeholder4(obj, NULL);
    r[4] = obj->lpVtbl->Placeholder5(obj, NULL);
    r[5] = obj->lpVtbl->Placeholder6(obj, NULL);
    r[6] = obj->lpVtbl->Placeholder7(obj, NULL);
    r[7] = obj->lpVtbl->Placeholder8(obj, (void *)obj);
    say("hr 0x%08x 0x%08x 0x%08x 0x%08x 0x%08x 0x%08x 0x%08x 0x%08x", (unsigned)r[0],
        (unsigned)r[1], (unsigned)r[2], (unsigned)r[3], (unsigned)r[4], (unsigned)r[5],
        (unsigned)r[6], (unsigned)r[7]);
  } else {
    say("ok unknown command %s", cmd);
  }
}

int
main(int argc, char **argv)
{
  char line[1024];

  main_thread = pthread_self();
  say("ready");
  while (fgets(line, sizeof line, stdin) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    if (strcmp(line, "quit") == 0)
      break;
    run_command(line);
  }
  for (int i = 0; i < MAX_OBJECTS; i++)
    if (objects[i].obj != NULL)
      while (objects[i].obj->lpVtbl->Release(objects[i].obj) > 0)
        ;
  /* Every reference the library took on a sink was given back. */
  for (int i = 0; i < MAX_SINKS; i++)
    if (sinks[i].name[0] != '\0' && sinks[i].refs != 1) {
      printf("leak %s %u\n", sinks[i].name, sinks[i].refs);
      return 1;
    }
  return 0;
}
