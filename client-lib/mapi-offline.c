/* The MAPI face: HrOpenOfflineObj and the offline object's 16-slot vtable over the
 * native API, with notifications delivered on a dispatch thread of the library's own.
 *
 * One OmClient per process serves every MAPI object; it is created by the first
 * HrOpenOfflineObj and, with its dispatch thread, ends with the last object. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-private.h"
#include "offlinemgr/mapioffline.h"

const GUID GUID_GlobalState = { 0xfbeffd93, 0xb11f, 0x4094,
                                { 0x84, 0x2b, 0x96, 0xdc, 0xd3, 0x1e, 0x63, 0xd1 } };
const IID IID_IUnknown = { 0x00000000, 0x0000, 0x0000,
                           { 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 } };
const IID IID_IMAPIOffline = { 0x000672b5, 0x0000, 0x0000,
                               { 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 } };
const IID IID_IMAPIOfflineNotify = { 0x0317bde5, 0xfc29, 0x44cd,
                                     { 0x8d, 0xcd, 0x36, 0x12, 0x5a, 0x3b, 0xe9, 0xec } };
const IID IID_IMAPIOfflineMgr = { 0x42175607, 0xff3e, 0x4790,
                                  { 0xbc, 0x18, 0x66, 0xc8, 0x64, 0x3e, 0x64, 0x24 } };

/* ---- the process's client and its dispatch thread ---- */

typedef struct {
  OmClient *client;
  pthread_t thread;
  bool detached;   /* set by the thread itself: it frees this when its loop ends */
  unsigned users;  /* live objects; under runtime_lock */
} Runtime;

static pthread_mutex_t runtime_lock = PTHREAD_MUTEX_INITIALIZER;
static Runtime *runtime;

static void *
dispatch_thread(void *data)
{
  Runtime *rt = data;

  om_client_dispatcher_run(rt->client);
  if (rt->detached) {
    om_client_unref(rt->client);
    free(rt);
  }
  return NULL;
}

static Runtime *
runtime_get(OmError *error)
{
  Runtime *rt;
  sigset_t all, saved;
  int r;

  pthread_mutex_lock(&runtime_lock);
  if (runtime != NULL) {
    runtime->users++;
    rt = runtime;
    pthread_mutex_unlock(&runtime_lock);
    return rt;
  }
  rt = calloc(1, sizeof *rt);
  if (rt == NULL) {
    pthread_mutex_unlock(&runtime_lock);
    om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
    return NULL;
  }
  if ((rt->client = om_client_new(error)) == NULL) {
    pthread_mutex_unlock(&runtime_lock);
    free(rt);
    return NULL;
  }
  om_client_set_dedicated_dispatcher(rt->client);
  /* The application's signals belong to its own threads. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  r = pthread_create(&rt->thread, NULL, dispatch_thread, rt);
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  if (r != 0) {
    pthread_mutex_unlock(&runtime_lock);
    om_client_unref(rt->client);
    free(rt);
    om_set_error(error, OM_E_NO_MEMORY, NULL, "Cannot start the dispatch thread: %s",
                 strerror(r));
    return NULL;
  }
  rt->users = 1;
  runtime = rt;
  pthread_mutex_unlock(&runtime_lock);
  return rt;
}

static void
runtime_put(Runtime *rt)
{
  bool last;

  pthread_mutex_lock(&runtime_lock);
  last = --rt->users == 0;
  if (last && runtime == rt)
    runtime = NULL;
  pthread_mutex_unlock(&runtime_lock);
  if (!last)
    return;
  if (pthread_equal(pthread_self(), rt->thread)) {
    /* The last object was released from inside Notify: the thread cannot join itself,
     * so it ends its loop after this callback and cleans up. */
    rt->detached = true;
    om_client_dispatcher_stop(rt->client);
    pthread_detach(rt->thread);
    return;
  }
  om_client_dispatcher_stop(rt->client);
  pthread_join(rt->thread, NULL);
  om_client_unref(rt->client);
  free(rt);
}

/* ---- the offline object ---- */

typedef struct {
  IMAPIOfflineMgr iface;   /* first: the object's address is the interface pointer */
  ULONG refs;              /* atomic */
  Runtime *rt;
  OmOffline *offline;
} OfflineObj;

static OfflineObj *
obj_from(IMAPIOfflineMgr *This)
{
  return (OfflineObj *)This;
}

static HRESULT
hresult_from(int code)
{
  switch (code) {
  case 0:
    return S_OK;
  case OM_E_INVALID_ARGS:
    return E_INVALIDARG;
  case OM_E_PENDING:
    return E_PENDING;
  case OM_E_NOT_FOUND:
    return MAPI_E_NOT_FOUND;
  case OM_E_NO_DAEMON:
  case OM_E_TIMEOUT:
  case OM_E_NO_BUS:
    return MAPI_E_NETWORK_ERROR;
  case OM_E_NO_MEMORY:
    return E_OUTOFMEMORY;
  default:
    return E_FAIL;
  }
}

static HRESULT
obj_query_interface(IMAPIOfflineMgr *This, REFIID riid, void **ppvObject)
{
  if (ppvObject == NULL)
    return E_INVALIDARG;
  *ppvObject = NULL;
  if (This == NULL || riid == NULL)
    return E_INVALIDARG;
  if (!IsEqualIID(riid, &IID_IUnknown) && !IsEqualIID(riid, &IID_IMAPIOffline) &&
      !IsEqualIID(riid, &IID_IMAPIOfflineMgr))
    return E_NOINTERFACE;
  /* IMAPIOfflineVtbl is the first seven slots of IMAPIOfflineMgrVtbl: one object serves
   * all three interfaces. */
  This->lpVtbl->AddRef(This);
  *ppvObject = This;
  return S_OK;
}

static ULONG
obj_add_ref(IMAPIOfflineMgr *This)
{
  return __atomic_add_fetch(&obj_from(This)->refs, 1, __ATOMIC_RELAXED);
}

static ULONG
obj_release(IMAPIOfflineMgr *This)
{
  OfflineObj *obj = obj_from(This);
  ULONG refs = __atomic_sub_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL);

  if (refs == 0) {
    Runtime *rt = obj->rt;

    /* Ends the object's registrations: their sinks are released (a sink whose Notify
     * is running on this thread, after it returns). */
    om_offline_close(obj->offline);
    free(obj);
    runtime_put(rt);
  }
  return refs;
}

static HRESULT
obj_set_current_state(IMAPIOfflineMgr *This, ULONG ulFlags, ULONG ulMask, ULONG ulState,
                      void *pReserved)
{
  if (This == NULL || (ulFlags & ~(ULONG)MAPIOFFLINE_FLAG_BLOCK) != 0 ||
      ulMask != MAPIOFFLINE_STATE_OFFLINE_MASK ||
      (ulState != MAPIOFFLINE_STATE_OFFLINE && ulState != MAPIOFFLINE_STATE_ONLINE))
    return E_INVALIDARG;
  return hresult_from(om_offline_set_state(obj_from(This)->offline, ulFlags, ulState, NULL,
                                           NULL));
}

static HRESULT
obj_get_capabilities(IMAPIOfflineMgr *This, ULONG *pulCapabilities)
{
  uint32_t caps;
  int r;

  if (This == NULL || pulCapabilities == NULL)
    return E_INVALIDARG;
  if ((r = om_offline_get_capabilities(obj_from(This)->offline, &caps, NULL)) < 0)
    return hresult_from(r);
  *pulCapabilities = caps;
  return S_OK;
}

static HRESULT
obj_get_current_state(IMAPIOfflineMgr *This, ULONG *pulState)
{
  uint32_t state;
  int r;

  if (This == NULL || pulState == NULL)
    return E_INVALIDARG;
  if ((r = om_offline_get_state(obj_from(This)->offline, &state, NULL)) < 0)
    return hresult_from(r);
  *pulState = state;
  return S_OK;
}

static HRESULT
obj_placeholder(IMAPIOfflineMgr *This, void *pReserved)
{
  return MAPI_E_NO_SUPPORT;
}

/* Called on the dispatch thread for each phase of a registration's transitions. */
static void
notify_sink(OmOffline *offline, uint32_t client_token, const OmStateChange *change,
            void *user_data)
{
  IMAPIOfflineNotify *sink = user_data;
  MAPIOFFLINE_NOTIFY n;

  memset(&n, 0, sizeof n);
  n.ulSize = sizeof n;
  n.NotifyType = (MAPIOFFLINE_NOTIFY_TYPE)change->notify_type;
  n.ulClientToken = client_token;
  n.Info.StateChange.ulMask = change->mask;
  n.Info.StateChange.ulStateOld = change->old_state;
  n.Info.StateChange.ulStateNew = change->new_state;
  sink->lpVtbl->Notify(sink, &n);
}

static void
release_sink(void *user_data)
{
  IMAPIOfflineNotify *sink = user_data;

  sink->lpVtbl->Release(sink);
}

static HRESULT
obj_advise(IMAPIOfflineMgr *This, ULONG ulFlags, MAPIOFFLINE_ADVISEINFO *pAdviseInfo,
           ULONG *pulAdviseToken)
{
  IMAPIOfflineNotify *sink = NULL;
  IUnknown *callback;
  uint32_t token;
  HRESULT hr;
  int r;

  if (pulAdviseToken != NULL)
    *pulAdviseToken = 0;
  if (This == NULL || pAdviseInfo == NULL || pulAdviseToken == NULL ||
      ulFlags != MAPIOFFLINE_ADVISE_DEFAULT ||
      pAdviseInfo->ulSize < sizeof(MAPIOFFLINE_ADVISEINFO) ||
      pAdviseInfo->CallbackType != MAPIOFFLINE_CALLBACK_TYPE_NOTIFY ||
      pAdviseInfo->ulAdviseTypes != MAPIOFFLINE_ADVISE_TYPE_STATECHANGE ||
      pAdviseInfo->pCallback == NULL)
    return E_INVALIDARG;
  callback = pAdviseInfo->pCallback;
  /* The reference QueryInterface returns is the one the registration holds. */
  hr = callback->lpVtbl->QueryInterface(callback, &IID_IMAPIOfflineNotify, (void **)&sink);
  if (FAILED(hr) || sink == NULL)
    return E_NOINTERFACE;
  r = om_offline_advise(obj_from(This)->offline, pAdviseInfo->ulClientToken,
                        pAdviseInfo->ulStateMask, notify_sink, sink, release_sink, &token, NULL);
  if (r < 0) {
    sink->lpVtbl->Release(sink);
    return hresult_from(r);
  }
  *pulAdviseToken = token;
  return S_OK;
}

static HRESULT
obj_unadvise(IMAPIOfflineMgr *This, ULONG ulFlags, ULONG ulAdviseToken)
{
  /* Always S_OK (the docs require it; the sample unadvises token 0). */
  if (This != NULL)
    om_offline_unadvise(obj_from(This)->offline, ulAdviseToken);
  return S_OK;
}

static const IMAPIOfflineMgrVtbl offline_vtbl = {
  .QueryInterface = obj_query_interface,
  .AddRef = obj_add_ref,
  .Release = obj_release,
  .SetCurrentState = obj_set_current_state,
  .GetCapabilities = obj_get_capabilities,
  .GetCurrentState = obj_get_current_state,
  .Placeholder1 = obj_placeholder,
  .Advise = obj_advise,
  .Unadvise = obj_unadvise,
  .Placeholder2 = obj_placeholder,
  .Placeholder3 = obj_placeholder,
  .Placeholder4 = obj_placeholder,
  .Placeholder5 = obj_placeholder,
  .Placeholder6 = obj_placeholder,
  .Placeholder7 = obj_placeholder,
  .Placeholder8 = obj_placeholder,
};

/* ---- MAPI profile names ---- */

/* Outlook's callers pass their MAPI profile's name (L"Outlook"). A profile has one
 * global offline object, which is what offlinemgr's global object is: a name that is no
 * account's id opens it. The caller cannot tell that from its HRESULT, so the library
 * says it on stderr (the MAPI face has no other way to speak), once per name and
 * process, for a bounded number of names. */
#define PROFILE_NOTICES_MAX 32
#define PROFILE_SHOWN_MAX 64

static pthread_mutex_t profile_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t profile_noticed[PROFILE_NOTICES_MAX];  /* FNV-1a of the names */
static unsigned profile_noticed_count;

static uint64_t
profile_hash(LPCWSTR name)
{
  uint64_t h = 0xcbf29ce484222325u;

  for (; *name != L'\0'; name++) {
    uint32_t c = (uint32_t)*name;
    for (int i = 0; i < 4; i++) {
      h ^= (c >> (8 * i)) & 0xff;
      h *= 0x100000001b3u;
    }
  }
  return h;
}

/* The name as printable ASCII between quotes: other characters as \uXXXX, cut short. */
static void
profile_show(LPCWSTR name, char *out, size_t size)
{
  size_t n = 0, i;

  for (i = 0; name[i] != L'\0' && i < PROFILE_SHOWN_MAX && n + 12 < size; i++) {
    uint32_t c = (uint32_t)name[i];
    if (c == '"' || c == '\\')
      n += (size_t)snprintf(out + n, size - n, "\\%c", (char)c);
    else if (c >= 0x20 && c < 0x7f)
      out[n++] = (char)c;
    else
      n += (size_t)snprintf(out + n, size - n, c > 0xffff ? "\\U%08x" : "\\u%04x", c);
  }
  if (name[i] != L'\0')
    n += (size_t)snprintf(out + n, size - n, "...");
  out[n] = '\0';
}

static void
profile_notice(LPCWSTR name)
{
  char shown[PROFILE_SHOWN_MAX * 10 + 8];
  uint64_t h = profile_hash(name);
  bool last = false;

  pthread_mutex_lock(&profile_lock);
  for (unsigned i = 0; i < profile_noticed_count && i < PROFILE_NOTICES_MAX; i++)
    if (profile_noticed[i] == h) {
      pthread_mutex_unlock(&profile_lock);
      return;
    }
  if (profile_noticed_count > PROFILE_NOTICES_MAX) {
    pthread_mutex_unlock(&profile_lock);
    return;
  }
  if (profile_noticed_count < PROFILE_NOTICES_MAX)
    profile_noticed[profile_noticed_count] = h;
  else
    last = true;
  profile_noticed_count++;
  pthread_mutex_unlock(&profile_lock);

  if (last) {
    fprintf(stderr, "libofflinemgr: HrOpenOfflineObj: more than %d profile names that are no "
            "account; no more are reported\n", PROFILE_NOTICES_MAX);
    return;
  }
  profile_show(name, shown, sizeof shown);
  fprintf(stderr, "libofflinemgr: HrOpenOfflineObj: profile \"%s\" is no offlinemgr account, "
          "so it opened the global offline object (the user's state as a whole); pass an "
          "account id for one account's, or NULL for the global one without this notice\n",
          shown);
}

/* The profile name as an account id: account ids are ASCII, so anything else is no
 * account. Returns false when it cannot be one. */
static bool
profile_to_id(LPCWSTR name, char *id, size_t size)
{
  size_t n = 0;

  for (; name[n] != L'\0'; n++) {
    if (n + 1 >= size || name[n] <= 0 || name[n] > 0x7f)
      return false;
    id[n] = (char)name[n];
  }
  id[n] = '\0';
  return om_account_id_is_valid(id);
}

HRESULT
HrOpenOfflineObj(ULONG ulReserved, LPCWSTR pwszProfileNameIn, const GUID *pGUID,
                 const GUID *pInstance, IMAPIOfflineMgr **ppOfflineObj)
{
  char id[OM_ACCOUNT_ID_MAX + 1];
  bool global = pwszProfileNameIn == NULL || pwszProfileNameIn[0] == L'\0';
  bool account = !global && profile_to_id(pwszProfileNameIn, id, sizeof id);
  OfflineObj *obj;
  Runtime *rt;
  OmError error = OM_ERROR_INIT;

  if (ppOfflineObj == NULL)
    return E_INVALIDARG;
  *ppOfflineObj = NULL;
  if (ulReserved != 0 || pInstance != NULL || pGUID == NULL ||
      !IsEqualGUID(pGUID, &GUID_GlobalState))
    return MAPI_E_NOT_FOUND;

  if ((obj = calloc(1, sizeof *obj)) == NULL)
    return E_OUTOFMEMORY;
  if ((rt = runtime_get(&error)) == NULL) {
    free(obj);
    return error.code == OM_E_NO_MEMORY ? E_OUTOFMEMORY : MAPI_E_NETWORK_ERROR;
  }
  obj->offline = om_offline_open(rt->client, account ? id : NULL, &error);
  if (obj->offline == NULL && account && error.code == OM_E_NOT_FOUND) {
    account = false;   /* a MAPI profile's name, not an account's */
    obj->offline = om_offline_open(rt->client, NULL, &error);
  }
  if (obj->offline == NULL) {
    HRESULT hr = hresult_from(error.code);
    free(obj);
    runtime_put(rt);
    return hr == MAPI_E_NETWORK_ERROR || hr == E_OUTOFMEMORY ? hr : MAPI_E_NOT_FOUND;
  }
  if (!global && !account)
    profile_notice(pwszProfileNameIn);
  obj->iface.lpVtbl = &offline_vtbl;
  obj->refs = 1;
  obj->rt = rt;
  *ppOfflineObj = &obj->iface;
  return S_OK;
}
