/* Threads under simsock exec (exec_threads_test.cc): an unmodified
 * pthreads program, run with the clone emulation (docs/exec.md,
 * "Threads"). Modes (argv[1]):
 *   contend        4 threads take a mutex and wait on a condvar in turns
 *                  (a token passed round), a detached thread, joins and
 *                  thread-local counters; prints what each thread counted.
 *   timeout        a raw FUTEX_WAIT with a 2 s timeout and a
 *                  pthread_cond_timedwait of 1.5 s: virtual time passes.
 *   serve PORT     a thread blocks in accept and echoes one client's lines
 *                  while the first thread ticks on nanosleep.
 *   many N         N threads that all wait (more than there are slots:
 *                  the shim fails loudly).
 *   fork           fork (the shim refuses it loudly).
 *   rawclone       clone(2) of a thread without CLONE_SETTLS (refused
 *                  loudly: the emulation needs the thread's own TLS).
 *   requeue        FUTEX_CMP_REQUEUE (not emulated: the shim fails loudly).
 *   mainexit       the first thread pthread_exits; another joins it, then
 *                  ends the program as its last thread. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* --- contend */
#define WORKERS 4
#define ROUNDS 50
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static int turn;           /* whose turn it is to take the token */
static long shared_total;  /* incremented under lock */
static __thread long mine; /* each thread's own count */
static long counted[WORKERS];
static int detached_done;
static pthread_cond_t detached_cond = PTHREAD_COND_INITIALIZER;
static int worker_tid_differs;
static int worker_affinity; /* sched_getaffinity(its virtual tid): 0 */

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  for (int r = 0; r < ROUNDS; r++) {
    pthread_mutex_lock(&lock);
    while (turn != id) pthread_cond_wait(&turn_changed, &lock);
    shared_total++;
    mine++;
    turn = (turn + 1) % WORKERS;
    pthread_cond_broadcast(&turn_changed);
    pthread_mutex_unlock(&lock);
  }
  /* Plain contention too: no turns, just the mutex. */
  for (int r = 0; r < ROUNDS; r++) {
    pthread_mutex_lock(&lock);
    shared_total++;
    mine++;
    pthread_mutex_unlock(&lock);
  }
  counted[id] = mine;
  if (id == 0) {
    worker_tid_differs = gettid() != getpid();
    cpu_set_t set;
    worker_affinity = sched_getaffinity(gettid(), sizeof set, &set);
  }
  return (void *)(intptr_t)(mine * 10 + id);
}

static void *detached(void *arg) {
  (void)arg;
  struct timespec d = {0, 250 * 1000000};
  nanosleep(&d, NULL);
  pthread_mutex_lock(&lock);
  detached_done = 1;
  pthread_cond_signal(&detached_cond);
  pthread_mutex_unlock(&lock);
  return NULL;
}

static int contend(void) {
  pthread_t t[WORKERS], d;
  long long start = now_ms();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&d, &attr, detached, NULL) != 0) return 1;
  for (int i = 0; i < WORKERS; i++)
    if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) != 0) return 1;
  for (int i = 0; i < WORKERS; i++) {
    void *ret;
    pthread_join(t[i], &ret);
    printf("worker %d counted %ld, returned %ld\n", i, counted[i],
           (long)(intptr_t)ret);
  }
  pthread_mutex_lock(&lock);
  while (!detached_done) pthread_cond_wait(&detached_cond, &lock);
  pthread_mutex_unlock(&lock);
  printf("total %ld (expected %d), main's own count %ld\n", shared_total,
         WORKERS * ROUNDS * 2, mine);
  printf("detached done after %lld ms\n", now_ms() - start);
  printf("a worker's tid differs from the pid: %d\n", worker_tid_differs);
  printf("sched_getaffinity of the worker's tid: %d\n", worker_affinity);
  return shared_total == WORKERS * ROUNDS * 2 ? 0 : 2;
}

/* --- timeout */
static int timeout_mode(void) {
  uint32_t word = 7;
  struct timespec two = {2, 0};
  long long start = now_ms();
  long r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 7, &two, NULL, 0);
  printf("futex_wait: %ld (%s) after %lld ms\n", r,
         r < 0 ? strerror(errno) : "woken", now_ms() - start);
  r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 8, &two, NULL, 0);
  printf("futex_wait on a changed word: %ld (%s)\n", r, strerror(errno));
  struct timespec abs;
  clock_gettime(CLOCK_REALTIME, &abs);
  abs.tv_nsec += 500 * 1000000;
  abs.tv_sec += 1 + abs.tv_nsec / 1000000000;
  abs.tv_nsec %= 1000000000;
  start = now_ms();
  pthread_mutex_lock(&lock);
  int c = pthread_cond_timedwait(&turn_changed, &lock, &abs);
  pthread_mutex_unlock(&lock);
  printf("cond_timedwait: %s after %lld ms\n", strerror(c), now_ms() - start);
  return 0;
}

/* --- serve */
static int listener;
static void *server(void *arg) {
  (void)arg;
  int c = accept(listener, NULL, NULL);
  if (c < 0) return (void *)1;
  printf("server thread: accepted at %lld ms\n", now_ms());
  char buf[256];
  ssize_t n;
  while ((n = read(c, buf, sizeof buf)) > 0) write(c, buf, (size_t)n);
  close(c);
  printf("server thread: client gone at %lld ms\n", now_ms());
  return NULL;
}

static int serve(int port) {
  listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  if (bind(listener, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(listener, 8) != 0)
    return 1;
  pthread_t t;
  if (pthread_create(&t, NULL, server, NULL) != 0) return 1;
  for (int i = 0; i < 3; i++) {
    struct timespec d = {1, 0};
    nanosleep(&d, NULL);
    printf("tick %d at %lld ms\n", i, now_ms());
  }
  void *ret;
  pthread_join(t, &ret);
  printf("joined the server thread: %ld\n", (long)(intptr_t)ret);
  return 0;
}

/* --- many */
static void *waiter(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  for (;;) pthread_cond_wait(&turn_changed, &lock);
  return NULL;
}

static int many(int n) {
  for (int i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, waiter, NULL) != 0) return 1;
    printf("thread %d made\n", i + 1);
  }
  return 0;
}

/* --- rawclone */
static int clone_child(void *arg) {
  (void)arg;
  return 0;
}

static int rawclone(void) {
  static char stack[64 * 1024];
  int r = clone(clone_child, stack + sizeof stack,
                CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
                    CLONE_THREAD | CLONE_SYSVSEM,
                NULL);
  printf("clone returned %d\n", r);
  return 0;
}

/* --- mainexit */
static pthread_t first;
static void *joiner(void *arg) {
  (void)arg;
  struct timespec d = {0, 100 * 1000000};
  nanosleep(&d, NULL);
  int r = pthread_join(first, NULL);
  printf("joined the first thread: %d at %lld ms\n", r, now_ms());
  return NULL; /* the last thread: glibc calls exit(0) */
}

static int mainexit(void) {
  first = pthread_self();
  pthread_t t;
  if (pthread_create(&t, NULL, joiner, NULL) != 0) return 1;
  pthread_exit(NULL);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "contend";
  if (strcmp(mode, "contend") == 0) return contend();
  if (strcmp(mode, "timeout") == 0) return timeout_mode();
  if (strcmp(mode, "serve") == 0) return serve(argc > 2 ? atoi(argv[2]) : 7300);
  if (strcmp(mode, "many") == 0) return many(argc > 2 ? atoi(argv[2]) : 70);
  if (strcmp(mode, "mainexit") == 0) return mainexit();
  if (strcmp(mode, "rawclone") == 0) return rawclone();
  if (strcmp(mode, "requeue") == 0) {
    uint32_t word = 0, other = 0;
    long r =
        syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &other, 0);
    printf("requeue returned %ld\n", r);
    return 0;
  }
  if (strcmp(mode, "fork") == 0) {
    pid_t p = fork();
    printf("fork returned %d\n", (int)p);
    return 0;
  }
  return 64;
}
