/* offline-state-sample-cxx: Outlook's "Sample Offline State Add-in" ported to C++ and
 * libofflinemgr's MAPI face, written the way the add-in is: a CMyOfflineNotify class,
 * -> calls, InitMonitor/DeInitMonitor and the GetCurrentState/SetCurrentState helpers.
 *
 * The add-in's four buttons become command-line words, run in order:
 *   offline-state-sample-cxx [--profile NAME] init get set-offline set-online deinit
 * It prints what offline-state-sample (the C port) prints.
 *
 * What the port changed from the add-in:
 *  - LoadLibraries looks HrOpenOfflineObj up in libofflinemgr.so.0 with dlopen/dlsym
 *    instead of LoadLibrary/GetProcAddress in msmapi32.dll (calling HrOpenOfflineObj
 *    directly, as the program is linked with the library anyway, does the same).
 *  - The profile name comes from the command line: an offlinemgr account id, or nothing
 *    for the global object. A MAPI profile's name ("Outlook") opens the global object
 *    too, and the library says so on stderr.
 *  - The helpers use the monitor's object when there is one (the add-in's first call
 *    DeInitMonitor, which silently ends the monitor), so that its notifications show.
 *  - The add-in never releases the sink it creates; here InitMonitor releases its own
 *    reference once Advise holds one, so the sink goes with Unadvise.
 *  - The log goes to stdout; Notify runs on the library's thread, so it is locked.
 *
 * Build: c++ offline-state-sample.cpp $(pkg-config --cflags --libs offlinemgr)
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mutex>

#include <offlinemgr/mapioffline.h>
#include <offlinemgr/mapioffline-windows.h>

static HROPENOFFLINEOBJ *pfnHrOpenOfflineObj = NULL;
static void *g_hOfflineMgrLib = NULL;
static IMAPIOfflineMgr *g_lpOfflineMgr = NULL;
static ULONG g_ulAdviseToken = 0;
static int g_cFailures = 0;

static std::mutex g_logLock;

static void Log(const char *szFormat, ...) __attribute__((format(printf, 1, 2)));

static void
Log(const char *szFormat, ...)
{
  std::lock_guard<std::mutex> lock(g_logLock);
  va_list ap;

  va_start(ap, szFormat);
  vprintf(szFormat, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

static HRESULT
Check(const char *szWhat, HRESULT hRes)
{
  Log("%s returned 0x%08x", szWhat, (unsigned)hRes);
  if (FAILED(hRes))
    g_cFailures++;
  return hRes;
}

static const char *
StateName(ULONG ulState)
{
  switch (ulState) {
  case MAPIOFFLINE_STATE_ONLINE:
    return "MAPIOFFLINE_STATE_ONLINE";
  case MAPIOFFLINE_STATE_OFFLINE:
    return "MAPIOFFLINE_STATE_OFFLINE";
  default:
    return "unknown";
  }
}

/* ---- CMyOfflineNotify ---- */

class CMyOfflineNotify final : public IMAPIOfflineNotify
{
public:
  CMyOfflineNotify() : m_cRef(1) {}
  ~CMyOfflineNotify() { Log("CMyOfflineNotify: released"); }

  STDMETHODIMP QueryInterface(REFIID riid, LPVOID *ppvObj);
  STDMETHODIMP_(ULONG) AddRef();
  STDMETHODIMP_(ULONG) Release();
  void STDMETHODCALLTYPE Notify(const MAPIOFFLINE_NOTIFY *pNotifyInfo);

private:
  LONG m_cRef;
};

STDMETHODIMP
CMyOfflineNotify::QueryInterface(REFIID riid, LPVOID *ppvObj)
{
  *ppvObj = 0;
  if (riid == IID_IMAPIOfflineNotify || riid == IID_IUnknown) {
    *ppvObj = static_cast<IMAPIOfflineNotify *>(this);
    AddRef();
    return S_OK;
  }
  return E_NOINTERFACE;
}

STDMETHODIMP_(ULONG)
CMyOfflineNotify::AddRef()
{
  return InterlockedIncrement(&m_cRef);
}

STDMETHODIMP_(ULONG)
CMyOfflineNotify::Release()
{
  LONG cRef = InterlockedDecrement(&m_cRef);

  if (cRef == 0)
    delete this;
  return cRef;
}

void STDMETHODCALLTYPE
CMyOfflineNotify::Notify(const MAPIOFFLINE_NOTIFY *pNotifyInfo)
{
  const char *szType;

  if (pNotifyInfo == NULL) {
    Log("Notify: pNotifyInfo is NULL");
    return;
  }
  switch (pNotifyInfo->NotifyType) {
  case MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START:
    szType = "MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START";
    break;
  case MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE:
    szType = "MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE";
    break;
  case MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE:
    szType = "MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE";
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
      pNotifyInfo->ulSize, szType, pNotifyInfo->ulClientToken,
      StateName(pNotifyInfo->Info.StateChange.ulStateOld),
      StateName(pNotifyInfo->Info.StateChange.ulStateNew));
}

/* ---- loading ---- */

static bool
LoadLibraries()
{
  g_hOfflineMgrLib = dlopen("libofflinemgr.so.0", RTLD_NOW);
  if (g_hOfflineMgrLib)
    pfnHrOpenOfflineObj = (HROPENOFFLINEOBJ *)dlsym(g_hOfflineMgrLib, HROPENOFFLINEOBJ_SYMBOL);
  if (!pfnHrOpenOfflineObj) {
    fprintf(stderr, "cannot find HrOpenOfflineObj: %s\n", dlerror());
    return false;
  }
  return true;
}

static void
UnloadLibraries()
{
  pfnHrOpenOfflineObj = NULL;
  if (g_hOfflineMgrLib)
    dlclose(g_hOfflineMgrLib);
  g_hOfflineMgrLib = NULL;
}

/* ---- the buttons ---- */

static void
DeInitMonitor()
{
  if (!g_lpOfflineMgr)
    return;
  Check("DeInitMonitor: Unadvise",
        g_lpOfflineMgr->Unadvise(MAPIOFFLINE_UNADVISE_DEFAULT, g_ulAdviseToken));
  g_lpOfflineMgr->Release();
  g_lpOfflineMgr = NULL;
  g_ulAdviseToken = 0;
}

static void
InitMonitor(LPCWSTR szProfile)
{
  if (g_lpOfflineMgr) {
    Log("InitMonitor: already initialized");
    return;
  }
  if (FAILED(Check("InitMonitor: HrOpenOfflineObj",
                   pfnHrOpenOfflineObj(0, szProfile, &GUID_GlobalState, NULL, &g_lpOfflineMgr))))
    return;

  IMAPIOffline *lpOffline = NULL;
  if (FAILED(Check("InitMonitor: QueryInterface(IID_IMAPIOffline)",
                   g_lpOfflineMgr->QueryInterface(IID_IMAPIOffline, (LPVOID *)&lpOffline))))
    return;

  ULONG ulCap = 0;
  Check("InitMonitor: GetCapabilities", lpOffline->GetCapabilities(&ulCap));
  if (ulCap & MAPIOFFLINE_CAPABILITY_OFFLINE)
    Log("InitMonitor: MAPIOFFLINE_CAPABILITY_OFFLINE");
  if (ulCap & MAPIOFFLINE_CAPABILITY_ONLINE)
    Log("InitMonitor: MAPIOFFLINE_CAPABILITY_ONLINE");

  if (ulCap & (MAPIOFFLINE_CAPABILITY_OFFLINE | MAPIOFFLINE_CAPABILITY_ONLINE)) {
    CMyOfflineNotify *lpImplNotify = new CMyOfflineNotify();
    MAPIOFFLINE_ADVISEINFO AdviseInfo = {0};

    AdviseInfo.ulSize = sizeof(MAPIOFFLINE_ADVISEINFO);
    AdviseInfo.ulClientToken = 0;  // whatever we want handed back in the notifications
    AdviseInfo.CallbackType = MAPIOFFLINE_CALLBACK_TYPE_NOTIFY;
    AdviseInfo.pCallback = lpImplNotify;
    AdviseInfo.ulAdviseTypes = MAPIOFFLINE_ADVISE_TYPE_STATECHANGE;
    AdviseInfo.ulStateMask = MAPIOFFLINE_STATE_ALL;
    Check("InitMonitor: Advise",
          g_lpOfflineMgr->Advise(MAPIOFFLINE_ADVISE_DEFAULT, &AdviseInfo, &g_ulAdviseToken));
    Log("InitMonitor: advise token %u", g_ulAdviseToken);
    lpImplNotify->Release();  // the registration holds its own reference
  }
  lpOffline->Release();
}

/* An IMAPIOffline for the helpers: the monitor's object, or a fresh one. */
static IMAPIOffline *
OpenOffline(LPCWSTR szProfile)
{
  IMAPIOfflineMgr *lpOfflineMgr = g_lpOfflineMgr;
  IMAPIOffline *lpOffline = NULL;

  if (!lpOfflineMgr &&
      FAILED(Check("HrOpenOfflineObj",
                   pfnHrOpenOfflineObj(0, szProfile, &GUID_GlobalState, NULL, &lpOfflineMgr))))
    return NULL;
  lpOfflineMgr->QueryInterface(IID_IMAPIOffline, (LPVOID *)&lpOffline);
  if (lpOfflineMgr != g_lpOfflineMgr)
    lpOfflineMgr->Release();
  return lpOffline;
}

static ULONG
GetCurrentState(LPCWSTR szProfile)
{
  IMAPIOffline *lpOffline = OpenOffline(szProfile);
  ULONG ulCurState = 0;

  if (!lpOffline)
    return 0;
  Check("GetCurrentState", lpOffline->GetCurrentState(&ulCurState));
  Log("GetCurrentState: %s", StateName(ulCurState));
  lpOffline->Release();
  return ulCurState;
}

static HRESULT
SetCurrentState(LPCWSTR szProfile, ULONG ulFlags, ULONG ulState)
{
  IMAPIOffline *lpOffline = OpenOffline(szProfile);
  HRESULT hRes;

  if (!lpOffline)
    return MAPI_E_NOT_FOUND;
  Log("SetCurrentState: %s%s", StateName(ulState),
      ulFlags & MAPIOFFLINE_FLAG_BLOCK ? ", MAPIOFFLINE_FLAG_BLOCK" : "");
  hRes = Check("SetCurrentState",
               lpOffline->SetCurrentState(ulFlags, MAPIOFFLINE_STATE_OFFLINE_MASK, ulState, NULL));
  lpOffline->Release();
  return hRes;
}

int
main(int argc, char **argv)
{
  WCHAR szProfile[128] = L"";
  int i = 1;

  if (argc > 2 && strcmp(argv[1], "--profile") == 0) {
    if (mbstowcs(szProfile, argv[2], 127) == (size_t)-1) {
      fprintf(stderr, "invalid profile name\n");
      return 2;
    }
    i = 3;
  }
  if (!LoadLibraries())
    return 1;
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
      fprintf(stderr, "usage: %s [--profile NAME] init|get|set-offline|set-online|deinit...\n",
              argv[0]);
      return 2;
    }
  }
  /* As the add-in's shutdown (HrTermAddin) does. */
  DeInitMonitor();
  UnloadLibraries();
  return g_cFailures == 0 ? 0 : 1;
}
