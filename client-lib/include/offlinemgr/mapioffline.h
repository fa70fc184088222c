/* libofflinemgr's MAPI face: Outlook's Offline State API (HrOpenOfflineObj,
 * IMAPIOffline, IMAPIOfflineMgr, IMAPIOfflineNotify) with its documented names, values,
 * GUIDs, struct layouts and vtables, in the ordinary C binding of COM interfaces, so
 * that code written against Outlook's API ports with minimal change.
 *
 * Two bindings, as with the Windows SDK's COM headers: C (and C++ that defines
 * CINTERFACE before including this) gets structs whose first member lpVtbl points to a
 * table of function pointers (obj->lpVtbl->Advise(obj, ...)); C++ gets abstract
 * classes with the same vtable layout (obj->Advise(...), class CSink : public
 * IMAPIOfflineNotify), REFIID as const IID &, and operator== for GUIDs. Both describe
 * the same objects: the library's objects can be used through either, and the library
 * calls a sink only through its vtable, so a sink written in either binding works.
 * Windows-only names such code also uses (STDMETHODIMP, LPVOID, DEFINE_GUID, ...) are
 * in the optional <offlinemgr/mapioffline-windows.h>, not here.
 *
 * The profile name is an offlinemgr account id, or a MAPI profile name: a name that is
 * no account's id (L"Outlook") opens the global object, as a MAPI profile has one global
 * offline object, and the library says so on stderr, once per name. NULL or L"" opens
 * the global object without a word.
 *
 * Threading and re-entrancy (the Outlook documentation leaves them open; these are this
 * library's promises):
 *  - Every method may be called from any thread.
 *  - Notify is called on a dispatch thread of the library's own (one per process, started
 *    by the first HrOpenOfflineObj and stopped when the last object is released). One
 *    registration's calls never overlap and come in phase order: START, STATECHANGE,
 *    DONE. No lock of the library is held while Notify runs.
 *  - From inside Notify the application may call GetCurrentState, GetCapabilities,
 *    SetCurrentState, Advise, Unadvise (its own registration's too) and Release.
 *    SetCurrentState with MAPIOFFLINE_FLAG_BLOCK from inside Notify returns E_PENDING at
 *    once (it would wait on the thread it runs on); without BLOCK it is sent like any
 *    other call.
 *  - After Unadvise returns no Notify for that registration starts, and one running on
 *    another thread has returned. Called from inside that registration's own Notify,
 *    Unadvise returns at once and the sink is released after Notify returns.
 *  - SetCurrentState with BLOCK returns after this process's DONE notifications for the
 *    object have returned.
 *
 * Deviations from Outlook, deliberate and documented:
 *  - HrOpenOfflineObj returns MAPI_E_NETWORK_ERROR when offlinemgrd is not running and
 *    cannot be started, or the session bus is unreachable (spec rule 7 folds every
 *    failure into MAPI_E_NOT_FOUND; a mail app needs to tell "no such account" from "no
 *    daemon").
 *  - The function is exported as "HrOpenOfflineObj" only. The x86 stdcall name the docs
 *    give to GetProcAddress, "HrOpenOfflineObj@20", cannot be an ELF symbol: GNU ld reads
 *    '@' in a symbol name as a symbol version, and glibc's dlsym() does not. Look it up
 *    as dlsym(handle, HROPENOFFLINEOBJ_SYMBOL).
 *  - LPCWSTR is wchar_t (32-bit on Linux): L"..." literals port unchanged.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include <offlinemgr/offlinemgr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Base types ---- */

#ifndef _OM_MAPI_BASE_TYPES
#define _OM_MAPI_BASE_TYPES
typedef uint32_t ULONG;          /* 32-bit, as on Windows (never LP64 unsigned long) */
typedef int32_t HRESULT;
typedef const wchar_t *LPCWSTR;
#endif

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
} GUID;
#endif
typedef GUID IID;
#if defined(__cplusplus) && !defined(CINTERFACE)
typedef const IID &REFIID;
typedef const GUID &REFGUID;
#else
typedef const IID *REFIID;
typedef const GUID *REFGUID;
#endif

/* ---- HRESULTs (each a signed 32-bit value, so comparisons hold on LP64) ---- */

#ifndef S_OK
#define S_OK ((HRESULT)0x00000000)
#endif
#ifndef E_PENDING
#define E_PENDING ((HRESULT)0x8000000A)
#endif
#ifndef E_INVALIDARG
#define E_INVALIDARG ((HRESULT)0x80070057)
#endif
#ifndef E_NOINTERFACE
#define E_NOINTERFACE ((HRESULT)0x80004002)
#endif
#ifndef E_FAIL
#define E_FAIL ((HRESULT)0x80004005)
#endif
#ifndef E_OUTOFMEMORY
#define E_OUTOFMEMORY ((HRESULT)0x8007000E)
#endif
#ifndef MAPI_E_NOT_FOUND
#define MAPI_E_NOT_FOUND ((HRESULT)0x8004010F)
#endif
#ifndef MAPI_E_NO_SUPPORT
#define MAPI_E_NO_SUPPORT ((HRESULT)0x80040102)
#endif
#ifndef MAPI_E_NETWORK_ERROR
#define MAPI_E_NETWORK_ERROR ((HRESULT)0x80040115)
#endif
#ifndef MAPI_E_CALL_FAILED
#define MAPI_E_CALL_FAILED E_FAIL
#endif
#ifndef SUCCEEDED
#define SUCCEEDED(hr) ((HRESULT)(hr) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) ((HRESULT)(hr) < 0)
#endif

/* ---- Constants ---- */

#define MAPIOFFLINE_ADVISE_DEFAULT ((ULONG)0)
#define MAPIOFFLINE_UNADVISE_DEFAULT ((ULONG)0)
#define MAPIOFFLINE_ADVISE_TYPE_STATECHANGE 1
#define MAPIOFFLINE_CAPABILITY_OFFLINE 0x1
#define MAPIOFFLINE_CAPABILITY_ONLINE 0x2
#define MAPIOFFLINE_FLAG_BLOCK 0x00002000
#define MAPIOFFLINE_FLAG_DEFAULT 0x00000000
#define MAPIOFFLINE_STATE_ALL 0x003f037f
#define MAPIOFFLINE_STATE_OFFLINE_MASK 0x00000003
#define MAPIOFFLINE_STATE_OFFLINE 0x00000001
#define MAPIOFFLINE_STATE_ONLINE 0x00000002

typedef enum {
  MAPIOFFLINE_CALLBACK_TYPE_NOTIFY = 0,
} MAPIOFFLINE_CALLBACK_TYPE;

typedef enum {
  MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START = 1,
  MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE = 2,
  MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE = 3,
} MAPIOFFLINE_NOTIFY_TYPE;

/* ---- GUIDs (exported by libofflinemgr; byte-for-byte Outlook's) ---- */

OM_PUBLIC extern const GUID GUID_GlobalState;       /* {FBEFFD93-B11F-4094-842B-96DCD31E63D1} */
OM_PUBLIC extern const IID IID_IUnknown;            /* {00000000-0000-0000-C000-000000000046} */
OM_PUBLIC extern const IID IID_IMAPIOffline;        /* {000672B5-0000-0000-C000-000000000046} */
OM_PUBLIC extern const IID IID_IMAPIOfflineNotify;  /* {0317BDE5-FC29-44CD-8DCD-36125A3BE9EC} */
OM_PUBLIC extern const IID IID_IMAPIOfflineMgr;     /* {42175607-FF3E-4790-BC18-66C8643E6424} */

static inline int
om_mapi_guid_equal(const GUID *a, const GUID *b)
{
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  for (size_t i = 0; i < sizeof(GUID); i++)
    if (x[i] != y[i])
      return 0;
  return 1;
}

/* IsEqualGUID/IsEqualIID take what REFGUID/REFIID are: pointers in C
 * (IsEqualIID(riid, &IID_IUnknown)), references in C++ (IsEqualIID(riid,
 * IID_IUnknown)), as in the Windows SDK. */
#if defined(__cplusplus) && !defined(CINTERFACE)
#ifndef IsEqualGUID
extern "C++" inline int
IsEqualGUID(REFGUID rguid1, REFGUID rguid2)
{
  return om_mapi_guid_equal(&rguid1, &rguid2);
}
#define IsEqualGUID IsEqualGUID
#endif
#else
#ifndef IsEqualGUID
#define IsEqualGUID(a, b) om_mapi_guid_equal((a), (b))
#endif
#endif
#ifndef IsEqualIID
#define IsEqualIID(a, b) IsEqualGUID((a), (b))
#endif

/* GUID comparison in C++ (with CINTERFACE too), under the Windows SDK's guard so that
 * a program that also has another definition keeps one. */
#if defined(__cplusplus) && !defined(_SYS_GUID_OPERATOR_EQ_) && \
  !defined(_NO_SYS_GUID_OPERATOR_EQ_)
#define _SYS_GUID_OPERATOR_EQ_
extern "C++" {
inline bool
operator==(const GUID &guidOne, const GUID &guidOther)
{
  return om_mapi_guid_equal(&guidOne, &guidOther) != 0;
}
inline bool
operator!=(const GUID &guidOne, const GUID &guidOther)
{
  return !(guidOne == guidOther);
}
}
#endif

/* ---- Interfaces ---- */

typedef struct IUnknown IUnknown;
typedef struct IMAPIOfflineNotify IMAPIOfflineNotify;
typedef struct IMAPIOffline IMAPIOffline;
typedef struct IMAPIOfflineMgr IMAPIOfflineMgr;

#if !defined(__cplusplus) || defined(CINTERFACE)

/* The C binding: each interface is a struct whose only member points to its vtable. */
typedef struct IUnknownVtbl {
  HRESULT (*QueryInterface)(IUnknown *This, REFIID riid, void **ppvObject);
  ULONG (*AddRef)(IUnknown *This);
  ULONG (*Release)(IUnknown *This);
} IUnknownVtbl;

struct IUnknown {
  const IUnknownVtbl *lpVtbl;
};

#else

/* The C++ binding: abstract classes with only pure virtual functions and single
 * inheritance, so that the object starts with its vptr and the vtable holds the base's
 * slots, then the class's own in declaration order (the Itanium C++ ABI of g++ and
 * clang); that is the C binding's vtable, slot for slot. No virtual destructor: it
 * would add slots. The destructor is protected instead: COM objects end in Release,
 * never in a delete through an interface pointer (the library's objects are not even
 * C++ objects), and -Wnon-virtual-dtor does not flag the interfaces as bases. */
extern "C++" {
struct IUnknown {
  virtual HRESULT QueryInterface(REFIID riid, void **ppvObject) = 0;
  virtual ULONG AddRef() = 0;
  virtual ULONG Release() = 0;

protected:
  ~IUnknown() {}
};
}

#endif

/* ---- Structures ---- */

typedef struct {
  ULONG ulSize;                        /* sizeof(MAPIOFFLINE_ADVISEINFO) */
  ULONG ulClientToken;                 /* passed back in every MAPIOFFLINE_NOTIFY */
  MAPIOFFLINE_CALLBACK_TYPE CallbackType;  /* MAPIOFFLINE_CALLBACK_TYPE_NOTIFY */
  IUnknown *pCallback;                 /* an object that implements IMAPIOfflineNotify */
  ULONG ulAdviseTypes;                 /* MAPIOFFLINE_ADVISE_TYPE_STATECHANGE */
  ULONG ulStateMask;                   /* MAPIOFFLINE_STATE_ALL */
} MAPIOFFLINE_ADVISEINFO;

typedef struct {
  ULONG ulSize;                        /* sizeof(MAPIOFFLINE_NOTIFY) */
  MAPIOFFLINE_NOTIFY_TYPE NotifyType;
  ULONG ulClientToken;
  union {
    struct {
      ULONG ulMask;                    /* MAPIOFFLINE_STATE_OFFLINE_MASK */
      ULONG ulStateOld;
      ULONG ulStateNew;
    } StateChange;
  } Info;
} MAPIOFFLINE_NOTIFY;

#if !defined(__cplusplus) || defined(CINTERFACE)

/* Implemented by the application. */
typedef struct IMAPIOfflineNotifyVtbl {
  HRESULT (*QueryInterface)(IMAPIOfflineNotify *This, REFIID riid, void **ppvObject);
  ULONG (*AddRef)(IMAPIOfflineNotify *This);
  ULONG (*Release)(IMAPIOfflineNotify *This);
  void (*Notify)(IMAPIOfflineNotify *This, const MAPIOFFLINE_NOTIFY *pNotifyInfo);
} IMAPIOfflineNotifyVtbl;

struct IMAPIOfflineNotify {
  const IMAPIOfflineNotifyVtbl *lpVtbl;
};

/* IMAPIOffline: 7 slots. The placeholder returns MAPI_E_NO_SUPPORT. */
typedef struct IMAPIOfflineVtbl {
  HRESULT (*QueryInterface)(IMAPIOffline *This, REFIID riid, void **ppvObject);
  ULONG (*AddRef)(IMAPIOffline *This);
  ULONG (*Release)(IMAPIOffline *This);
  HRESULT (*SetCurrentState)(IMAPIOffline *This, ULONG ulFlags, ULONG ulMask, ULONG ulState,
                             void *pReserved);
  HRESULT (*GetCapabilities)(IMAPIOffline *This, ULONG *pulCapabilities);
  HRESULT (*GetCurrentState)(IMAPIOffline *This, ULONG *pulState);
  HRESULT (*Placeholder1)(IMAPIOffline *This, void *pReserved);
} IMAPIOfflineVtbl;

struct IMAPIOffline {
  const IMAPIOfflineVtbl *lpVtbl;
};

/* IMAPIOfflineMgr: the same 7 slots, then Advise, Unadvise and 7 placeholders (16). */
typedef struct IMAPIOfflineMgrVtbl {
  HRESULT (*QueryInterface)(IMAPIOfflineMgr *This, REFIID riid, void **ppvObject);
  ULONG (*AddRef)(IMAPIOfflineMgr *This);
  ULONG (*Release)(IMAPIOfflineMgr *This);
  HRESULT (*SetCurrentState)(IMAPIOfflineMgr *This, ULONG ulFlags, ULONG ulMask, ULONG ulState,
                             void *pReserved);
  HRESULT (*GetCapabilities)(IMAPIOfflineMgr *This, ULONG *pulCapabilities);
  HRESULT (*GetCurrentState)(IMAPIOfflineMgr *This, ULONG *pulState);
  HRESULT (*Placeholder1)(IMAPIOfflineMgr *This, void *pReserved);
  HRESULT (*Advise)(IMAPIOfflineMgr *This, ULONG ulFlags, MAPIOFFLINE_ADVISEINFO *pAdviseInfo,
                    ULONG *pulAdviseToken);
  HRESULT (*Unadvise)(IMAPIOfflineMgr *This, ULONG ulFlags, ULONG ulAdviseToken);
  HRESULT (*Placeholder2)(IMAPIOfflineMgr *This, void *pReserved);
  HRESULT (*Placeholder3)(IMAPIOfflineMgr *This, void *pReserved);
  HRESULT (*Placeholder4)(IMAPIOfflineMgr *This, void *pReserved);
  HRESULT (*Placeholder5)(IMAPIOfflineMgr *This, void *pReserved);
  HRESULT (*Placeholder6)(IMAPIOfflineMgr *This, void *pReserved);
  HRESULT (*Placeholder7)(IMAPIOfflineMgr *This, void *pReserved);
  HRESULT (*Placeholder8)(IMAPIOfflineMgr *This, void *pReserved);
} IMAPIOfflineMgrVtbl;

struct IMAPIOfflineMgr {
  const IMAPIOfflineMgrVtbl *lpVtbl;
};

#else

extern "C++" {
/* Implemented by the application: class CSink : public IMAPIOfflineNotify. */
struct IMAPIOfflineNotify : public IUnknown {
  virtual void Notify(const MAPIOFFLINE_NOTIFY *pNotifyInfo) = 0;

protected:
  ~IMAPIOfflineNotify() {}
};

/* IMAPIOffline: 7 slots. The placeholder returns MAPI_E_NO_SUPPORT. */
struct IMAPIOffline : public IUnknown {
  virtual HRESULT SetCurrentState(ULONG ulFlags, ULONG ulMask, ULONG ulState,
                                  void *pReserved) = 0;
  virtual HRESULT GetCapabilities(ULONG *pulCapabilities) = 0;
  virtual HRESULT GetCurrentState(ULONG *pulState) = 0;
  virtual HRESULT Placeholder1(void *pReserved) = 0;

protected:
  ~IMAPIOffline() {}
};

/* IMAPIOfflineMgr: the same 7 slots, then Advise, Unadvise and 7 placeholders (16). */
struct IMAPIOfflineMgr : public IMAPIOffline {
  virtual HRESULT Advise(ULONG ulFlags, MAPIOFFLINE_ADVISEINFO *pAdviseInfo,
                         ULONG *pulAdviseToken) = 0;
  virtual HRESULT Unadvise(ULONG ulFlags, ULONG ulAdviseToken) = 0;
  virtual HRESULT Placeholder2(void *pReserved) = 0;
  virtual HRESULT Placeholder3(void *pReserved) = 0;
  virtual HRESULT Placeholder4(void *pReserved) = 0;
  virtual HRESULT Placeholder5(void *pReserved) = 0;
  virtual HRESULT Placeholder6(void *pReserved) = 0;
  virtual HRESULT Placeholder7(void *pReserved) = 0;
  virtual HRESULT Placeholder8(void *pReserved) = 0;

protected:
  ~IMAPIOfflineMgr() {}
};
}

#endif

/* ---- The object's methods, as MAPI documents them ----
 *
 * QueryInterface: IID_IUnknown, IID_IMAPIOffline and IID_IMAPIOfflineMgr give the same
 *   object with one more reference; any other IID gives E_NOINTERFACE and *ppvObject
 *   NULL; NULL arguments give E_INVALIDARG.
 * AddRef, Release: the object's reference count; the last Release ends the object's
 *   registrations (releasing their sinks).
 * GetCurrentState: *pulState = MAPIOFFLINE_STATE_ONLINE or _OFFLINE; S_OK; E_INVALIDARG
 *   for NULL; MAPI_E_NETWORK_ERROR while offlinemgrd is unreachable (never hangs longer
 *   than the bus timeout); MAPI_E_NOT_FOUND when the account has been removed.
 * GetCapabilities: *pulCapabilities = MAPIOFFLINE_CAPABILITY_OFFLINE | _ONLINE; errors as
 *   for GetCurrentState.
 * SetCurrentState(ulFlags, ulMask, ulState, pReserved): ulFlags 0 or
 *   MAPIOFFLINE_FLAG_BLOCK, ulMask MAPIOFFLINE_STATE_OFFLINE_MASK, ulState ONLINE or
 *   OFFLINE, else E_INVALIDARG and nothing changes; pReserved is ignored. S_OK when the
 *   request is accepted (with BLOCK: after the transition and this process's DONE
 *   notifications); E_PENDING while a transition of the object is under way (and for
 *   BLOCK from inside Notify); MAPI_E_NETWORK_ERROR, MAPI_E_NOT_FOUND, E_FAIL.
 * Advise(ulFlags, pAdviseInfo, pulAdviseToken): E_INVALIDARG for a NULL pAdviseInfo or
 *   pulAdviseToken, ulFlags != 0, ulSize < sizeof(MAPIOFFLINE_ADVISEINFO),
 *   CallbackType != MAPIOFFLINE_CALLBACK_TYPE_NOTIFY, ulAdviseTypes !=
 *   MAPIOFFLINE_ADVISE_TYPE_STATECHANGE, or a NULL pCallback; E_NOINTERFACE when
 *   pCallback->QueryInterface(IID_IMAPIOfflineNotify) fails. Then nothing is registered
 *   and *pulAdviseToken (if not NULL) is 0. On S_OK the object holds exactly one
 *   reference on the sink (the one its QueryInterface returned) until Unadvise, and
 *   *pulAdviseToken is a non-zero token unique among the process's live registrations.
 *   Notifications go to registrations whose ulStateMask intersects
 *   MAPIOFFLINE_STATE_OFFLINE_MASK.
 * Unadvise(ulFlags, ulAdviseToken): always S_OK, for 0, unknown and removed tokens too;
 *   ends the registration made through this object and releases its sink.
 * Placeholders: MAPI_E_NO_SUPPORT, no side effects.
 */

/* HrOpenOfflineObj(0, L"<account id>", &GUID_GlobalState, NULL, &obj): the account's
 * offline object; a NULL or empty name: the global object; any other name (a MAPI
 * profile's, or an account id that offlinemgrd does not know): the global object too,
 * and one line on stderr the first time the process uses that name. On S_OK
 * *ppOfflineObj holds one reference owned by the caller (Release it). Failures leave
 * *ppOfflineObj NULL: MAPI_E_NOT_FOUND for a pGUID other than &GUID_GlobalState,
 * ulReserved != 0 or pInstance != NULL; MAPI_E_NETWORK_ERROR when offlinemgrd is not
 * running and cannot be started, or there is no session bus; E_INVALIDARG for a NULL
 * ppOfflineObj. May start offlinemgrd (D-Bus activation). */
OM_PUBLIC HRESULT HrOpenOfflineObj(ULONG ulReserved, LPCWSTR pwszProfileNameIn,
                                   const GUID *pGUID, const GUID *pInstance,
                                   IMAPIOfflineMgr **ppOfflineObj);

/* The function's type, for callers that look it up at run time. */
typedef HRESULT(HROPENOFFLINEOBJ)(ULONG ulReserved, LPCWSTR pwszProfileNameIn,
                                  const GUID *pGUID, const GUID *pInstance,
                                  IMAPIOfflineMgr **ppOfflineObj);
#define HROPENOFFLINEOBJ_SYMBOL "HrOpenOfflineObj"

/* ---- C helpers in the style of COBJMACROS (the C binding only) ---- */

#if !defined(__cplusplus) || defined(CINTERFACE)

#define IMAPIOfflineMgr_QueryInterface(This, riid, ppv) (This)->lpVtbl->QueryInterface(This, riid, ppv)
#define IMAPIOfflineMgr_AddRef(This) (This)->lpVtbl->AddRef(This)
#define IMAPIOfflineMgr_Release(This) (This)->lpVtbl->Release(This)
#define IMAPIOfflineMgr_SetCurrentState(This, f, m, s, r) (This)->lpVtbl->SetCurrentState(This, f, m, s, r)
#define IMAPIOfflineMgr_GetCapabilities(This, p) (This)->lpVtbl->GetCapabilities(This, p)
#define IMAPIOfflineMgr_GetCurrentState(This, p) (This)->lpVtbl->GetCurrentState(This, p)
#define IMAPIOfflineMgr_Advise(This, f, i, t) (This)->lpVtbl->Advise(This, f, i, t)
#define IMAPIOfflineMgr_Unadvise(This, f, t) (This)->lpVtbl->Unadvise(This, f, t)
#define IMAPIOffline_QueryInterface(This, riid, ppv) (This)->lpVtbl->QueryInterface(This, riid, ppv)
#define IMAPIOffline_AddRef(This) (This)->lpVtbl->AddRef(This)
#define IMAPIOffline_Release(This) (This)->lpVtbl->Release(This)
#define IMAPIOffline_SetCurrentState(This, f, m, s, r) (This)->lpVtbl->SetCurrentState(This, f, m, s, r)
#define IMAPIOffline_GetCapabilities(This, p) (This)->lpVtbl->GetCapabilities(This, p)
#define IMAPIOffline_GetCurrentState(This, p) (This)->lpVtbl->GetCurrentState(This, p)
#endif

/* ---- Layout, checked at compile time (spec §5, §7-§9, §13 rules 3 and 4) ---- */

#ifdef __cplusplus
#define OM_MAPI_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define OM_MAPI_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

OM_MAPI_STATIC_ASSERT(sizeof(ULONG) == 4, "ULONG is 32-bit");
OM_MAPI_STATIC_ASSERT(sizeof(HRESULT) == 4, "HRESULT is 32-bit");
OM_MAPI_STATIC_ASSERT(sizeof(GUID) == 16, "GUID is 16 bytes");
OM_MAPI_STATIC_ASSERT(sizeof(MAPIOFFLINE_CALLBACK_TYPE) == 4, "enums are 4 bytes");
OM_MAPI_STATIC_ASSERT(sizeof(MAPIOFFLINE_NOTIFY_TYPE) == 4, "enums are 4 bytes");
OM_MAPI_STATIC_ASSERT(sizeof(MAPIOFFLINE_NOTIFY) == 24, "MAPIOFFLINE_NOTIFY is 24 bytes");
OM_MAPI_STATIC_ASSERT(offsetof(MAPIOFFLINE_NOTIFY, NotifyType) == 4, "NotifyType at 4");
OM_MAPI_STATIC_ASSERT(offsetof(MAPIOFFLINE_NOTIFY, ulClientToken) == 8, "ulClientToken at 8");
OM_MAPI_STATIC_ASSERT(offsetof(MAPIOFFLINE_NOTIFY, Info.StateChange.ulMask) == 12, "ulMask at 12");
OM_MAPI_STATIC_ASSERT(offsetof(MAPIOFFLINE_NOTIFY, Info.StateChange.ulStateOld) == 16, "ulStateOld at 16");
OM_MAPI_STATIC_ASSERT(offsetof(MAPIOFFLINE_NOTIFY, Info.StateChange.ulStateNew) == 20, "ulStateNew at 20");
OM_MAPI_STATIC_ASSERT(offsetof(MAPIOFFLINE_ADVISEINFO, ulClientToken) == 4, "ulClientToken at 4");
OM_MAPI_STATIC_ASSERT(offsetof(MAPIOFFLINE_ADVISEINFO, CallbackType) == 8, "CallbackType at 8");
OM_MAPI_STATIC_ASSERT(offsetof(MAPIOFFLINE_ADVISEINFO, pCallback) == (sizeof(void *) == 8 ? 16 : 12),
                      "pCallback at 16 (64-bit) or 12 (32-bit)");
OM_MAPI_STATIC_ASSERT(offsetof(MAPIOFFLINE_ADVISEINFO, ulAdviseTypes) == (sizeof(void *) == 8 ? 24 : 16),
                      "ulAdviseTypes at 24 or 16");
OM_MAPI_STATIC_ASSERT(offsetof(MAPIOFFLINE_ADVISEINFO, ulStateMask) == (sizeof(void *) == 8 ? 28 : 20),
                      "ulStateMask at 28 or 20");
OM_MAPI_STATIC_ASSERT(sizeof(MAPIOFFLINE_ADVISEINFO) == (sizeof(void *) == 8 ? 32 : 24),
                      "MAPIOFFLINE_ADVISEINFO is 32 bytes (64-bit) or 24 (32-bit)");
#if !defined(__cplusplus) || defined(CINTERFACE)
OM_MAPI_STATIC_ASSERT(sizeof(IUnknownVtbl) == 3 * sizeof(void *), "IUnknown has 3 slots");
OM_MAPI_STATIC_ASSERT(sizeof(IMAPIOfflineNotifyVtbl) == 4 * sizeof(void *), "IMAPIOfflineNotify has 4 slots");
OM_MAPI_STATIC_ASSERT(offsetof(IMAPIOfflineNotifyVtbl, Notify) == 3 * sizeof(void *), "Notify is slot 3");
OM_MAPI_STATIC_ASSERT(sizeof(IMAPIOfflineVtbl) == 7 * sizeof(void *), "IMAPIOffline has 7 slots");
OM_MAPI_STATIC_ASSERT(offsetof(IMAPIOfflineVtbl, SetCurrentState) == 3 * sizeof(void *), "slot 3");
OM_MAPI_STATIC_ASSERT(offsetof(IMAPIOfflineVtbl, GetCapabilities) == 4 * sizeof(void *), "slot 4");
OM_MAPI_STATIC_ASSERT(offsetof(IMAPIOfflineVtbl, GetCurrentState) == 5 * sizeof(void *), "slot 5");
OM_MAPI_STATIC_ASSERT(sizeof(IMAPIOfflineMgrVtbl) == 16 * sizeof(void *), "IMAPIOfflineMgr has 16 slots");
OM_MAPI_STATIC_ASSERT(offsetof(IMAPIOfflineMgrVtbl, SetCurrentState) == 3 * sizeof(void *), "slot 3");
OM_MAPI_STATIC_ASSERT(offsetof(IMAPIOfflineMgrVtbl, GetCapabilities) == 4 * sizeof(void *), "slot 4");
OM_MAPI_STATIC_ASSERT(offsetof(IMAPIOfflineMgrVtbl, GetCurrentState) == 5 * sizeof(void *), "slot 5");
OM_MAPI_STATIC_ASSERT(offsetof(IMAPIOfflineMgrVtbl, Advise) == 7 * sizeof(void *), "Advise is slot 7");
OM_MAPI_STATIC_ASSERT(offsetof(IMAPIOfflineMgrVtbl, Unadvise) == 8 * sizeof(void *), "Unadvise is slot 8");
OM_MAPI_STATIC_ASSERT(offsetof(IMAPIOfflineMgrVtbl, Placeholder8) == 15 * sizeof(void *), "slot 15");
#else
/* Each object is its vptr and nothing else (the slots are checked by the tests). */
OM_MAPI_STATIC_ASSERT(sizeof(IUnknown) == sizeof(void *), "IUnknown is a vptr");
OM_MAPI_STATIC_ASSERT(sizeof(IMAPIOfflineNotify) == sizeof(void *), "IMAPIOfflineNotify is a vptr");
OM_MAPI_STATIC_ASSERT(sizeof(IMAPIOffline) == sizeof(void *), "IMAPIOffline is a vptr");
OM_MAPI_STATIC_ASSERT(sizeof(IMAPIOfflineMgr) == sizeof(void *), "IMAPIOfflineMgr is a vptr");
#endif

#ifdef __cplusplus
}
#endif
