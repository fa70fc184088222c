/* Opens the global offline object N times where offlinemgrd is neither running nor
 * activatable: every call must fail with MAPI_E_NETWORK_ERROR, and none may hang.
 *
 *   open-loop N
 *
 * Each failing HrOpenOfflineObj starts the library's dispatch thread and stops it again
 * at once, the schedule that once lost the stop's wake-up (docs/design.md, "Threads").
 * Prints "open i" before call i, so that a test that gives up waiting can say which call
 * hung, and "ok N" at the end. Exits 1 on a wrong result. */
#include <stdio.h>
#include <stdlib.h>

#include <offlinemgr/mapioffline.h>

int
main(int argc, char **argv)
{
  long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;

  if (n <= 0) {
    fprintf(stderr, "usage: open-loop N\n");
    return 2;
  }
  for (long i = 1; i <= n; i++) {
    IMAPIOfflineMgr *obj = (IMAPIOfflineMgr *)&obj;  /* must come back NULL */
    HRESULT hr;

    printf("open %ld\n", i);
    fflush(stdout);
    hr = HrOpenOfflineObj(0, L"", &GUID_GlobalState, NULL, &obj);
    if (hr != MAPI_E_NETWORK_ERROR || obj != NULL) {
      printf("error call %ld: hr 0x%08x, object %s\n", i, (unsigned)hr,
             obj == NULL ? "NULL" : "set");
      return 1;
    }
  }
  printf("ok %ld\n", n);
  return 0;
}
