/* A C++ translation unit that defines CINTERFACE gets the C binding of the MAPI face
 * (structs with lpVtbl, REFIID a pointer), as with the Windows SDK's headers: C code
 * compiled as C++ keeps working. GUIDs still compare with ==, as there. */
#define CINTERFACE
#include <stddef.h>

#include <type_traits>

#include <glib.h>

#include <offlinemgr/mapioffline.h>

static_assert(!std::is_polymorphic<IMAPIOfflineMgr>::value, "the C binding has no vptr");
static_assert(!std::is_polymorphic<IMAPIOfflineNotify>::value, "the C binding has no vptr");
static_assert(std::is_same<decltype(IMAPIOfflineMgr::lpVtbl), const IMAPIOfflineMgrVtbl *>::value,
              "IMAPIOfflineMgr is its lpVtbl");
static_assert(std::is_same<REFIID, const IID *>::value, "REFIID is a pointer");
static_assert(offsetof(IMAPIOfflineMgrVtbl, Advise) == 7 * sizeof(void *), "Advise is slot 7");
static_assert(offsetof(IMAPIOfflineNotifyVtbl, Notify) == 3 * sizeof(void *), "Notify is slot 3");

typedef struct {
  IMAPIOfflineNotify iface;
  ULONG refs;
} Sink;

static HRESULT
sink_query_interface(IMAPIOfflineNotify *This, REFIID riid, void **ppv)
{
  *ppv = NULL;
  if (!IsEqualIID(riid, &IID_IUnknown) && !IsEqualIID(riid, &IID_IMAPIOfflineNotify))
    return E_NOINTERFACE;
  This->lpVtbl->AddRef(This);
  *ppv = This;
  return S_OK;
}

static ULONG
sink_add_ref(IMAPIOfflineNotify *This)
{
  return ++((Sink *)This)->refs;
}

static ULONG
sink_release(IMAPIOfflineNotify *This)
{
  return --((Sink *)This)->refs;
}

static void
sink_notify(IMAPIOfflineNotify *This, const MAPIOFFLINE_NOTIFY *pNotifyInfo)
{
}

static const IMAPIOfflineNotifyVtbl sink_vtbl = {
  sink_query_interface, sink_add_ref, sink_release, sink_notify,
};

static void
test_c_binding(void)
{
  Sink sink = { { &sink_vtbl }, 1 };
  IMAPIOfflineNotify *p = &sink.iface;
  void *out = NULL;

  g_assert_cmpint(p->lpVtbl->QueryInterface(p, &IID_IMAPIOfflineNotify, &out), ==, S_OK);
  g_assert_true(out == p);
  g_assert_cmpint(p->lpVtbl->QueryInterface(p, &IID_IMAPIOfflineMgr, &out), ==, E_NOINTERFACE);
  g_assert_cmpuint(p->lpVtbl->Release(p), ==, 1);
  g_assert_true(IsEqualGUID(&GUID_GlobalState, &GUID_GlobalState));
  g_assert_true(*&IID_IMAPIOffline == IID_IMAPIOffline);
  g_assert_true(IID_IMAPIOffline != IID_IMAPIOfflineMgr);
}

static void
test_open_argument_checks(void)
{
  IMAPIOfflineMgr *obj = (IMAPIOfflineMgr *)&obj;

  g_assert_cmpint(HrOpenOfflineObj(0, L"work", &IID_IMAPIOffline, NULL, &obj), ==,
                  MAPI_E_NOT_FOUND);
  g_assert_null(obj);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/mapi-cinterface/c-binding", test_c_binding);
  g_test_add_func("/mapi-cinterface/open-argument-checks", test_open_argument_checks);
  return g_test_run();
}
