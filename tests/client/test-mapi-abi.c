/* The MAPI face's ABI at run time (spec §13 rules 1-4 and 7), beside the header's static
 * asserts: constant values, GUID bytes as laid out in memory (§3's table), structure
 * sizes and offsets, vtable slots, and HrOpenOfflineObj's argument checks that come
 * before any bus traffic. */
#include <stddef.h>
#include <string.h>

#include <glib.h>

#include <offlinemgr/mapioffline.h>

static void
test_constants(void)
{
  g_assert_cmpuint(MAPIOFFLINE_ADVISE_DEFAULT, ==, 0);
  g_assert_cmpuint(MAPIOFFLINE_UNADVISE_DEFAULT, ==, 0);
  g_assert_cmpuint(MAPIOFFLINE_ADVISE_TYPE_STATECHANGE, ==, 1);
  g_assert_cmpuint(MAPIOFFLINE_CAPABILITY_OFFLINE, ==, 0x1);
  g_assert_cmpuint(MAPIOFFLINE_CAPABILITY_ONLINE, ==, 0x2);
  g_assert_cmpuint(MAPIOFFLINE_FLAG_BLOCK, ==, 0x2000);
  g_assert_cmpuint(MAPIOFFLINE_FLAG_DEFAULT, ==, 0);
  g_assert_cmpuint(MAPIOFFLINE_STATE_ALL, ==, 0x003f037f);
  g_assert_cmpuint(MAPIOFFLINE_STATE_OFFLINE_MASK, ==, 0x3);
  g_assert_cmpuint(MAPIOFFLINE_STATE_OFFLINE, ==, 0x1);
  g_assert_cmpuint(MAPIOFFLINE_STATE_ONLINE, ==, 0x2);
  g_assert_cmpint(MAPIOFFLINE_CALLBACK_TYPE_NOTIFY, ==, 0);
  g_assert_cmpint(MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START, ==, 1);
  g_assert_cmpint(MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE, ==, 2);
  g_assert_cmpint(MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE, ==, 3);
  /* The native names carry the same values. */
  g_assert_cmpuint(OM_STATE_ALL, ==, MAPIOFFLINE_STATE_ALL);
  g_assert_cmpuint(OM_FLAG_BLOCK, ==, MAPIOFFLINE_FLAG_BLOCK);
  g_assert_cmpuint(OM_NOTIFY_DONE, ==, MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE);
}

static void
test_hresults(void)
{
  const HRESULT values[] = { E_PENDING, E_INVALIDARG, E_NOINTERFACE, MAPI_E_NOT_FOUND,
                             MAPI_E_NO_SUPPORT, MAPI_E_NETWORK_ERROR, E_FAIL };
  const uint32_t bits[] = { 0x8000000A, 0x80070057, 0x80004002, 0x8004010F, 0x80040102,
                            0x80040115, 0x80004005 };

  g_assert_cmpint(S_OK, ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
    /* Negative 32-bit values, so that FAILED() holds and LP64 comparisons work. */
    g_assert_true(FAILED(values[i]));
    g_assert_cmpint(values[i], <, 0);
    g_assert_cmpuint((uint32_t)values[i], ==, bits[i]);
    g_assert_true(values[i] == (HRESULT)bits[i]);
  }
  g_assert_true(SUCCEEDED(S_OK));
}

static void
assert_bytes(const GUID *guid, const uint8_t expected[16])
{
  g_assert_cmpmem(guid, sizeof *guid, expected, 16);
}

static void
test_guids(void)
{
  /* §3: the 16 bytes as laid out in memory (Data1-3 little-endian). */
  static const uint8_t global_state[16] = { 0x93, 0xFD, 0xEF, 0xFB, 0x1F, 0xB1, 0x94, 0x40,
                                            0x84, 0x2B, 0x96, 0xDC, 0xD3, 0x1E, 0x63, 0xD1 };
  static const uint8_t offline[16] = { 0xB5, 0x72, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
                                       0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 };
  static const uint8_t notify[16] = { 0xE5, 0xBD, 0x17, 0x03, 0x29, 0xFC, 0xCD, 0x44,
                                      0x8D, 0xCD, 0x36, 0x12, 0x5A, 0x3B, 0xE9, 0xEC };
  static const uint8_t mgr[16] = { 0x07, 0x56, 0x17, 0x42, 0x3E, 0xFF, 0x90, 0x47,
                                   0xBC, 0x18, 0x66, 0xC8, 0x64, 0x3E, 0x64, 0x24 };
  static const uint8_t unknown[16] = { 0, 0, 0, 0, 0, 0, 0, 0,
                                       0xC0, 0, 0, 0, 0, 0, 0, 0x46 };

  g_assert_true(G_BYTE_ORDER == G_LITTLE_ENDIAN);
  assert_bytes(&GUID_GlobalState, global_state);
  assert_bytes(&IID_IMAPIOffline, offline);
  assert_bytes(&IID_IMAPIOfflineNotify, notify);
  assert_bytes(&IID_IMAPIOfflineMgr, mgr);
  assert_bytes(&IID_IUnknown, unknown);
  g_assert_true(IsEqualGUID(&GUID_GlobalState, &GUID_GlobalState));
  g_assert_false(IsEqualIID(&IID_IMAPIOffline, &IID_IMAPIOfflineMgr));
}

static void
test_layout(void)
{
  g_assert_cmpuint(sizeof(ULONG), ==, 4);
  g_assert_true((ULONG)-1 > 0);
  g_assert_cmpuint(sizeof(MAPIOFFLINE_NOTIFY), ==, 24);
  g_assert_cmpuint(offsetof(MAPIOFFLINE_NOTIFY, NotifyType), ==, 4);
  g_assert_cmpuint(offsetof(MAPIOFFLINE_NOTIFY, ulClientToken), ==, 8);
  g_assert_cmpuint(offsetof(MAPIOFFLINE_NOTIFY, Info.StateChange.ulMask), ==, 12);
  g_assert_cmpuint(offsetof(MAPIOFFLINE_NOTIFY, Info.StateChange.ulStateOld), ==, 16);
  g_assert_cmpuint(offsetof(MAPIOFFLINE_NOTIFY, Info.StateChange.ulStateNew), ==, 20);
  if (sizeof(void *) == 8) {
    g_assert_cmpuint(sizeof(MAPIOFFLINE_ADVISEINFO), ==, 32);
    g_assert_cmpuint(offsetof(MAPIOFFLINE_ADVISEINFO, pCallback), ==, 16);
    g_assert_cmpuint(offsetof(MAPIOFFLINE_ADVISEINFO, ulAdviseTypes), ==, 24);
    g_assert_cmpuint(offsetof(MAPIOFFLINE_ADVISEINFO, ulStateMask), ==, 28);
  } else {
    g_assert_cmpuint(sizeof(MAPIOFFLINE_ADVISEINFO), ==, 24);
    g_assert_cmpuint(offsetof(MAPIOFFLINE_ADVISEINFO, pCallback), ==, 12);
  }
  g_assert_cmpuint(offsetof(MAPIOFFLINE_ADVISEINFO, CallbackType), ==, 8);
}

static void
test_vtables(void)
{
  g_assert_cmpuint(sizeof(IMAPIOfflineMgrVtbl) / sizeof(void *), ==, 16);
  g_assert_cmpuint(sizeof(IMAPIOfflineVtbl) / sizeof(void *), ==, 7);
  g_assert_cmpuint(sizeof(IMAPIOfflineNotifyVtbl) / sizeof(void *), ==, 4);
  g_assert_cmpuint(offsetof(IMAPIOfflineNotifyVtbl, Notify) / sizeof(void *), ==, 3);
  g_assert_cmpuint(offsetof(IMAPIOfflineMgrVtbl, SetCurrentState) / sizeof(void *), ==, 3);
  g_assert_cmpuint(offsetof(IMAPIOfflineMgrVtbl, GetCapabilities) / sizeof(void *), ==, 4);
  g_assert_cmpuint(offsetof(IMAPIOfflineMgrVtbl, GetCurrentState) / sizeof(void *), ==, 5);
  g_assert_cmpuint(offsetof(IMAPIOfflineMgrVtbl, Placeholder1) / sizeof(void *), ==, 6);
  g_assert_cmpuint(offsetof(IMAPIOfflineMgrVtbl, Advise) / sizeof(void *), ==, 7);
  g_assert_cmpuint(offsetof(IMAPIOfflineMgrVtbl, Unadvise) / sizeof(void *), ==, 8);
  /* The IMAPIOffline slots are the first seven of IMAPIOfflineMgr, in the same order. */
  g_assert_cmpuint(offsetof(IMAPIOfflineVtbl, GetCurrentState), ==,
                   offsetof(IMAPIOfflineMgrVtbl, GetCurrentState));
  g_assert_cmpuint(offsetof(IMAPIOfflineVtbl, Placeholder1), ==,
                   offsetof(IMAPIOfflineMgrVtbl, Placeholder1));
}

/* Rule 7: failures before any bus traffic leave the out pointer NULL. */
static void
test_open_argument_checks(void)
{
  IMAPIOfflineMgr *obj = (IMAPIOfflineMgr *)&obj;

  g_assert_cmpint(HrOpenOfflineObj(0, L"work", &GUID_GlobalState, NULL, NULL), ==, E_INVALIDARG);
  g_assert_cmpint(HrOpenOfflineObj(0, L"work", &IID_IMAPIOffline, NULL, &obj), ==,
                  MAPI_E_NOT_FOUND);
  g_assert_null(obj);
  obj = (IMAPIOfflineMgr *)&obj;
  g_assert_cmpint(HrOpenOfflineObj(0, L"work", NULL, NULL, &obj), ==, MAPI_E_NOT_FOUND);
  g_assert_null(obj);
  obj = (IMAPIOfflineMgr *)&obj;
  g_assert_cmpint(HrOpenOfflineObj(1, L"work", &GUID_GlobalState, NULL, &obj), ==,
                  MAPI_E_NOT_FOUND);
  g_assert_null(obj);
  obj = (IMAPIOfflineMgr *)&obj;
  g_assert_cmpint(HrOpenOfflineObj(0, L"work", &GUID_GlobalState, &GUID_GlobalState, &obj), ==,
                  MAPI_E_NOT_FOUND);
  g_assert_null(obj);
  /* Names that are no account id come first too. */
  obj = (IMAPIOfflineMgr *)&obj;
  g_assert_cmpint(HrOpenOfflineObj(0, L"b\u00e4d", &IID_IMAPIOffline, NULL, &obj), ==,
                  MAPI_E_NOT_FOUND);
  g_assert_null(obj);
  obj = (IMAPIOfflineMgr *)&obj;
  g_assert_cmpint(HrOpenOfflineObj(1, L"Default Outlook Profile", &GUID_GlobalState, NULL, &obj),
                  ==, MAPI_E_NOT_FOUND);
  g_assert_null(obj);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/mapi/constants", test_constants);
  g_test_add_func("/mapi/hresults", test_hresults);
  g_test_add_func("/mapi/guids", test_guids);
  g_test_add_func("/mapi/layout", test_layout);
  g_test_add_func("/mapi/vtables", test_vtables);
  g_test_add_func("/mapi/open-argument-checks", test_open_argument_checks);
  return g_test_run();
}
