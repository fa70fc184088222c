/* Optional: the Windows SDK names that Offline State API code uses besides the API's
 * own, so that such code compiles with fewer edits. <offlinemgr/mapioffline.h> defines
 * only the API's names; include this after it where ported code wants these:
 *
 *   #include <offlinemgr/mapioffline.h>
 *   #include <offlinemgr/mapioffline-windows.h>
 *
 * Calling-convention macros are empty: on Linux every call uses the platform's one
 * convention. Each name is left alone when something else (another compatibility layer)
 * defined it first. What this does not cover, and a port still changes, is listed in
 * the library's documentation (libofflinemgr(3), "Porting from Windows"). */
#pragma once

#include <stdint.h>
#include <wchar.h>

#include <offlinemgr/mapioffline.h>

#ifdef __cplusplus
#define OM_WIN_EXTERN_C extern "C"
#else
#define OM_WIN_EXTERN_C extern
#endif

/* ---- calling conventions and declaration helpers ---- */

#ifndef STDMETHODCALLTYPE
#define STDMETHODCALLTYPE
#endif
#ifndef STDAPICALLTYPE
#define STDAPICALLTYPE
#endif
#ifndef WINAPI
#define WINAPI
#endif
#ifndef EXTERN_C
#define EXTERN_C OM_WIN_EXTERN_C
#endif
#ifndef STDAPI
#define STDAPI EXTERN_C HRESULT STDAPICALLTYPE
#endif
#ifndef STDAPI_
#define STDAPI_(type) EXTERN_C type STDAPICALLTYPE
#endif
/* In a class: STDMETHOD(QueryInterface)(REFIID riid, LPVOID *ppv); outside it:
 * STDMETHODIMP CSink::QueryInterface(REFIID riid, LPVOID *ppv) { ... } */
#ifndef STDMETHODIMP
#define STDMETHODIMP HRESULT STDMETHODCALLTYPE
#endif
#ifndef STDMETHODIMP_
#define STDMETHODIMP_(type) type STDMETHODCALLTYPE
#endif
#ifdef __cplusplus
#ifndef STDMETHOD
#define STDMETHOD(method) virtual HRESULT STDMETHODCALLTYPE method
#endif
#ifndef STDMETHOD_
#define STDMETHOD_(type, method) virtual type STDMETHODCALLTYPE method
#endif
#ifndef PURE
#define PURE = 0
#endif
#endif

/* ---- types ---- */

typedef void *LPVOID;
typedef int32_t LONG;            /* 32-bit, as on Windows */
typedef uint32_t DWORD;
typedef int BOOL;
typedef wchar_t WCHAR;
typedef wchar_t *LPWSTR;
typedef IUnknown *LPUNKNOWN;
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/* ---- reference counts ---- */

/* The interlocked increment and decrement COM objects count references with: the new
 * value, with a full barrier. */
static inline LONG
InterlockedIncrement(LONG volatile *Addend)
{
  return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}

static inline LONG
InterlockedDecrement(LONG volatile *Addend)
{
  return __atomic_sub_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}

/* ---- GUIDs ---- */

/* DEFINE_GUID(name, l, w1, w2, b1, ..., b8) declares the GUID; in the one file that
 * defines INITGUID before including this, it also defines it (weak, as the SDK's
 * selectany: several definitions in a program become one). The libofflinemgr GUIDs are
 * the library's: a program's own DEFINE_GUID of one of them only repeats its value. */
#ifndef DEFINE_GUID
#ifdef INITGUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8)                  \
  EXTERN_C const GUID name __attribute__((weak));                                     \
  const GUID name = { l, w1, w2, { b1, b2, b3, b4, b5, b6, b7, b8 } }
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) EXTERN_C const GUID name
#endif
#endif
