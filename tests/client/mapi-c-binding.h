/* The C side of the binding test (mapi-c-binding.c, compiled as C): what the C binding
 * says about each vtable slot, and calls through it. Objects cross as void *, so that
 * no type of one binding is named in the other's translation unit. */
#pragma once

#include <stddef.h>

#include <offlinemgr/mapioffline.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const char *iface;   /* "IUnknown", "IMAPIOfflineNotify", "IMAPIOffline", "IMAPIOfflineMgr" */
  const char *method;
  size_t offset;       /* offsetof(<iface>Vtbl, <method>) */
} CSlot;

extern const CSlot c_slots[];
extern const size_t c_slot_count;

/* The arguments the C side passes, and the mocks expect. */
#define C_ARG_FLAGS 0x2000u
#define C_ARG_MASK 0x3u
#define C_ARG_STATE 0x1u
#define C_ARG_TOKEN 0x1234u

/* Calls slot @slot of an IMAPIOfflineMgr through the C binding, with the arguments
 * above (pointers: @ptr); returns what the slot returned (ULONG for AddRef/Release). */
long c_call_mgr_slot(void *obj, int slot, void *ptr);
/* The same for an IMAPIOfflineNotify (Notify gets @ptr as its MAPIOFFLINE_NOTIFY and
 * returns 0). */
long c_call_notify_slot(void *sink, int slot, void *ptr);

/* An IMAPIOfflineMgr and an IMAPIOfflineNotify written in C: every slot records its
 * index, This and its arguments in c_last, and returns 0x100 + its index. */
typedef struct {
  int slot;
  void *self;
  unsigned long a, b, c;
  const void *ptr, *ptr2;
} CCall;
extern CCall c_last;
void *c_mock_mgr(void);
void *c_mock_notify(void);

#ifdef __cplusplus
}
#endif
