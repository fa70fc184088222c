/* The MAPI face under concurrent use (spec §13 rules 21, 24, 27, 28, 31-33), against a
 * running daemon on the session bus. Self-checking: exits 0 when every check held.
 * Meant to be run under ThreadSanitizer or helgrind as well; OM_THREADS_ITERATIONS
 * scales the work down for those.
 *
 *  1. Four threads call GetCurrentState, GetCapabilities, Advise and Unadvise on shared
 *     objects while a fifth toggles the global state with BLOCK: after each BLOCK call
 *     the long-lived sinks have seen that transition's DONE and GetCurrentState gives
 *     the new state; every registration sees whole transitions in phase order, never
 *     overlapping; a re-entrant sink calls back into the object from Notify; each
 *     Unadvise gives back exactly the sink's reference and no Notify follows it.
 *  2. Unadvise from another thread while that registration's Notify is running waits
 *     for the Notify to return.
 *  3. The last object released from inside Notify (the dispatch thread cannot join
 *     itself); a new object afterwards gets a working dispatch thread again.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <offlinemgr/mapioffline.h>

#define WAIT_S 60

static int failures;

static void fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void
fail(const char *format, ...)
{
  va_list ap;

  va_start(ap, format);
  fputs("FAIL: ", stderr);
  vfprintf(stderr, format, ap);
  fputc('\n', stderr);
  va_end(ap);
  __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
}

static void
deadline_in(struct timespec *ts, int seconds)
{
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += seconds;
}

/* ---- a checking sink ---- */

typedef struct Sink Sink;
typedef void (*Hook)(Sink *sink, const MAPIOFFLINE_NOTIFY *n);

struct Sink {
  IMAPIOfflineNotify iface;
  ULONG refs;
  int in_notify;
  unsigned notifies, dones;    /* atomic */
  unsigned at_unadvise;        /* notifies when Unadvise returned */
  unsigned expect_phase;       /* only touched inside Notify, which never overlaps */
  ULONG old_state, new_state;
  ULONG client_token;
  Hook hook;
  void *data;
  const char *name;
};

static HRESULT
sink_qi(IMAPIOfflineNotify *This, REFIID riid, void **ppv)
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
  return __atomic_add_fetch(&((Sink *)This)->refs, 1, __ATOMIC_ACQ_REL);
}

static ULONG
sink_release(IMAPIOfflineNotify *This)
{
  return __atomic_sub_fetch(&((Sink *)This)->refs, 1, __ATOMIC_ACQ_REL);
}

static void
sink_notify(IMAPIOfflineNotify *This, const MAPIOFFLINE_NOTIFY *n)
{
  Sink *s = (Sink *)This;

  if (__atomic_exchange_n(&s->in_notify, 1, __ATOMIC_ACQ_REL))
    fail("%s: Notify calls overlap", s->name);
  if (n->ulSize != sizeof *n || n->ulClientToken != s->client_token ||
      n->Info.StateChange.ulMask != MAPIOFFLINE_STATE_OFFLINE_MASK)
    fail("%s: bad notification (size %u, token %u)", s->name, n->ulSize, n->ulClientToken);
  /* Whole transitions in phase order; an abandoned one may skip STATECHANGE. */
  if (s->expect_phase == 0 && n->NotifyType == MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START) {
    s->old_state = n->Info.StateChange.ulStateOld;
    s->new_state = n->Info.StateChange.ulStateNew;
    s->expect_phase = 2;
  } else if (s->expect_phase == 2 && n->NotifyType == MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE &&
             n->Info.StateChange.ulStateOld == s->old_state &&
             n->Info.StateChange.ulStateNew == s->new_state) {
    s->expect_phase = 3;
  } else if (s->expect_phase == 3 && n->NotifyType == MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE &&
             n->Info.StateChange.ulStateOld == s->old_state &&
             n->Info.StateChange.ulStateNew == s->new_state) {
    s->expect_phase = 0;
  } else {
    fail("%s: phase %u (%u -> %u) out of order (expected %u)", s->name,
         (unsigned)n->NotifyType, n->Info.StateChange.ulStateOld,
         n->Info.StateChange.ulStateNew, s->expect_phase);
    s->expect_phase = 0;
  }
  if (s->hook != NULL)
    s->hook(s, n);
  __atomic_add_fetch(&s->notifies, 1, __ATOMIC_ACQ_REL);
  if (n->NotifyType == MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE)
    __atomic_add_fetch(&s->dones, 1, __ATOMIC_ACQ_REL);
  __atomic_store_n(&s->in_notify, 0, __ATOMIC_RELEASE);
}

static const IMAPIOfflineNotifyVtbl sink_vtbl = { sink_qi, sink_add_ref, sink_release,
                                                  sink_notify };

static void
sink_init(Sink *s, const char *name, ULONG client_token)
{
  memset(s, 0, sizeof *s);
  s->iface.lpVtbl = &sink_vtbl;
  s->refs = 1;
  s->name = name;
  s->client_token = client_token;
}

static ULONG
advise(IMAPIOfflineMgr *obj, Sink *s)
{
  MAPIOFFLINE_ADVISEINFO info = {
    sizeof info, s->client_token, MAPIOFFLINE_CALLBACK_TYPE_NOTIFY, (IUnknown *)&s->iface,
    MAPIOFFLINE_ADVISE_TYPE_STATECHANGE, MAPIOFFLINE_STATE_ALL,
  };
  ULONG token = 0;
  HRESULT hr = obj->lpVtbl->Advise(obj, MAPIOFFLINE_ADVISE_DEFAULT, &info, &token);

  if (hr != S_OK || token == 0)
    fail("%s: Advise returned 0x%08x, token %u", s->name, (unsigned)hr, token);
  return token;
}

static IMAPIOfflineMgr *
open_global(void)
{
  IMAPIOfflineMgr *obj = NULL;
  HRESULT hr = HrOpenOfflineObj(0, NULL, &GUID_GlobalState, NULL, &obj);

  if (hr != S_OK) {
    fprintf(stderr, "HrOpenOfflineObj returned 0x%08x\n", (unsigned)hr);
    exit(1);
  }
  return obj;
}

/* ---- 1: everything at once ---- */

static IMAPIOfflineMgr *shared_a, *shared_b;
static int iterations = 40, toggles = 20;

/* From inside Notify: reads, a BLOCK request (E_PENDING at once) and an
 * Advise/Unadvise pair of a temporary sink. */
static void
reentrant_hook(Sink *s, const MAPIOFFLINE_NOTIFY *n)
{
  IMAPIOfflineMgr *obj = s->data;
  Sink temp;
  ULONG state = 0, token;
  HRESULT hr;

  if (n->NotifyType != MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE)
    return;
  if ((hr = obj->lpVtbl->GetCurrentState(obj, &state)) != S_OK ||
      (state != MAPIOFFLINE_STATE_ONLINE && state != MAPIOFFLINE_STATE_OFFLINE))
    fail("reentrant: GetCurrentState returned 0x%08x, %u", (unsigned)hr, state);
  hr = obj->lpVtbl->SetCurrentState(obj, MAPIOFFLINE_FLAG_BLOCK, MAPIOFFLINE_STATE_OFFLINE_MASK,
                                    state, NULL);
  if (hr != E_PENDING)
    fail("reentrant: SetCurrentState(BLOCK) inside Notify returned 0x%08x", (unsigned)hr);
  sink_init(&temp, "temp", 99);
  token = advise(obj, &temp);
  if (obj->lpVtbl->Unadvise(obj, 0, token) != S_OK || temp.refs != 1)
    fail("reentrant: temporary registration left %u references", temp.refs);
}

static void *
worker(void *data)
{
  Sink *sinks = calloc((size_t)iterations, sizeof *sinks);
  long id = (long)(intptr_t)data;

  for (int i = 0; i < iterations; i++) {
    IMAPIOfflineMgr *obj = (i + id) % 2 ? shared_a : shared_b;
    ULONG value = 0, token;
    HRESULT hr;

    if ((hr = obj->lpVtbl->GetCurrentState(obj, &value)) != S_OK ||
        (value != MAPIOFFLINE_STATE_ONLINE && value != MAPIOFFLINE_STATE_OFFLINE))
      fail("worker: GetCurrentState returned 0x%08x, %u", (unsigned)hr, value);
    if ((hr = obj->lpVtbl->GetCapabilities(obj, &value)) != S_OK || value != 3)
      fail("worker: GetCapabilities returned 0x%08x, %u", (unsigned)hr, value);
    sink_init(&sinks[i], "worker", (ULONG)(id * 1000 + i));
    token = advise(obj, &sinks[i]);
    if (__atomic_load_n(&sinks[i].refs, __ATOMIC_ACQUIRE) != 2)
      fail("worker: Advise holds %u references", sinks[i].refs - 1);
    if (obj->lpVtbl->Unadvise(obj, MAPIOFFLINE_UNADVISE_DEFAULT, token) != S_OK)
      fail("worker: Unadvise failed");
    /* Rule 21 and 24: the reference is back and nothing more will be delivered. */
    if (__atomic_load_n(&sinks[i].refs, __ATOMIC_ACQUIRE) != 1)
      fail("worker: %u references left after Unadvise", sinks[i].refs);
    if (__atomic_load_n(&sinks[i].in_notify, __ATOMIC_ACQUIRE))
      fail("worker: Notify still running after Unadvise returned");
    sinks[i].at_unadvise = __atomic_load_n(&sinks[i].notifies, __ATOMIC_ACQUIRE);
  }
  /* Checked again after more transitions: see concurrent_use(). */
  return sinks;
}

typedef struct {
  Sink *watchers[2];
} TogglerArgs;

static void *
toggler(void *data)
{
  TogglerArgs *args = data;
  ULONG state = 0;

  /* Every request asks for the other state: each is one transition. */
  shared_a->lpVtbl->GetCurrentState(shared_a, &state);
  state = state == MAPIOFFLINE_STATE_ONLINE ? MAPIOFFLINE_STATE_OFFLINE : MAPIOFFLINE_STATE_ONLINE;

  for (int i = 1; i <= toggles; i++) {
    HRESULT hr = shared_a->lpVtbl->SetCurrentState(shared_a, MAPIOFFLINE_FLAG_BLOCK,
                                                   MAPIOFFLINE_STATE_OFFLINE_MASK, state, NULL);
    ULONG now = 0;

    if (hr != S_OK)
      fail("toggler: SetCurrentState(BLOCK) returned 0x%08x", (unsigned)hr);
    /* Rule 28: this process's DONE callbacks have returned. */
    for (int w = 0; w < 2; w++)
      if (__atomic_load_n(&args->watchers[w]->dones, __ATOMIC_ACQUIRE) != (unsigned)i)
        fail("toggler: after transition %d %s has seen %u DONEs", i, args->watchers[w]->name,
             args->watchers[w]->dones);
    /* Rule 13: and the new state is visible. */
    if (shared_b->lpVtbl->GetCurrentState(shared_b, &now) != S_OK || now != state)
      fail("toggler: state %u after asking for %u", now, state);
    state = state == MAPIOFFLINE_STATE_OFFLINE ? MAPIOFFLINE_STATE_ONLINE
                                               : MAPIOFFLINE_STATE_OFFLINE;
  }
  return NULL;
}

static void
concurrent_use(void)
{
  Sink watch_a, watch_b, reentrant;
  TogglerArgs args = { { &watch_a, &watch_b } };
  pthread_t workers[4], toggle;
  Sink *worker_sinks[4];
  ULONG ta, tb, tr;

  shared_a = open_global();
  shared_b = open_global();
  sink_init(&watch_a, "watch_a", 1);
  sink_init(&watch_b, "watch_b", 2);
  sink_init(&reentrant, "reentrant", 3);
  reentrant.hook = reentrant_hook;
  reentrant.data = shared_b;
  ta = advise(shared_a, &watch_a);
  tb = advise(shared_b, &watch_b);
  tr = advise(shared_b, &reentrant);

  for (long i = 0; i < 4; i++)
    pthread_create(&workers[i], NULL, worker, (void *)(intptr_t)i);
  pthread_create(&toggle, NULL, toggler, &args);
  for (int i = 0; i < 4; i++)
    pthread_join(workers[i], (void **)&worker_sinks[i]);
  pthread_join(toggle, NULL);

  /* One more transition: no unadvised worker sink may hear of it. */
  shared_a->lpVtbl->SetCurrentState(shared_a, MAPIOFFLINE_FLAG_BLOCK,
                                    MAPIOFFLINE_STATE_OFFLINE_MASK, MAPIOFFLINE_STATE_OFFLINE,
                                    NULL);
  shared_a->lpVtbl->SetCurrentState(shared_a, MAPIOFFLINE_FLAG_BLOCK,
                                    MAPIOFFLINE_STATE_OFFLINE_MASK, MAPIOFFLINE_STATE_ONLINE,
                                    NULL);
  for (int i = 0; i < 4; i++) {
    for (int k = 0; k < iterations; k++)
      if (worker_sinks[i][k].refs != 1 ||
          worker_sinks[i][k].notifies != worker_sinks[i][k].at_unadvise)
        fail("worker sink %d/%d: %u references, %u notifications after Unadvise", i, k,
             worker_sinks[i][k].refs,
             worker_sinks[i][k].notifies - worker_sinks[i][k].at_unadvise);
    free(worker_sinks[i]);
  }
  if (reentrant.dones < (unsigned)toggles)
    fail("reentrant: %u DONEs for %d transitions", reentrant.dones, toggles);
  shared_a->lpVtbl->Unadvise(shared_a, 0, ta);
  shared_b->lpVtbl->Unadvise(shared_b, 0, tb);
  shared_b->lpVtbl->Unadvise(shared_b, 0, tr);
  if (watch_a.refs != 1 || watch_b.refs != 1 || reentrant.refs != 1)
    fail("long-lived sinks keep references: %u %u %u", watch_a.refs, watch_b.refs,
         reentrant.refs);
  shared_a->lpVtbl->Release(shared_a);
  shared_b->lpVtbl->Release(shared_b);
}

/* ---- 2: Unadvise waits for a Notify running on the dispatch thread ---- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int entered, go, notify_returned, unadvise_returned;
static pid_t unadvise_tid;

static void
blocking_hook(Sink *s, const MAPIOFFLINE_NOTIFY *n)
{
  struct timespec deadline;

  if (n->NotifyType != MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START)
    return;
  deadline_in(&deadline, WAIT_S);
  pthread_mutex_lock(&gate_lock);
  entered = 1;
  pthread_cond_broadcast(&gate_cond);
  while (!go)
    if (pthread_cond_timedwait(&gate_cond, &gate_lock, &deadline) != 0) {
      fail("unadvise-wait: never released");
      break;
    }
  if (unadvise_returned)
    fail("unadvise-wait: Unadvise returned while Notify was running");
  notify_returned = 1;
  pthread_mutex_unlock(&gate_lock);
}

typedef struct {
  IMAPIOfflineMgr *obj;
  ULONG token;
} UnadviseArgs;

static void *
unadvise_thread(void *data)
{
  UnadviseArgs *args = data;

  pthread_mutex_lock(&gate_lock);
  unadvise_tid = (pid_t)syscall(SYS_gettid);
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);
  args->obj->lpVtbl->Unadvise(args->obj, 0, args->token);
  pthread_mutex_lock(&gate_lock);
  if (!notify_returned)
    fail("unadvise-wait: Unadvise returned before the running Notify");
  unadvise_returned = 1;
  pthread_mutex_unlock(&gate_lock);
  return NULL;
}

/* Whether thread @tid sleeps (it waits in the kernel: here, for the running Notify). */
static int
thread_sleeps(pid_t tid)
{
  char path[64], buf[256], *p;
  FILE *f;
  int sleeping = 0;

  snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
  if ((f = fopen(path, "r")) == NULL)
    return 0;
  if (fgets(buf, sizeof buf, f) != NULL && (p = strrchr(buf, ')')) != NULL)
    sleeping = p[2] == 'S';
  fclose(f);
  return sleeping;
}

static void
unadvise_waits_for_notify(void)
{
  IMAPIOfflineMgr *obj = open_global();
  Sink s;
  UnadviseArgs args = { obj, 0 };
  pthread_t thread;
  struct timespec deadline, start;
  ULONG state = 0;

  sink_init(&s, "blocking", 7);
  s.hook = blocking_hook;
  args.token = advise(obj, &s);
  obj->lpVtbl->GetCurrentState(obj, &state);
  /* Without BLOCK: the dispatch thread will sit in Notify, waiting for `go`. */
  obj->lpVtbl->SetCurrentState(obj, 0, MAPIOFFLINE_STATE_OFFLINE_MASK,
                               state == MAPIOFFLINE_STATE_ONLINE ? MAPIOFFLINE_STATE_OFFLINE
                                                                 : MAPIOFFLINE_STATE_ONLINE,
                               NULL);
  deadline_in(&deadline, WAIT_S);
  pthread_mutex_lock(&gate_lock);
  while (!entered && pthread_cond_timedwait(&gate_cond, &gate_lock, &deadline) == 0)
    ;
  pthread_mutex_unlock(&gate_lock);
  if (!entered) {
    fail("unadvise-wait: Notify never came");
    return;
  }
  pthread_create(&thread, NULL, unadvise_thread, &args);
  pthread_mutex_lock(&gate_lock);
  while (unadvise_tid == 0 && pthread_cond_timedwait(&gate_cond, &gate_lock, &deadline) == 0)
    ;
  pthread_mutex_unlock(&gate_lock);
  /* Wait until the Unadvise thread is asleep inside Unadvise, bounded. */
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > WAIT_S) {
      fail("unadvise-wait: the Unadvise thread never waited");
      break;
    }
    if (__atomic_load_n(&unadvise_returned, __ATOMIC_ACQUIRE) || thread_sleeps(unadvise_tid))
      break;
    sched_yield();
  }
  pthread_mutex_lock(&gate_lock);
  go = 1;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);
  pthread_join(thread, NULL);
  if (s.refs != 1)
    fail("unadvise-wait: %u references left", s.refs);
  obj->lpVtbl->Release(obj);
}

/* ---- 3: the last object released from inside Notify ---- */

static pthread_mutex_t release_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t release_cond = PTHREAD_COND_INITIALIZER;
static int released;

static void
releasing_hook(Sink *s, const MAPIOFFLINE_NOTIFY *n)
{
  IMAPIOfflineMgr *obj = s->data;

  if (n->NotifyType != MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE || obj == NULL)
    return;
  s->data = NULL;
  if (obj->lpVtbl->Release(obj) != 0)
    fail("release-in-notify: the object is still referenced");
  pthread_mutex_lock(&release_lock);
  released = 1;
  pthread_cond_broadcast(&release_cond);
  pthread_mutex_unlock(&release_lock);
}

static void
release_from_notify(void)
{
  IMAPIOfflineMgr *obj = open_global(), *again;
  OmClient *native = om_client_new(NULL);
  OmOffline *trigger = native != NULL ? om_offline_open(native, NULL, NULL) : NULL;
  Sink s;
  struct timespec deadline;
  ULONG state = 0;

  if (trigger == NULL) {
    fail("release-in-notify: no native client");
    return;
  }
  sink_init(&s, "releasing", 8);
  s.hook = releasing_hook;
  s.data = obj;
  advise(obj, &s);
  obj->lpVtbl->GetCurrentState(obj, &state);
  /* The transition comes from a native client of its own, so that `obj` is the
   * process's last MAPI object when Notify releases it. */
  om_offline_set_state(trigger, 0, state == MAPIOFFLINE_STATE_ONLINE ? MAPIOFFLINE_STATE_OFFLINE
                                                                     : MAPIOFFLINE_STATE_ONLINE,
                       NULL, NULL);
  om_offline_close(trigger);
  om_client_unref(native);
  deadline_in(&deadline, WAIT_S);
  pthread_mutex_lock(&release_lock);
  while (!released && pthread_cond_timedwait(&release_cond, &release_lock, &deadline) == 0)
    ;
  pthread_mutex_unlock(&release_lock);
  if (!released)
    fail("release-in-notify: no DONE");
  /* The sink goes back after its Notify has returned. */
  clock_gettime(CLOCK_REALTIME, &deadline);
  while (__atomic_load_n(&s.refs, __ATOMIC_ACQUIRE) != 1) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec - deadline.tv_sec > WAIT_S) {
      fail("release-in-notify: the sink keeps %u references", s.refs);
      break;
    }
    sched_yield();
  }
  /* A new object gets a new dispatch thread that works. */
  again = open_global();
  {
    Sink t;
    ULONG token;

    sink_init(&t, "again", 9);
    token = advise(again, &t);
    again->lpVtbl->SetCurrentState(again, MAPIOFFLINE_FLAG_BLOCK, MAPIOFFLINE_STATE_OFFLINE_MASK,
                                   state, NULL);
    if (t.dones != 1)
      fail("again: %u DONEs", t.dones);
    again->lpVtbl->Unadvise(again, 0, token);
  }
  again->lpVtbl->Release(again);
}

int
main(int argc, char **argv)
{
  const char *scale = getenv("OM_THREADS_ITERATIONS");

  if (scale != NULL && atoi(scale) > 0) {
    iterations = atoi(scale);
    toggles = iterations / 2 > 2 ? iterations / 2 : 2;
  }
  concurrent_use();
  unadvise_waits_for_notify();
  release_from_notify();
  {
    /* Leave the global object ONLINE, as a fresh daemon has it. */
    OmClient *c = om_client_new(NULL);
    OmOffline *g = c != NULL ? om_offline_open(c, NULL, NULL) : NULL;
    if (g != NULL)
      om_offline_set_state(g, OM_FLAG_BLOCK, OM_STATE_ONLINE, NULL, NULL);
    om_offline_close(g);
    om_client_unref(c);
  }
  if (failures != 0) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("ok\n");
  return 0;
}
