/* The C half of test-mapi-windows: <offlinemgr/mapioffline-windows.h> in C, where
 * DEFINE_GUID without INITGUID only declares (the C++ half defines). */
#include <offlinemgr/mapioffline.h>
#include <offlinemgr/mapioffline-windows.h>

#include "mapi-windows-c.h"

DEFINE_GUID(IID_ITestWindowsNames, 0x6f1e2d3c, 0x4b5a, 0x6978, 0x8a, 0x9b, 0xac, 0xbd, 0xce, 0xdf,
            0xe0, 0xf1);

const GUID *
c_test_guid(void)
{
  return &IID_ITestWindowsNames;
}

LONG
c_interlocked(LONG volatile *value, BOOL up)
{
  return up ? InterlockedIncrement(value) : InterlockedDecrement(value);
}

STDAPI
c_stdapi(LPVOID p)
{
  return p != NULL ? S_OK : E_INVALIDARG;
}
