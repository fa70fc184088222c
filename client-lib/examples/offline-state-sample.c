/* offline-state-sample: Outlook's "Sample Offline State Add-in" ported to C and
 * libofflinemgr's MAPI face.
 *
 * The add-in's four buttons become command-line words, run in order:
 *   offline-state-sample [--profile ID] init get set-offline set-online deinit
 * "init" is InitMonitor (HrOpenOfflineObj, QueryInterface(IID_IMAPIOffline),
 * GetCapabilities, Advise with a CMyOfflineNotify sink), "get" and "set-*" the
 * GetCurrentState/SetCurrentState helpers, "deinit" DeInitMonitor (Unadvise, Release).
 * The profile is an offlinemgr account id; without one the global object is used, and
 * with a name that is no account's (a MAPI profile's, "Outlook") too.
 *
 * One change from the sample: its GetCurrentState/SetCurrentState helpers first call
 * DeInitMonitor and re-open the object, which silently ends the monitor (and makes a
 * later Deinit unadvise token 0). Here they use the monitor's object when there is one,
 * so that the sink's notifications can be seen; without one they open a fresh object,
 * as the sample does. What the sample logs to a file goes to stdout.
 *
 * Build: cc offline-state-sample.c $(pkg-config --cflags --libs offlinemgr)
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <offlinemgr/mapioffline.h>

static IMAPIOfflineMgr *g_lpOfflineMgr;
static ULONG g_ulAdviseToken;
static int g_failures;

/* Notify runs on the library's dispatch thread: one line at a time. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void Log(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void
Log(const char *format, ...)
{
  va_list ap;

  pthread_mutex_lock(&log_lock);
  va_start(ap, format);
  vprintf(format, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
  pthread_mutex_unlock(&log_lock);
}

static HRESULT
Check(const char *what, HRESULT hr)
{
  Log("%s returned 0x%08x", what, (unsigned)hr);
  if (FAILED(hr))
    g_failures++;
  return hr;
}

static const char *
StateName(ULONG state)
{
  switch (state) {
  case MAPIOFFLINE_STATE_ONLINE:
    return "MAPIOFFLINE_STATE_ONLINE";
  case MAPIOFFLINE_STATE_OFFLINE:
    return "MAPIOFFLINE_STATE_OFFLINE";
  default:
    return "unknown";
  }
}

/* ---- CMyOfflineNotify ---- */

typedef struct {
  IMAPIOfflineNotify iface;
  ULONG cRef;
} CMyOfflineNotify;

static HRESULT
CMyOfflineNotify_QueryInterface(IMAPIOfflineNotify *This, REFIID riid, void **ppvObj)
{
  *ppvObj = NULL;
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMAPIOfflineNotify)) {
    *ppvObj = This;
    This->lpVtbl->AddRef(This);
    return S_OK;
  }
  return E_NOINTERFACE;
}

static ULONG
CMyOfflineNotify_AddRef(IMAPIOfflineNotify *This)
{
  return __atomic_add_fetch(&((CMyOfflineNotify *)This)->cRef, 1, __ATOMIC_RELAXED);
}

static ULONG
CMyOfflineNotify_Release(IMAPIOfflineNotify *This)
{
  ULONG cRef = __atomic_sub_fetch(&((CMyOfflineNotify *)This)->cRef, 1, __ATOMIC_ACQ_REL);

  if (cRef == 0) {
    Log("CMyOfflineNotify: released");
    free(This);
  }
  return cRef;
}

static void
CMyOfflineNotify_Notify(IMAPIOfflineNotify *This, const MAPIOFFLINE_NOTIFY *pNotifyInfo)
{
  const char *type;

  if (pNotifyInfo == NULL) {
    Log("Notify: pNotifyInfo is NULL");
    return;
  }
  switch (pNotifyInfo->NotifyType) {
  case MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START:
    type = "MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START";
    break;
  case MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE:
    type = "MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE";
    break;
  case MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE:
    type = "MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE";
    break;
  default:
    /* Other kinds of notification may come one day: ignore their contents. */
    Log("Notify: ulSize %u, NotifyType 0x%x (ignored)", pNotifyInfo->ulSize,
        (unsigned)pNotifyInfo->NotifyType);
    return;
  }
  if (pNotifyInfo->Info.StateChange.ulMask != MAPIOFFLINE_STATE_OFFLINE_MASK) {
    Log("Notify: ulMask 0x%x (ignored)", pNotifyInfo->Info.StateChange.ulMask);
    return;
  }
  Log("Notify: ulSize %u, %s, ulClientToken %u, MAPIOFFLINE_STATE_OFFLINE_MASK, %s -> %s",
      pNotifyInfo->ulSize, type, pNotifyInfo->ulClientToken,
      StateName(pNotifyInfo->Info.StateChange.ulStateOld),
      StateName(pNotifyInfo->Info.StateChange.ulStateNew));
}

static const IMAPIOfflineNotifyVtbl CMyOfflineNotify_Vtbl = {
  CMyOfflineNotify_QueryInterface, CMyOfflineNotify_AddRef, CMyOfflineNotify_Release,
  CMyOfflineNotify_Notify,
};

static IMAPIOfflineNotify *
CMyOfflineNotify_New(void)
{
  CMyOfflineNotify *p = calloc(1, sizeof *p);

  if (p == NULL)
    return NULL;
  p->iface.lpVtbl = &CMyOfflineNotify_Vtbl;
  p->cRef = 1;
  return &p->iface;
}

/* ---- the buttons ---- */

static void
DeInitMonitor(void)
{
  if (g_lpOfflineMgr == NULL)
    return;
  Check("DeInitMonitor: Unadvise",
        g_lpOfflineMgr->lpVtbl->Unadvise(g_lpOfflineMgr, MAPIOFFLINE_UNADVISE_DEFAULT,
                                         g_ulAdviseToken));
  g_lpOfflineMgr->lpVtbl->Release(g_lpOfflineMgr);
  g_lpOfflineMgr = NULL;
  g_ulAdviseToken = 0;
}

static void
InitMonitor(LPCWSTR szProfile)
{
  IMAPIOffline *lpOffline = NULL;
  ULONG ulCap = 0;

  if (g_lpOfflineMgr != NULL) {
    Log("InitMonitor: already initialized");
    return;
  }
  if (FAILED(Check("InitMonitor: HrOpenOfflineObj",
                   HrOpenOfflineObj(0, szProfile, &GUID_GlobalState, NULL, &g_lpOfflineMgr))))
    return;
  if (FAILED(Check("InitMonitor: QueryInterface(IID_IMAPIOffline)",
                   g_lpOfflineMgr->lpVtbl->QueryInterface(g_lpOfflineMgr, &IID_IMAPIOffline,
                                                          (void **)&lpOffline))))
    return;
  Check("InitMonitor: GetCapabilities", lpOffline->lpVtbl->GetCapabilities(lpOffline, &ulCap));
  if (ulCap & MAPIOFFLINE_CAPABILITY_OFFLINE)
    Log("InitMonitor: MAPIOFFLINE_CAPABILITY_OFFLINE");
  if (ulCap & MAPIOFFLINE_CAPABILITY_ONLINE)
    Log("InitMonitor: MAPIOFFLINE_CAPABILITY_ONLINE");
  if (ulCap & (MAPIOFFLINE_CAPABILITY_OFFLINE | MAPIOFFLINE_CAPABILITY_ONLINE)) {
    IMAPIOfflineNotify *sink = CMyOfflineNotify_New();
    MAPIOFFLINE_ADVISEINFO AdviseInfo = { 0 };

    AdviseInfo.ulSize = sizeof(MAPIOFFLINE_ADVISEINFO);
    AdviseInfo.ulClientToken = 0;  /* whatever we want back in the notifications */
    AdviseInfo.CallbackType = MAPIOFFLINE_CALLBACK_TYPE_NOTIFY;
    AdviseInfo.pCallback = (IUnknown *)sink;
    AdviseInfo.ulAdviseTypes = MAPIOFFLINE_ADVISE_TYPE_STATECHANGE;
    AdviseInfo.ulStateMask = MAPIOFFLINE_STATE_ALL;
    Check("InitMonitor: Advise",
          g_lpOfflineMgr->lpVtbl->Advise(g_lpOfflineMgr, MAPIOFFLINE_ADVISE_DEFAULT, &AdviseInfo,
                                         &g_ulAdviseToken));
    Log("InitMonitor: advise token %u", g_ulAdviseToken);
    /* The registration holds its own reference; this one was the sample's "new". */
    if (sink != NULL)
      sink->lpVtbl->Release(sink);
  }
  lpOffline->lpVtbl->Release(lpOffline);
}

/* Opens an IMAPIOffline for the helpers: the monitor's object, or a fresh one. */
static IMAPIOffline *
OpenOffline(LPCWSTR szProfile)
{
  IMAPIOfflineMgr *lpMgr = g_lpOfflineMgr;
  IMAPIOffline *lpOffline = NULL;

  if (lpMgr == NULL &&
      FAILED(Check("HrOpenOfflineObj",
                   HrOpenOfflineObj(0, szProfile, &GUID_GlobalState, NULL, &lpMgr))))
    return NULL;
  lpMgr->lpVtbl->QueryInterface(lpMgr, &IID_IMAPIOffline, (void **)&lpOffline);
  if (lpMgr != g_lpOfflineMgr)
    lpMgr->lpVtbl->Release(lpMgr);
  return lpOffline;
}

static ULONG
GetCurrentState(LPCWSTR szProfile)
{
  IMAPIOffline *lpOffline = OpenOffline(szProfile);
  ULONG ulCurState = 0;

  if (lpOffline == NULL)
    return 0;
  Check("GetCurrentState", lpOffline->lpVtbl->GetCurrentState(lpOffline, &ulCurState));
  Log("GetCurrentState: %s", StateName(ulCurState));
  lpOffline->lpVtbl->Release(lpOffline);
  return ulCurState;
}

static void
SetCurrentState(LPCWSTR szProfile, ULONG ulFlags, ULONG ulState)
{
  IMAPIOffline *lpOffline = OpenOffline(szProfile);

  if (lpOffline == NULL)
    return;
  Log("SetCurrentState: %s%s", StateName(ulState),
      ulFlags & MAPIOFFLINE_FLAG_BLOCK ? ", MAPIOFFLINE_FLAG_BLOCK" : "");
  Check("SetCurrentState",
        lpOffline->lpVtbl->SetCurrentState(lpOffline, ulFlags, MAPIOFFLINE_STATE_OFFLINE_MASK,
                                           ulState, NULL));
  lpOffline->lpVtbl->Release(lpOffline);
}

int
main(int argc, char **argv)
{
  wchar_t szProfile[128] = L"";
  int i = 1;

  if (argc > 2 && strcmp(argv[1], "--profile") == 0) {
    if (mbstowcs(szProfile, argv[2], 127) == (size_t)-1) {
      fprintf(stderr, "invalid profile name\n");
      return 2;
    }
    i = 3;
  }
  for (; i < argc; i++) {
    if (strcmp(argv[i], "init") == 0)
      InitMonitor(szProfile);
    else if (strcmp(argv[i], "deinit") == 0)
      DeInitMonitor();
    else if (strcmp(argv[i], "get") == 0)
      GetCurrentState(szProfile);
    else if (strcmp(argv[i], "set-offline") == 0)
      SetCurrentState(szProfile, MAPIOFFLINE_FLAG_BLOCK, MAPIOFFLINE_STATE_OFFLINE);
    else if (strcmp(argv[i], "set-online") == 0)
      SetCurrentState(szProfile, MAPIOFFLINE_FLAG_BLOCK, MAPIOFFLINE_STATE_ONLINE);
    else {
      fprintf(stderr, "usage: %s [--profile ID] init|get|set-offline|set-online|deinit...\n",
              argv[0]);
      return 2;
    }
  }
  DeInitMonitor();  /* as the add-in's shutdown does */
  return g_failures == 0 ? 0 : 1;
}
