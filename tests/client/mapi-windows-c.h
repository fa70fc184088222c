/* test-mapi-windows: what its C half (mapi-windows-c.c) offers the C++ half. */
#pragma once

#include <offlinemgr/mapioffline.h>
#include <offlinemgr/mapioffline-windows.h>

EXTERN_C const GUID *c_test_guid(void);
EXTERN_C LONG c_interlocked(LONG volatile *value, BOOL up);
STDAPI c_stdapi(LPVOID p);
