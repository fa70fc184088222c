/* The C side of the binding test: offsetof on the C binding's vtables, calls through
 * them, and objects implemented in C (see mapi-c-binding.h). */
#include "mapi-c-binding.h"

#define SLOT(iface, method) { #iface, #method, offsetof(iface##Vtbl, method) }

const CSlot c_slots[] = {
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
const size_t c_slot_count = sizeof c_slots / sizeof c_slots[0];

long
c_call_mgr_slot(void *obj, int slot, void *ptr)
{
  IMAPIOfflineMgr *o = obj;
  ULONG token = 0;

  switch (slot) {
  case 0: return o->lpVtbl->QueryInterface(o, &IID_IMAPIOfflineMgr, (void **)ptr);
  case 1: return (long)o->lpVtbl->AddRef(o);
  case 2: return (long)o->lpVtbl->Release(o);
  case 3: return o->lpVtbl->SetCurrentState(o, C_ARG_FLAGS, C_ARG_MASK, C_ARG_STATE, ptr);
  case 4: return o->lpVtbl->GetCapabilities(o, (ULONG *)ptr);
  case 5: return o->lpVtbl->GetCurrentState(o, (ULONG *)ptr);
  case 6: return o->lpVtbl->Placeholder1(o, ptr);
  case 7: return o->lpVtbl->Advise(o, C_ARG_FLAGS, (MAPIOFFLINE_ADVISEINFO *)ptr, &token);
  case 8: return o->lpVtbl->Unadvise(o, C_ARG_FLAGS, C_ARG_TOKEN);
  case 9: return o->lpVtbl->Placeholder2(o, ptr);
  case 10: return o->lpVtbl->Placeholder3(o, ptr);
  case 11: return o->lpVtbl->Placeholder4(o, ptr);
  case 12: return o->lpVtbl->Placeholder5(o, ptr);
  case 13: return o->lpVtbl->Placeholder6(o, ptr);
  case 14: return o->lpVtbl->Placeholder7(o, ptr);
  case 15: return o->lpVtbl->Placeholder8(o, ptr);
  default: return -1;
  }
}

long
c_call_notify_slot(void *sink, int slot, void *ptr)
{
  IMAPIOfflineNotify *s = sink;

  switch (slot) {
  case 0: return s->lpVtbl->QueryInterface(s, &IID_IMAPIOfflineNotify, (void **)ptr);
  case 1: return (long)s->lpVtbl->AddRef(s);
  case 2: return (long)s->lpVtbl->Release(s);
  case 3: s->lpVtbl->Notify(s, (const MAPIOFFLINE_NOTIFY *)ptr); return 0;
  default: return -1;
  }
}

/* ---- objects written in C ---- */

CCall c_last;

static void
record(int slot, void *self, unsigned long a, unsigned long b, unsigned long c,
       const void *ptr, const void *ptr2)
{
  c_last = (CCall){ slot, self, a, b, c, ptr, ptr2 };
}

static HRESULT
mgr_query_interface(IMAPIOfflineMgr *This, REFIID riid, void **ppv)
{
  record(0, This, 0, 0, 0, riid, ppv);
  return 0x100;
}

static ULONG
mgr_add_ref(IMAPIOfflineMgr *This)
{
  record(1, This, 0, 0, 0, NULL, NULL);
  return 0x101;
}

static ULONG
mgr_release(IMAPIOfflineMgr *This)
{
  record(2, This, 0, 0, 0, NULL, NULL);
  return 0x102;
}

static HRESULT
mgr_set_current_state(IMAPIOfflineMgr *This, ULONG f, ULONG m, ULONG s, void *r)
{
  record(3, This, f, m, s, r, NULL);
  return 0x103;
}

static HRESULT
mgr_get_capabilities(IMAPIOfflineMgr *This, ULONG *p)
{
  record(4, This, 0, 0, 0, p, NULL);
  return 0x104;
}

static HRESULT
mgr_get_current_state(IMAPIOfflineMgr *This, ULONG *p)
{
  record(5, This, 0, 0, 0, p, NULL);
  return 0x105;
}

static HRESULT
mgr_advise(IMAPIOfflineMgr *This, ULONG f, MAPIOFFLINE_ADVISEINFO *info, ULONG *token)
{
  record(7, This, f, 0, 0, info, token);
  return 0x107;
}

static HRESULT
mgr_unadvise(IMAPIOfflineMgr *This, ULONG f, ULONG token)
{
  record(8, This, f, token, 0, NULL, NULL);
  return 0x108;
}

#define PLACEHOLDER(n, slot)                              \
  static HRESULT mgr_placeholder##n(IMAPIOfflineMgr *This, void *r) \
  {                                                       \
    record(slot, This, 0, 0, 0, r, NULL);                 \
    return 0x100 + slot;                                  \
  }
PLACEHOLDER(1, 6)
PLACEHOLDER(2, 9)
PLACEHOLDER(3, 10)
PLACEHOLDER(4, 11)
PLACEHOLDER(5, 12)
PLACEHOLDER(6, 13)
PLACEHOLDER(7, 14)
PLACEHOLDER(8, 15)

static const IMAPIOfflineMgrVtbl mgr_vtbl = {
  mgr_query_interface, mgr_add_ref, mgr_release, mgr_set_current_state,
  mgr_get_capabilities, mgr_get_current_state, mgr_placeholder1, mgr_advise, mgr_unadvise,
  mgr_placeholder2, mgr_placeholder3, mgr_placeholder4, mgr_placeholder5, mgr_placeholder6,
  mgr_placeholder7, mgr_placeholder8,
};
static IMAPIOfflineMgr mgr = { &mgr_vtbl };

void *
c_mock_mgr(void)
{
  return &mgr;
}

static HRESULT
notify_query_interface(IMAPIOfflineNotify *This, REFIID riid, void **ppv)
{
  record(0, This, 0, 0, 0, riid, ppv);
  return 0x100;
}

static ULONG
notify_add_ref(IMAPIOfflineNotify *This)
{
  record(1, This, 0, 0, 0, NULL, NULL);
  return 0x101;
}

static ULONG
notify_release(IMAPIOfflineNotify *This)
{
  record(2, This, 0, 0, 0, NULL, NULL);
  return 0x102;
}

static void
notify_notify(IMAPIOfflineNotify *This, const MAPIOFFLINE_NOTIFY *n)
{
  record(3, This, 0, 0, 0, n, NULL);
}

static const IMAPIOfflineNotifyVtbl notify_vtbl = {
  notify_query_interface, notify_add_ref, notify_release, notify_notify,
};
static IMAPIOfflineNotify notify = { &notify_vtbl };

void *
c_mock_notify(void)
{
  return &notify;
}
