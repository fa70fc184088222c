/* <offlinemgr/mapioffline-windows.h>, the optional Windows names: a sink declared and
 * defined with STDMETHOD/STDMETHODIMP and counted with InterlockedIncrement, as Windows
 * code writes it, works through the C binding (which is how the library calls it);
 * DEFINE_GUID defines a GUID in the one file that defines INITGUID and declares it
 * elsewhere (mapi-windows-c.c), and may repeat one of the library's GUIDs, as
 * Kopano's edkguid.h does. */
#define INITGUID
#include <string.h>

#include <glib.h>

#include <offlinemgr/mapioffline.h>
#include <offlinemgr/mapioffline-windows.h>

#include "mapi-c-binding.h"
#include "mapi-windows-c.h"

DEFINE_GUID(IID_ITestWindowsNames, 0x6f1e2d3c, 0x4b5a, 0x6978, 0x8a, 0x9b, 0xac, 0xbd, 0xce, 0xdf,
            0xe0, 0xf1);
DEFINE_GUID(IID_IMAPIOfflineNotify, 0x0317bde5, 0xfc29, 0x44cd, 0x8d, 0xcd, 0x36, 0x12, 0x5a,
            0x3b, 0xe9, 0xec);

class CMyOfflineNotify : public IMAPIOfflineNotify
{
public:
  CMyOfflineNotify() : m_cRef(1), m_cNotify(0) {}
  virtual ~CMyOfflineNotify() {}

  STDMETHOD(QueryInterface)(REFIID riid, LPVOID *ppvObj);
  STDMETHOD_(ULONG, AddRef)();
  STDMETHOD_(ULONG, Release)();
  void STDMETHODCALLTYPE Notify(const MAPIOFFLINE_NOTIFY *pNotifyInfo);

  LONG m_cRef;
  LONG m_cNotify;
};

STDMETHODIMP
CMyOfflineNotify::QueryInterface(REFIID riid, LPVOID *ppvObj)
{
  *ppvObj = 0;
  if (riid == IID_IMAPIOfflineNotify || IsEqualIID(riid, IID_IUnknown)) {
    *ppvObj = (LPVOID)this;
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
  return InterlockedDecrement(&m_cRef);
}

void STDMETHODCALLTYPE
CMyOfflineNotify::Notify(const MAPIOFFLINE_NOTIFY *pNotifyInfo)
{
  InterlockedIncrement(&m_cNotify);
}

static void
test_sink(void)
{
  CMyOfflineNotify sink;
  LPUNKNOWN lpUnk = &sink;
  MAPIOFFLINE_NOTIFY n = {};
  LPVOID out = NULL;

  g_assert_cmpint(c_call_notify_slot(lpUnk, 0, &out), ==, S_OK);
  g_assert_true(out == static_cast<IMAPIOfflineNotify *>(&sink));
  g_assert_cmpint(sink.m_cRef, ==, 2);
  g_assert_cmpint(c_call_notify_slot(out, 3, &n), ==, 0);
  g_assert_cmpint(sink.m_cNotify, ==, 1);
  g_assert_cmpint(c_call_notify_slot(out, 2, NULL), ==, 1);
}

static void
test_define_guid(void)
{
  static const unsigned char bytes[16] = { 0x3c, 0x2d, 0x1e, 0x6f, 0x5a, 0x4b, 0x78, 0x69,
                                           0x8a, 0x9b, 0xac, 0xbd, 0xce, 0xdf, 0xe0, 0xf1 };

  /* One object, declared in C and defined here. */
  g_assert_true(c_test_guid() == &IID_ITestWindowsNames);
  g_assert_cmpmem(&IID_ITestWindowsNames, 16, bytes, 16);
  /* The repeated library GUID: still its value (§3), however the linker chose. */
  static const unsigned char notify[16] = { 0xe5, 0xbd, 0x17, 0x03, 0x29, 0xfc, 0xcd, 0x44,
                                            0x8d, 0xcd, 0x36, 0x12, 0x5a, 0x3b, 0xe9, 0xec };
  g_assert_cmpmem(&IID_IMAPIOfflineNotify, 16, notify, 16);
}

static void
test_other_names(void)
{
  LONG value = 5;
  BOOL yes = TRUE;
  DWORD dw = 0xffffffffu;
  WCHAR w[] = L"Outlook";
  LPWSTR lpw = w;

  g_assert_cmpint(c_interlocked(&value, yes), ==, 6);
  g_assert_cmpint(c_interlocked(&value, FALSE), ==, 5);
  g_assert_cmpint(c_stdapi(&value), ==, S_OK);
  g_assert_cmpint(c_stdapi(NULL), ==, E_INVALIDARG);
  g_assert_cmpuint(sizeof(LONG), ==, 4);
  g_assert_cmpuint(sizeof dw, ==, 4);
  g_assert_true(wcscmp(lpw, L"Outlook") == 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/mapi-windows/sink", test_sink);
  g_test_add_func("/mapi-windows/define-guid", test_define_guid);
  g_test_add_func("/mapi-windows/other-names", test_other_names);
  return g_test_run();
}
