/* A C++ client of libofflinemgr's MAPI face for the integration tests, written the way
 * real Offline State code is: the sample add-in's InitMonitor/DeInitMonitor and
 * Get/SetCurrentState helpers with a CMyOfflineNotify sink, and Kopano's
 * ECOfflineState::GetOfflineState/SetOfflineState, with only Windows-only names changed.
 *
 * Commands on stdin, one answer line each on stdout ("hr 0x%08x ..." or "ok ..."):
 *   init NAME [multi]      InitMonitor(NAME): "hr <Advise's HRESULT> caps <caps> token <t>"
 *   deinit                 DeInitMonitor(): "hr <Unadvise's HRESULT>"
 *   release-monitor        the monitor's object released without Unadvise
 *   get NAME               GetCurrentState through an object of its own: "hr <hr> <state>"
 *   set NAME FLAGS STATE   SetCurrentState through an object of its own: "hr <hr>"
 *   kget NAME              ECOfflineState::GetOfflineState: "ok online|offline hr <hr>"
 *   kset NAME online|offline  ECOfflineState::SetOfflineState: "ok hr <hr>"
 *   sinks                  "ok created <n> live <n> refs <held> addref <n> release <n>"
 * NAME "-" is L"". Notify prints "notify <sink> <ulClientToken> <ulSize> <type> <mask>
 * <old> <new> <dispatch|main>". At "quit" the program ends the monitor and exits 1 when
 * a sink is still alive or its AddRef and Release calls do not balance (COM rules: each
 * sink ends with the last Release, one more than its AddRefs). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <mutex>
#include <string>

#include <offlinemgr/mapioffline.h>
#include <offlinemgr/mapioffline-windows.h>

#include "driver-words.h"

static std::mutex g_outLock;
static pthread_t g_mainThread;

static void Say(const char *szFormat, ...) __attribute__((format(printf, 1, 2)));

static void
Say(const char *szFormat, ...)
{
  std::lock_guard<std::mutex> lock(g_outLock);
  va_list ap;

  va_start(ap, szFormat);
  vprintf(szFormat, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

/* ---- the sinks ---- */

/* Every sink's references, counted across classes. */
static std::atomic<long> g_cCreated(0), g_cLive(0), g_cAddRef(0), g_cRelease(0);

/* References held on all sinks: one from each constructor, one per AddRef, less one
 * per Release. */
static long
HeldReferences()
{
  return g_cCreated + g_cAddRef - g_cRelease;
}

static void
SayNotify(const char *szSink, const MAPIOFFLINE_NOTIFY *pNotifyInfo)
{
  Say("notify %s %u %u %u %u %u %u %s", szSink, pNotifyInfo->ulClientToken,
      pNotifyInfo->ulSize, (unsigned)pNotifyInfo->NotifyType,
      pNotifyInfo->Info.StateChange.ulMask, pNotifyInfo->Info.StateChange.ulStateOld,
      pNotifyInfo->Info.StateChange.ulStateNew,
      pthread_equal(pthread_self(), g_mainThread) ? "main" : "dispatch");
}

/* The sample's sink. Not final, with a virtual destructor: its slots follow the
 * interface's, which must stay where they are. */
class CMyOfflineNotify : public IMAPIOfflineNotify
{
public:
  CMyOfflineNotify() : m_cRef(1)
  {
    g_cCreated++;
    g_cLive++;
  }
  virtual ~CMyOfflineNotify() { g_cLive--; }

  STDMETHODIMP QueryInterface(REFIID riid, LPVOID *ppvObj)
  {
    *ppvObj = 0;
    if (riid == IID_IMAPIOfflineNotify || riid == IID_IUnknown) {
      *ppvObj = (LPVOID)this;
      AddRef();
      return S_OK;
    }
    return E_NOINTERFACE;
  }
  STDMETHODIMP_(ULONG) AddRef()
  {
    g_cAddRef++;
    return InterlockedIncrement(&m_cRef);
  }
  STDMETHODIMP_(ULONG) Release()
  {
    g_cRelease++;
    LONG cRef = InterlockedDecrement(&m_cRef);
    if (cRef == 0)
      delete this;
    return cRef;
  }
  void STDMETHODCALLTYPE Notify(const MAPIOFFLINE_NOTIFY *pNotifyInfo)
  {
    if (pNotifyInfo == NULL) {
      Say("notify null");
      return;
    }
    SayNotify("CMyOfflineNotify", pNotifyInfo);
  }

private:
  LONG m_cRef;
};

/* A sink that is another interface first: pCallback is that interface's IUnknown, and
 * the library gets the IMAPIOfflineNotify part, at another address, from
 * QueryInterface. */
struct IOtherInterface : public IUnknown {
  STDMETHOD(Other)() PURE;

protected:
  ~IOtherInterface() {}
};

class CMultiNotify final : public IOtherInterface, public IMAPIOfflineNotify
{
public:
  CMultiNotify() : m_cRef(1)
  {
    g_cCreated++;
    g_cLive++;
  }
  ~CMultiNotify() { g_cLive--; }

  STDMETHODIMP QueryInterface(REFIID riid, LPVOID *ppvObj)
  {
    *ppvObj = 0;
    if (riid == IID_IUnknown)
      *ppvObj = static_cast<IOtherInterface *>(this);
    else if (riid == IID_IMAPIOfflineNotify)
      *ppvObj = static_cast<IMAPIOfflineNotify *>(this);
    else
      return E_NOINTERFACE;
    AddRef();
    return S_OK;
  }
  STDMETHODIMP_(ULONG) AddRef()
  {
    g_cAddRef++;
    return InterlockedIncrement(&m_cRef);
  }
  STDMETHODIMP_(ULONG) Release()
  {
    g_cRelease++;
    LONG cRef = InterlockedDecrement(&m_cRef);
    if (cRef == 0)
      delete this;
    return cRef;
  }
  STDMETHODIMP Other() { return S_OK; }
  void STDMETHODCALLTYPE Notify(const MAPIOFFLINE_NOTIFY *pNotifyInfo)
  {
    SayNotify("CMultiNotify", pNotifyInfo);
  }

private:
  LONG m_cRef;
};

/* ---- the sample add-in ---- */

static HROPENOFFLINEOBJ *pfnHrOpenOfflineObj = HrOpenOfflineObj;
static IMAPIOfflineMgr *g_lpOfflineMgr = NULL;
static ULONG g_ulAdviseToken = 0;

static void
DeInitMonitor(HRESULT *phRes)
{
  if (g_lpOfflineMgr) {
    *phRes = g_lpOfflineMgr->Unadvise(MAPIOFFLINE_UNADVISE_DEFAULT, g_ulAdviseToken);
    g_lpOfflineMgr->Release();
    g_lpOfflineMgr = NULL;
    g_ulAdviseToken = 0;
  }
}

static void
InitMonitor(LPCWSTR szProfile, bool fMulti)
{
  HRESULT hRes = S_OK;
  ULONG ulCap = 0;

  if (g_lpOfflineMgr) {
    Say("ok already initialized");
    return;
  }
  hRes = pfnHrOpenOfflineObj(0, szProfile, &GUID_GlobalState, NULL, &g_lpOfflineMgr);
  if (g_lpOfflineMgr) {
    IMAPIOffline *lpOffline = NULL;
    hRes = g_lpOfflineMgr->QueryInterface(IID_IMAPIOffline, (LPVOID *)&lpOffline);
    if (lpOffline) {
      hRes = lpOffline->GetCapabilities(&ulCap);
      if (ulCap & (MAPIOFFLINE_CAPABILITY_OFFLINE | MAPIOFFLINE_CAPABILITY_ONLINE)) {
        MAPIOFFLINE_ADVISEINFO AdviseInfo = {0};
        IUnknown *lpImplNotify;
        if (fMulti)
          lpImplNotify = static_cast<IOtherInterface *>(new CMultiNotify());
        else
          lpImplNotify = new CMyOfflineNotify();
        AdviseInfo.ulSize = sizeof(MAPIOFFLINE_ADVISEINFO);
        AdviseInfo.ulClientToken = 0;
        AdviseInfo.CallbackType = MAPIOFFLINE_CALLBACK_TYPE_NOTIFY;
        AdviseInfo.pCallback = lpImplNotify;
        AdviseInfo.ulAdviseTypes = MAPIOFFLINE_ADVISE_TYPE_STATECHANGE;
        AdviseInfo.ulStateMask = MAPIOFFLINE_STATE_ALL;
        hRes = g_lpOfflineMgr->Advise(MAPIOFFLINE_ADVISE_DEFAULT, &AdviseInfo, &g_ulAdviseToken);
        lpImplNotify->Release();  // the registration holds its own
      }
      lpOffline->Release();
    }
  }
  Say("hr 0x%08x caps %u token %u", (unsigned)hRes, ulCap, g_ulAdviseToken);
}

/* The sample's helpers, through an object of their own (the sample's first end the
 * monitor; these leave it running, as a second part of an application would). */
static HRESULT
OpenOffline(LPCWSTR szProfile, IMAPIOffline **lppOffline)
{
  IMAPIOfflineMgr *lpOfflineMgr = NULL;
  HRESULT hRes = pfnHrOpenOfflineObj(0, szProfile, &GUID_GlobalState, NULL, &lpOfflineMgr);

  if (FAILED(hRes))
    return hRes;
  hRes = lpOfflineMgr->QueryInterface(IID_IMAPIOffline, (LPVOID *)lppOffline);
  lpOfflineMgr->Release();
  return hRes;
}

static void
GetCurrentState(LPCWSTR szProfile)
{
  IMAPIOffline *lpOffline = NULL;
  ULONG ulCurState = 0;
  HRESULT hRes = OpenOffline(szProfile, &lpOffline);

  if (lpOffline) {
    hRes = lpOffline->GetCurrentState(&ulCurState);
    lpOffline->Release();
  }
  Say("hr 0x%08x %u", (unsigned)hRes, ulCurState);
}

static void
SetCurrentState(LPCWSTR szProfile, ULONG ulFlags, ULONG ulState)
{
  IMAPIOffline *lpOffline = NULL;
  HRESULT hRes = OpenOffline(szProfile, &lpOffline);

  if (lpOffline) {
    hRes = lpOffline->SetCurrentState(ulFlags, MAPIOFFLINE_STATE_OFFLINE_MASK, ulState, NULL);
    lpOffline->Release();
  }
  Say("hr 0x%08x", (unsigned)hRes);
}

/* ---- Kopano's ECOfflineState ---- */

#define hrSuccess S_OK

class ECOfflineState
{
public:
  enum OFFLINESTATE { OFFLINESTATE_ONLINE, OFFLINESTATE_OFFLINE };

  static HRESULT SetOfflineState(const std::string &strProfname, OFFLINESTATE state);
  static HRESULT GetOfflineState(const std::string &strProfname, OFFLINESTATE *state);

  /* What GetIMAPIOffline returned last, for the tests: Kopano falls back without it. */
  static HRESULT s_hrLastOpen;

private:
  static HRESULT GetIMAPIOffline(const std::string &strProfname, IMAPIOffline **lppOffline);
};

HRESULT ECOfflineState::s_hrLastOpen = hrSuccess;

/* Kopano's fallback when there is no offline object. */
static ECOfflineState::OFFLINESTATE g_ulOfflineState;

HRESULT
ECOfflineState::SetOfflineState(const std::string &strProfname, OFFLINESTATE state)
{
  HRESULT hr = hrSuccess;
  IMAPIOffline *lpOffline = NULL;

  if (GetIMAPIOffline(strProfname, &lpOffline) == hrSuccess) {
    ULONG ulState = state == OFFLINESTATE_ONLINE ? MAPIOFFLINE_STATE_ONLINE : MAPIOFFLINE_STATE_OFFLINE;
    hr = lpOffline->SetCurrentState(MAPIOFFLINE_FLAG_DEFAULT, MAPIOFFLINE_STATE_OFFLINE_MASK,
                                    ulState, NULL);
    lpOffline->Release();
  }
  g_ulOfflineState = state;
  return hr;
}

HRESULT
ECOfflineState::GetOfflineState(const std::string &strProfname, OFFLINESTATE *state)
{
  IMAPIOffline *lpOffline = NULL;

  if (GetIMAPIOffline(strProfname, &lpOffline) == hrSuccess) {
    ULONG ulState = 0;
    if (lpOffline->GetCurrentState(&ulState) == hrSuccess) {
      if (ulState == MAPIOFFLINE_STATE_OFFLINE)
        *state = OFFLINESTATE_OFFLINE;
      else if (ulState == MAPIOFFLINE_STATE_ONLINE)
        *state = OFFLINESTATE_ONLINE;
    } else {
      *state = g_ulOfflineState;
    }
    lpOffline->Release();
  } else {
    *state = g_ulOfflineState;
  }
  return hrSuccess;
}

HRESULT
ECOfflineState::GetIMAPIOffline(const std::string &strProfname, IMAPIOffline **lppOffline)
{
  HRESULT hr = hrSuccess;
  WCHAR wProfName[256];
  IMAPIOfflineMgr *lpOfflineMgr = NULL;
  IMAPIOffline *lpOffline = NULL;

  memset(wProfName, 0, sizeof(wProfName));
  mbstowcs(wProfName, strProfname.c_str(), sizeof(wProfName) / sizeof(wProfName[0]) - 1);

  hr = HrOpenOfflineObj(0, wProfName, &GUID_GlobalState, NULL, &lpOfflineMgr);
  if (hr != hrSuccess)
    goto exit;

  hr = lpOfflineMgr->QueryInterface(IID_IMAPIOffline, (void **)&lpOffline);
  if (hr != hrSuccess)
    goto exit;

  *lppOffline = lpOffline;
exit:
  if (lpOfflineMgr)
    lpOfflineMgr->Release();
  s_hrLastOpen = hr;
  return hr;
}

/* ---- commands ---- */

static ULONG
Number(const char *s)
{
  return s != NULL ? (ULONG)strtoul(s, NULL, 0) : 0;
}

/* NAME as the wide profile name; "-" is L"". */
static std::wstring
Profile(const char *szName)
{
  wchar_t w[256] = L"";

  if (szName != NULL && strcmp(szName, "-") != 0)
    mbstowcs(w, szName, 255);
  return w;
}

static void
RunCommand(char *szLine)
{
  char *rest = szLine, *cmd = next_word(&rest);

  if (cmd == NULL)
    return;
  if (strcmp(cmd, "init") == 0) {
    std::wstring profile = Profile(next_word(&rest));
    const char *opt = next_word(&rest);
    InitMonitor(profile.c_str(), opt != NULL && strcmp(opt, "multi") == 0);
  } else if (strcmp(cmd, "deinit") == 0) {
    HRESULT hRes = S_OK;
    DeInitMonitor(&hRes);
    Say("hr 0x%08x", (unsigned)hRes);
  } else if (strcmp(cmd, "release-monitor") == 0) {
    ULONG cRef = g_lpOfflineMgr ? g_lpOfflineMgr->Release() : 0;
    g_lpOfflineMgr = NULL;
    g_ulAdviseToken = 0;
    Say("ok %u", cRef);
  } else if (strcmp(cmd, "get") == 0) {
    GetCurrentState(Profile(next_word(&rest)).c_str());
  } else if (strcmp(cmd, "set") == 0) {
    std::wstring profile = Profile(next_word(&rest));
    ULONG ulFlags = Number(next_word(&rest));
    SetCurrentState(profile.c_str(), ulFlags, Number(next_word(&rest)));
  } else if (strcmp(cmd, "kget") == 0) {
    const char *name = next_word(&rest);
    ECOfflineState::OFFLINESTATE state = ECOfflineState::OFFLINESTATE_ONLINE;
    HRESULT hr = ECOfflineState::GetOfflineState(name != NULL ? name : "", &state);
    Say("ok %s hr 0x%08x get 0x%08x",
        state == ECOfflineState::OFFLINESTATE_ONLINE ? "online" : "offline",
        (unsigned)ECOfflineState::s_hrLastOpen, (unsigned)hr);
  } else if (strcmp(cmd, "kset") == 0) {
    const char *name = next_word(&rest), *state = next_word(&rest);
    HRESULT hr = ECOfflineState::SetOfflineState(
        name != NULL ? name : "", state != NULL && strcmp(state, "offline") == 0 ?
                                      ECOfflineState::OFFLINESTATE_OFFLINE :
                                      ECOfflineState::OFFLINESTATE_ONLINE);
    Say("ok hr 0x%08x set 0x%08x", (unsigned)ECOfflineState::s_hrLastOpen, (unsigned)hr);
  } else if (strcmp(cmd, "sinks") == 0) {
    Say("ok created %ld live %ld refs %ld addref %ld release %ld", g_cCreated.load(),
        g_cLive.load(), HeldReferences(), g_cAddRef.load(), g_cRelease.load());
  } else {
    Say("ok unknown command %s", cmd);
  }
}

int
main()
{
  char szLine[1024];
  HRESULT hRes = S_OK;

  g_mainThread = pthread_self();
  Say("ready");
  while (fgets(szLine, sizeof szLine, stdin) != NULL) {
    szLine[strcspn(szLine, "\n")] = '\0';
    if (strcmp(szLine, "quit") == 0)
      break;
    RunCommand(szLine);
  }
  DeInitMonitor(&hRes);
  /* Each sink was Released once more than it was AddRef'd, and is gone. */
  if (g_cLive != 0 || HeldReferences() != 0) {
    printf("leak live %ld refs %ld addref %ld release %ld\n", g_cLive.load(), HeldReferences(),
           g_cAddRef.load(), g_cRelease.load());
    return 1;
  }
  return 0;
}
