/* The MAPI face's C++ binding against its C binding (spec §13 rule 4 for both).
 *
 * Both bindings must describe one vtable: the library (C) calls C++ sinks through the C
 * binding, and C++ programs call the library's C objects through the classes. Checked
 * three ways:
 *  - at compile time: each interface class is abstract, polymorphic, one vptr in size,
 *    without a virtual destructor, and derives from the interface the C binding's slots
 *    say it extends;
 *  - slot offsets: for every method, offsetof() on the C binding's vtable struct (taken
 *    in C, mapi-c-binding.c) equals the offset g++/clang put the C++ virtual at, read
 *    from its pointer to member function (Itanium C++ ABI §2.3: for a virtual function
 *    it holds 1 + the byte offset of the slot, or on ARM the offset with the virtual bit
 *    in the adjustment);
 *  - calls: C code calls every slot of C++ objects, and C++ code every method of C
 *    objects, and each lands in the method of that name with This and the arguments
 *    intact. This part needs no knowledge of the ABI at all. */
#include <stdint.h>
#include <string.h>

#include <type_traits>

#include <glib.h>

#include <offlinemgr/mapioffline.h>

#include "mapi-c-binding.h"

/* ---- compile time ---- */

/* Not destructible from outside: its destructor is protected (no delete through an
 * interface pointer). */
template <typename T>
constexpr bool
is_interface()
{
  return std::is_abstract<T>::value && std::is_polymorphic<T>::value &&
         !std::has_virtual_destructor<T>::value && !std::is_destructible<T>::value &&
         sizeof(T) == sizeof(void *);
}
static_assert(is_interface<IUnknown>(), "IUnknown is an interface class");
static_assert(is_interface<IMAPIOfflineNotify>(), "IMAPIOfflineNotify is an interface class");
static_assert(is_interface<IMAPIOffline>(), "IMAPIOffline is an interface class");
static_assert(is_interface<IMAPIOfflineMgr>(), "IMAPIOfflineMgr is an interface class");
static_assert(std::is_base_of<IUnknown, IMAPIOfflineNotify>::value, "Notify : IUnknown");
static_assert(std::is_base_of<IUnknown, IMAPIOffline>::value, "IMAPIOffline : IUnknown");
static_assert(std::is_base_of<IMAPIOffline, IMAPIOfflineMgr>::value, "Mgr : IMAPIOffline");
static_assert(std::is_same<REFIID, const IID &>::value, "REFIID is const IID &");
static_assert(std::is_same<REFGUID, const GUID &>::value, "REFGUID is const GUID &");
static_assert(std::is_convertible<IMAPIOfflineNotify *, IUnknown *>::value,
              "a sink converts to MAPIOFFLINE_ADVISEINFO::pCallback");
static_assert(std::is_same<decltype(MAPIOFFLINE_ADVISEINFO::pCallback), IUnknown *>::value,
              "pCallback is IUnknown *");

/* ---- slot offsets ---- */

typedef struct {
  const char *iface, *method;
  size_t offset;
} CxxSlot;

/* The byte offset of a virtual function's slot, from its pointer to member. */
template <typename F>
static size_t
slot_offset(F pmf)
{
  struct {
    uintptr_t ptr;
    ptrdiff_t adj;
  } rep;

  static_assert(sizeof pmf == sizeof rep, "an Itanium ABI pointer to member function");
  memcpy(&rep, &pmf, sizeof rep);
#if defined(__arm__) || defined(__aarch64__)
  g_assert_true((rep.adj & 1) == 1);  /* virtual */
  return rep.ptr;
#else
  g_assert_true((rep.ptr & 1) == 1);  /* virtual */
  return rep.ptr - 1;
#endif
}

#define SLOT(iface, method) { #iface, #method, slot_offset(&iface::method) }

static void
test_slot_offsets(void)
{
  const CxxSlot cxx[] = {
    SLOT(IUnknown, QueryInterface),
    SLOT(IUnknown, AddRef),
    SLOT(IUnknown, Release),
    SLOT(IMAPIOfflineNotify, QueryInterface),
    SLOT(IMAPIOfflineNotify, AddRef),
    SLOT(IMAPIOfflineNotify, Release),
    SLOT(IMAPIOfflineNotify, Notify),
    SLOT(IMAPIOffline, QueryInterface),
    SLOT(IMAPIOffline, AddRef),
    SLOT(IMAPIOffline, Release),
    SLOT(IMAPIOffline, SetCurrentState),
    SLOT(IMAPIOffline, GetCapabilities),
    SLOT(IMAPIOffline, GetCurrentState),
    SLOT(IMAPIOffline, Placeholder1),
    SLOT(IMAPIOfflineMgr, QueryInterface),
    SLOT(IMAPIOfflineMgr, AddRef),
    SLOT(IMAPIOfflineMgr, Release),
    SLOT(IMAPIOfflineMgr, SetCurrentState),
    SLOT(IMAPIOfflineMgr, GetCapabilities),
    SLOT(IMAPIOfflineMgr, GetCurrentState),
    SLOT(IMAPIOfflineMgr, Placeholder1),
    SLOT(IMAPIOfflineMgr, Advise),
    SLOT(IMAPIOfflineMgr, Unadvise),
    SLOT(IMAPIOfflineMgr, Placeholder2),
    SLOT(IMAPIOfflineMgr, Placeholder3),
    SLOT(IMAPIOfflineMgr, Placeholder4),
    SLOT(IMAPIOfflineMgr, Placeholder5),
    SLOT(IMAPIOfflineMgr, Placeholder6),
    SLOT(IMAPIOfflineMgr, Placeholder7),
    SLOT(IMAPIOfflineMgr, Placeholder8),
  };

  /* Every slot of the C binding has its C++ method, at the same offset. */
  g_assert_cmpuint(G_N_ELEMENTS(cxx), ==, c_slot_count);
  for (size_t i = 0; i < c_slot_count; i++) {
    g_autofree char *c_name = g_strdup_printf("%s::%s at %zu", c_slots[i].iface,
                                              c_slots[i].method, c_slots[i].offset);
    g_autofree char *cxx_name = g_strdup_printf("%s::%s at %zu", cxx[i].iface, cxx[i].method,
                                                cxx[i].offset);
    g_assert_cmpstr(cxx_name, ==, c_name);
  }
}

/* ---- C calls C++ ---- */

static const char *const mgr_slots[16] = {
  "QueryInterface", "AddRef", "Release", "SetCurrentState", "GetCapabilities",
  "GetCurrentState", "Placeholder1", "Advise", "Unadvise", "Placeholder2", "Placeholder3",
  "Placeholder4", "Placeholder5", "Placeholder6", "Placeholder7", "Placeholder8",
};

/* Records which method ran, on which object, with which arguments. */
class CRecordingMgr final : public IMAPIOfflineMgr
{
public:
  const char *m_method = nullptr;
  const void *m_this = nullptr, *m_ptr = nullptr;
  ULONG m_a = 0, m_b = 0, m_c = 0;

  HRESULT QueryInterface(REFIID riid, void **ppvObject) override
  {
    Record("QueryInterface", ppvObject, riid == IID_IMAPIOfflineMgr);
    return 0x100;
  }
  ULONG AddRef() override { Record("AddRef"); return 0x101; }
  ULONG Release() override { Record("Release"); return 0x102; }
  HRESULT SetCurrentState(ULONG ulFlags, ULONG ulMask, ULONG ulState, void *pReserved) override
  {
    Record("SetCurrentState", pReserved, ulFlags, ulMask, ulState);
    return 0x103;
  }
  HRESULT GetCapabilities(ULONG *p) override { Record("GetCapabilities", p); return 0x104; }
  HRESULT GetCurrentState(ULONG *p) override { Record("GetCurrentState", p); return 0x105; }
  HRESULT Placeholder1(void *p) override { Record("Placeholder1", p); return 0x106; }
  HRESULT Advise(ULONG ulFlags, MAPIOFFLINE_ADVISEINFO *pAdviseInfo, ULONG *pulToken) override
  {
    Record("Advise", pAdviseInfo, ulFlags, pulToken != nullptr);
    return 0x107;
  }
  HRESULT Unadvise(ULONG ulFlags, ULONG ulAdviseToken) override
  {
    Record("Unadvise", nullptr, ulFlags, ulAdviseToken);
    return 0x108;
  }
  HRESULT Placeholder2(void *p) override { Record("Placeholder2", p); return 0x109; }
  HRESULT Placeholder3(void *p) override { Record("Placeholder3", p); return 0x10a; }
  HRESULT Placeholder4(void *p) override { Record("Placeholder4", p); return 0x10b; }
  HRESULT Placeholder5(void *p) override { Record("Placeholder5", p); return 0x10c; }
  HRESULT Placeholder6(void *p) override { Record("Placeholder6", p); return 0x10d; }
  HRESULT Placeholder7(void *p) override { Record("Placeholder7", p); return 0x10e; }
  HRESULT Placeholder8(void *p) override { Record("Placeholder8", p); return 0x10f; }

private:
  void Record(const char *method, const void *ptr = nullptr, ULONG a = 0, ULONG b = 0,
              ULONG c = 0)
  {
    m_method = method;
    m_this = this;
    m_ptr = ptr;
    m_a = a;
    m_b = b;
    m_c = c;
  }
};

static void
test_c_calls_cxx_object(void)
{
  CRecordingMgr obj;
  IMAPIOfflineMgr *mgr = &obj;
  int arg;

  for (int slot = 0; slot < 16; slot++) {
    long r = c_call_mgr_slot(mgr, slot, &arg);

    g_assert_cmpstr(obj.m_method, ==, mgr_slots[slot]);
    g_assert_true(obj.m_this == &obj);
    g_assert_cmpint(r, ==, 0x100 + slot);
    switch (slot) {
    case 0:
      g_assert_true(obj.m_ptr == &arg);
      g_assert_cmpuint(obj.m_a, ==, 1);  /* riid arrived as the reference it is */
      break;
    case 3:
      g_assert_cmpuint(obj.m_a, ==, C_ARG_FLAGS);
      g_assert_cmpuint(obj.m_b, ==, C_ARG_MASK);
      g_assert_cmpuint(obj.m_c, ==, C_ARG_STATE);
      g_assert_true(obj.m_ptr == &arg);
      break;
    case 7:
      g_assert_cmpuint(obj.m_a, ==, C_ARG_FLAGS);
      g_assert_cmpuint(obj.m_b, ==, 1);
      g_assert_true(obj.m_ptr == &arg);
      break;
    case 8:
      g_assert_cmpuint(obj.m_a, ==, C_ARG_FLAGS);
      g_assert_cmpuint(obj.m_b, ==, C_ARG_TOKEN);
      break;
    case 1:
    case 2:
      break;
    default:
      g_assert_true(obj.m_ptr == &arg);
    }
  }
}

/* A sink as applications write them, counting its references. The virtual destructor
 * adds slots after the interface's, which must not move them. */
class CCountingNotify : public IMAPIOfflineNotify
{
public:
  ULONG m_cRef = 1;
  int m_notifies = 0;
  MAPIOFFLINE_NOTIFY m_last = {};

  virtual ~CCountingNotify() {}
  HRESULT QueryInterface(REFIID riid, void **ppvObj) override
  {
    *ppvObj = nullptr;
    if (riid == IID_IUnknown || riid == IID_IMAPIOfflineNotify) {
      *ppvObj = static_cast<IMAPIOfflineNotify *>(this);
      AddRef();
      return S_OK;
    }
    return E_NOINTERFACE;
  }
  ULONG AddRef() override { return ++m_cRef; }
  ULONG Release() override { return --m_cRef; }
  void Notify(const MAPIOFFLINE_NOTIFY *pNotifyInfo) override
  {
    m_notifies++;
    m_last = *pNotifyInfo;
  }
};

/* Another interface first: the sink's IMAPIOfflineNotify is not at the object's start,
 * so the pointer QueryInterface returns differs from pCallback, as COM allows. */
struct IOtherInterface : public IUnknown {
  virtual HRESULT Other() = 0;

protected:
  ~IOtherInterface() {}
};

class CMultiNotify final : public IOtherInterface, public IMAPIOfflineNotify
{
public:
  ULONG m_cRef = 1;
  int m_notifies = 0;

  HRESULT QueryInterface(REFIID riid, void **ppvObj) override
  {
    *ppvObj = nullptr;
    if (riid == IID_IUnknown)
      *ppvObj = static_cast<IOtherInterface *>(this);
    else if (riid == IID_IMAPIOfflineNotify)
      *ppvObj = static_cast<IMAPIOfflineNotify *>(this);
    else
      return E_NOINTERFACE;
    AddRef();
    return S_OK;
  }
  ULONG AddRef() override { return ++m_cRef; }
  ULONG Release() override { return --m_cRef; }
  HRESULT Other() override { return E_FAIL; }
  void Notify(const MAPIOFFLINE_NOTIFY *) override { m_notifies++; }
};

static void
test_c_calls_cxx_sink(void)
{
  CCountingNotify sink;
  MAPIOFFLINE_NOTIFY n = {};
  void *out = nullptr;

  n.ulSize = sizeof n;
  n.NotifyType = MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE;
  n.ulClientToken = 42;
  n.Info.StateChange.ulMask = MAPIOFFLINE_STATE_OFFLINE_MASK;
  n.Info.StateChange.ulStateOld = MAPIOFFLINE_STATE_ONLINE;
  n.Info.StateChange.ulStateNew = MAPIOFFLINE_STATE_OFFLINE;
  g_assert_cmpint(c_call_notify_slot(static_cast<IMAPIOfflineNotify *>(&sink), 0, &out), ==,
                  S_OK);
  g_assert_true(out == static_cast<IMAPIOfflineNotify *>(&sink));
  g_assert_cmpint(c_call_notify_slot(&sink, 1, nullptr), ==, 3);
  g_assert_cmpint(c_call_notify_slot(&sink, 2, nullptr), ==, 2);
  g_assert_cmpint(c_call_notify_slot(&sink, 3, &n), ==, 0);
  g_assert_cmpint(sink.m_notifies, ==, 1);
  g_assert_cmpmem(&sink.m_last, sizeof n, &n, sizeof n);

  /* What Advise does: QueryInterface on pCallback, then Notify on what it returned. */
  CMultiNotify multi;
  MAPIOFFLINE_ADVISEINFO info = {};
  info.pCallback = static_cast<IOtherInterface *>(&multi);
  g_assert_true(static_cast<void *>(info.pCallback) !=
                static_cast<void *>(static_cast<IMAPIOfflineNotify *>(&multi)));
  out = nullptr;
  g_assert_cmpint(c_call_notify_slot(info.pCallback, 0, &out), ==, S_OK);
  g_assert_true(out == static_cast<IMAPIOfflineNotify *>(&multi));
  g_assert_cmpint(c_call_notify_slot(out, 3, &n), ==, 0);
  g_assert_cmpint(c_call_notify_slot(out, 2, nullptr), ==, 1);
  g_assert_cmpint(multi.m_notifies, ==, 1);
}

/* ---- C++ calls C ---- */

static void
assert_c_call(int slot, const void *self)
{
  g_assert_cmpint(c_last.slot, ==, slot);
  g_assert_true(c_last.self == self);
}

static void
test_cxx_calls_c_object(void)
{
  IMAPIOfflineMgr *mgr = static_cast<IMAPIOfflineMgr *>(c_mock_mgr());
  IMAPIOffline *offline = mgr;
  MAPIOFFLINE_ADVISEINFO info = {};
  ULONG value = 0, token = 0;
  void *out = nullptr;

  g_assert_cmpint(mgr->QueryInterface(IID_IMAPIOffline, &out), ==, 0x100);
  assert_c_call(0, mgr);
  g_assert_true(c_last.ptr == &IID_IMAPIOffline);  /* the reference is the IID's address */
  g_assert_true(c_last.ptr2 == &out);
  g_assert_cmpuint(mgr->AddRef(), ==, 0x101);
  assert_c_call(1, mgr);
  g_assert_cmpuint(mgr->Release(), ==, 0x102);
  assert_c_call(2, mgr);
  g_assert_cmpint(offline->SetCurrentState(MAPIOFFLINE_FLAG_BLOCK, MAPIOFFLINE_STATE_OFFLINE_MASK,
                                           MAPIOFFLINE_STATE_ONLINE, &value), ==, 0x103);
  assert_c_call(3, mgr);
  g_assert_cmpuint(c_last.a, ==, MAPIOFFLINE_FLAG_BLOCK);
  g_assert_cmpuint(c_last.b, ==, MAPIOFFLINE_STATE_OFFLINE_MASK);
  g_assert_cmpuint(c_last.c, ==, MAPIOFFLINE_STATE_ONLINE);
  g_assert_true(c_last.ptr == &value);
  g_assert_cmpint(offline->GetCapabilities(&value), ==, 0x104);
  assert_c_call(4, mgr);
  g_assert_true(c_last.ptr == &value);
  g_assert_cmpint(offline->GetCurrentState(&value), ==, 0x105);
  assert_c_call(5, mgr);
  g_assert_cmpint(offline->Placeholder1(&value), ==, 0x106);
  assert_c_call(6, mgr);
  g_assert_cmpint(mgr->Advise(MAPIOFFLINE_ADVISE_DEFAULT, &info, &token), ==, 0x107);
  assert_c_call(7, mgr);
  g_assert_true(c_last.ptr == &info);
  g_assert_true(c_last.ptr2 == &token);
  g_assert_cmpint(mgr->Unadvise(7, 99), ==, 0x108);
  assert_c_call(8, mgr);
  g_assert_cmpuint(c_last.a, ==, 7);
  g_assert_cmpuint(c_last.b, ==, 99);
  HRESULT (IMAPIOfflineMgr::*placeholders[])(void *) = {
    &IMAPIOfflineMgr::Placeholder2, &IMAPIOfflineMgr::Placeholder3,
    &IMAPIOfflineMgr::Placeholder4, &IMAPIOfflineMgr::Placeholder5,
    &IMAPIOfflineMgr::Placeholder6, &IMAPIOfflineMgr::Placeholder7,
    &IMAPIOfflineMgr::Placeholder8,
  };
  for (int i = 0; i < 7; i++) {
    g_assert_cmpint((mgr->*placeholders[i])(&info), ==, 0x109 + i);
    assert_c_call(9 + i, mgr);
    g_assert_true(c_last.ptr == &info);
  }
}

static void
test_cxx_calls_c_sink(void)
{
  IMAPIOfflineNotify *sink = static_cast<IMAPIOfflineNotify *>(c_mock_notify());
  MAPIOFFLINE_NOTIFY n = {};
  void *out = nullptr;

  g_assert_cmpint(sink->QueryInterface(IID_IMAPIOfflineNotify, &out), ==, 0x100);
  assert_c_call(0, sink);
  g_assert_true(c_last.ptr == &IID_IMAPIOfflineNotify);
  g_assert_cmpuint(sink->AddRef(), ==, 0x101);
  assert_c_call(1, sink);
  g_assert_cmpuint(sink->Release(), ==, 0x102);
  assert_c_call(2, sink);
  sink->Notify(&n);
  assert_c_call(3, sink);
  g_assert_true(c_last.ptr == &n);
}

/* ---- GUIDs and the library from C++ ---- */

static void
test_guids(void)
{
  const IID copy = IID_IMAPIOfflineNotify;
  REFIID riid = copy;

  g_assert_true(riid == IID_IMAPIOfflineNotify);
  g_assert_false(riid != IID_IMAPIOfflineNotify);
  g_assert_true(riid != IID_IUnknown);
  g_assert_false(riid == IID_IMAPIOfflineMgr);
  g_assert_true(IsEqualIID(riid, IID_IMAPIOfflineNotify));
  g_assert_false(IsEqualIID(riid, IID_IMAPIOffline));
  g_assert_true(IsEqualGUID(GUID_GlobalState, GUID_GlobalState));
  g_assert_false(IsEqualGUID(GUID_GlobalState, IID_IUnknown));
}

/* Rule 7 from C++: failures before any bus traffic leave the out pointer NULL. */
static void
test_open_argument_checks(void)
{
  IMAPIOfflineMgr *obj = reinterpret_cast<IMAPIOfflineMgr *>(&obj);

  g_assert_cmpint(HrOpenOfflineObj(0, L"work", &IID_IMAPIOffline, nullptr, &obj), ==,
                  MAPI_E_NOT_FOUND);
  g_assert_null(obj);
  obj = reinterpret_cast<IMAPIOfflineMgr *>(&obj);
  g_assert_cmpint(HrOpenOfflineObj(0, L"work", &GUID_GlobalState, &GUID_GlobalState, &obj), ==,
                  MAPI_E_NOT_FOUND);
  g_assert_null(obj);
  HROPENOFFLINEOBJ *pfn = &HrOpenOfflineObj;
  g_assert_cmpint(pfn(1, nullptr, &GUID_GlobalState, nullptr, &obj), ==, MAPI_E_NOT_FOUND);
  g_assert_null(obj);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/mapi-cxx/slot-offsets", test_slot_offsets);
  g_test_add_func("/mapi-cxx/c-calls-cxx-object", test_c_calls_cxx_object);
  g_test_add_func("/mapi-cxx/c-calls-cxx-sink", test_c_calls_cxx_sink);
  g_test_add_func("/mapi-cxx/cxx-calls-c-object", test_cxx_calls_c_object);
  g_test_add_func("/mapi-cxx/cxx-calls-c-sink", test_cxx_calls_c_sink);
  g_test_add_func("/mapi-cxx/guids", test_guids);
  g_test_add_func("/mapi-cxx/open-argument-checks", test_open_argument_checks);
  return g_test_run();
}
