/* A plain C program run under the preloaded shim by tests/exec/shim_test.cc
 * (which plays the simulator). argv[1] names the scenario; the program
 * prints what it saw on stdout (a real file: the shim runs that write
 * natively) for the test to check. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static void hex(const char *label, const unsigned char *b, size_t n) {
  printf("%s ", label);
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
  printf("\n");
}

/* socket, connect, write (wrapper and raw syscall), read, getsockname,
 * recvmsg, sendmsg, close: the fd numbers and the bytes the test sees. */
static int sockets(void) {
  int file = open("/dev/null", O_RDONLY); /* a real fd: 3, as on Linux */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  printf("file %d socket %d\n", file, fd);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(7)};
  inet_pton(AF_INET, "10.0.0.2", &to.sin_addr);
  printf("connect %d\n", connect(fd, (struct sockaddr *)&to, sizeof to));
  printf("write %zd\n", write(fd, "hello", 5));
  printf("raw %ld\n", syscall(SYS_write, fd, "raw!", 4));
  char buf[64] = {0};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  printf("read %zd %s\n", n, buf);
  struct sockaddr_in me;
  socklen_t len = sizeof me;
  int r = getsockname(fd, (struct sockaddr *)&me, &len);
  char ip[32];
  inet_ntop(AF_INET, &me.sin_addr, ip, sizeof ip);
  printf("getsockname %d %u %s:%d\n", r, len, ip, ntohs(me.sin_port));
  char a[3], b[4];
  struct iovec iov[2] = {{a, sizeof a}, {b, sizeof b}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
  n = recvmsg(fd, &msg, 0);
  printf("recvmsg %zd %.3s|%.*s flags %d\n", n, a, (int)(n > 3 ? n - 3 : 0), b,
         msg.msg_flags);
  struct iovec out[2] = {{"ab", 2}, {"cde", 3}};
  struct msghdr smsg = {.msg_iov = out, .msg_iovlen = 2};
  printf("sendmsg %zd\n", sendmsg(fd, &smsg, 0));
  int dupfd = dup(fd);
  int next = open("/dev/null", O_RDONLY);
  printf("dup %d next %d\n", dupfd, next);
  printf("close %d %d\n", close(fd), close(dupfd));
  int again = socket(AF_INET, SOCK_STREAM, 0);
  printf("again %d\n", again);
  /* A real file keeps running natively. */
  char path[] = "/tmp/simsock_shim_probeXXXXXX";
  int tmp = mkstemp(path);
  ssize_t w = write(tmp, "native", 6);
  lseek(tmp, 0, SEEK_SET);
  char back[8] = {0};
  ssize_t rd = read(tmp, back, sizeof back - 1);
  unlink(path);
  printf("native %zd %zd %s\n", w, rd, back);
  return 0;
}

/* A server's calls: options, bind, listen, epoll, accept4, ioctl, recv,
 * send, a glibc-internal write (dprintf), fcntl F_DUPFD, a real file
 * dup2'd over a simulated fd, isatty, and the guards on SIGSYS. */
static int server(void) {
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  int r = setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(8080)};
  printf("listen %d setsockopt %d bind %d listen %d\n", ls, r,
         bind(ls, (struct sockaddr *)&any, sizeof any), listen(ls, 16));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77};
  r = epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  struct epoll_event out[4];
  int n = epoll_wait(ep, out, 4, 1000);
  printf("epoll %d ctl %d wait %d events %u data %llu\n", ep, r, n,
         out[0].events, (unsigned long long)out[0].data.u64);
  struct sockaddr_in peer;
  socklen_t plen = sizeof peer;
  int c = accept4(ls, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
  char ip[32];
  inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
  printf("accept4 %d %s:%d len %u\n", c, ip, ntohs(peer.sin_port), plen);
  struct stat sst, est;
  int s1 = fstat(c, &sst), s2 = fstat(ep, &est);
  printf("fstat %d %d sock %d blksize %ld epoll mode %o\n", s1, s2,
         S_ISSOCK(sst.st_mode), (long)sst.st_blksize, est.st_mode);
  int err = -1;
  socklen_t elen = sizeof err;
  r = getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &elen);
  printf("getsockopt %d %d %u\n", r, err, elen);
  int nb = 1, avail = -1;
  int r1 = ioctl(c, FIONBIO, &nb), r2 = ioctl(c, FIONREAD, &avail);
  printf("ioctl %d %d avail %d\n", r1, r2, avail);
  char buf[8] = {0};
  ssize_t got = recv(c, buf, sizeof buf - 1, 0);
  printf("recv %zd %s\n", got, buf);
  printf("send %zd\n", send(c, "xy", 2, MSG_NOSIGNAL));
  printf("dprintf %d\n", dprintf(c, "n=%d\n", 42));
  printf("getfl %#x\n", fcntl(c, F_GETFL));
  int d = fcntl(c, F_DUPFD, 10);
  int nul = open("/dev/null", O_RDONLY);
  printf("dupfd %d nul %d dup2 %d\n", d, nul, dup2(nul, c));
  r = close(d);
  errno = 0;
  r1 = isatty(ls);
  printf("close %d isatty %d %s\n", r, r1, strerrorname_np(errno));
  struct sigaction sa = {.sa_handler = SIG_IGN}, old;
  r = sigaction(SIGSYS, &sa, &old);
  sigset_t sys, cur;
  sigemptyset(&sys);
  sigaddset(&sys, SIGSYS);
  r1 = sigprocmask(SIG_BLOCK, &sys, NULL);
  sigprocmask(SIG_BLOCK, NULL, &cur);
  printf("guards %d %d blocked %d\n", r, r1, sigismember(&cur, SIGSYS));
  printf("shutdown %ld\n", syscall(SYS_shutdown, ls, SHUT_RDWR));
  return 0;
}

/* readv/writev (iovec arrays), sendto and recvfrom with addresses (UDP),
 * getrandom's flag check. */
static int vectors(void) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct iovec out[3] = {{"one", 3}, {"", 0}, {"three", 5}};
  printf("writev %zd\n", writev(fd, out, 3));
  char a[2], b[8] = {0};
  struct iovec in[2] = {{a, sizeof a}, {b, sizeof b - 1}};
  ssize_t n = readv(fd, in, 2);
  printf("readv %zd %.2s|%s\n", n, a, b);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(53)};
  inet_pton(AF_INET, "10.0.0.3", &to.sin_addr);
  printf("sendto %zd\n",
         sendto(fd, "q", 1, 0, (struct sockaddr *)&to, sizeof to));
  struct sockaddr_in from;
  socklen_t flen = sizeof from;
  char buf[8] = {0};
  n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &flen);
  char ip[32];
  inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
  printf("recvfrom %zd %s from %s:%d len %u\n", n, buf, ip,
         ntohs(from.sin_port), flen);
  errno = 0;
  long r = syscall(SYS_getrandom, buf, 4, 0x40);
  printf("getrandom %ld %s\n", r, strerrorname_np(errno));
  return 0;
}

typedef int (*vdso_clock_gettime_fn)(clockid_t, struct timespec *);

/* The vDSO's own symbol, looked up from AT_SYSINFO_EHDR. */
static vdso_clock_gettime_fn vdso_symbol(const char *name) {
  uintptr_t base = getauxval(AT_SYSINFO_EHDR);
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
  const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
  uintptr_t bias = base;
  for (int i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_LOAD) {
      bias = base - ph[i].p_vaddr;
      break;
    }
  const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);
  for (int i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_DYNSYM) continue;
    const Elf64_Sym *syms = (const Elf64_Sym *)(bias + sh[i].sh_addr);
    const char *names = (const char *)(bias + sh[sh[i].sh_link].sh_addr);
    for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); k++)
      if (strcmp(names + syms[k].st_name, name) == 0)
        return (vdso_clock_gettime_fn)(bias + syms[k].st_value);
  }
  return NULL;
}

static int clocks(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  printf("monotonic %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  clock_gettime(CLOCK_REALTIME, &ts);
  printf("realtime %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  vdso_clock_gettime_fn vdso = vdso_symbol("__vdso_clock_gettime");
  ts.tv_sec = ts.tv_nsec = 0;
  vdso(CLOCK_MONOTONIC, &ts);
  printf("vdso %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  ts.tv_sec = ts.tv_nsec = 0;
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
  printf("syscall %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  printf("gettimeofday %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
  printf("time %lld\n", (long long)time(NULL));
  struct timespec nap = {2, 500};
  printf("nanosleep %d\n", nanosleep(&nap, NULL));
  clock_gettime(CLOCK_MONOTONIC, &ts);
  printf("after %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  printf("pid %d tid %d ppid %d\n", getpid(), gettid(), getppid());
  printf("rawpid %ld\n", syscall(SYS_getpid));
  return 0;
}

static int tsc(void) {
  printf("rdtsc %llu\n", (unsigned long long)__rdtsc());
  unsigned aux = 99;
  printf("rdtscp %llu %u\n", (unsigned long long)__rdtscp(&aux), aux);
  return 0;
}

static int randomness(void) {
  unsigned char a[16], b[16];
  if (getrandom(a, sizeof a, 0) != (ssize_t)sizeof a) return 1;
  hex("getrandom", a, sizeof a);
  syscall(SYS_getrandom, b, sizeof b, 0);
  hex("rawgetrandom", b, sizeof b);
  int fd = open("/dev/urandom", O_RDONLY);
  ssize_t n = read(fd, a, sizeof a);
  printf("urandom %zd\n", n);
  hex("urandom", a, sizeof a);
  close(fd);
  hex("at_random", (const unsigned char *)getauxval(AT_RANDOM), 16);
  return 0;
}

static int efault(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  /* An unmapped address the compiler cannot see through. */
  void *volatile bad = (void *)16;
  errno = 0;
  ssize_t n = write(fd, bad, 10);
  printf("write %zd %s\n", n, strerrorname_np(errno));
  n = read(fd, bad, 10);
  printf("read %zd %s\n", n, strerrorname_np(errno));
  long r = syscall(SYS_getrandom, bad, 8, 0);
  printf("getrandom %ld %s\n", r, strerrorname_np(errno));
  r = syscall(SYS_connect, fd, bad, 16);
  printf("connect %ld %s\n", r, strerrorname_np(errno));
  return 0;
}

static int forks(void) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  printf("fork returned %d\n", pid);
  return 0;
}

static volatile sig_atomic_t got_signal;
static void on_usr1(int sig) { got_signal = sig; }

/* Signals to itself reach it (the virtual pid is translated); a real
 * timer fails loudly. */
static int signals(void) {
  signal(SIGUSR1, on_usr1);
  int r = raise(SIGUSR1);
  printf("raise %d got %d\n", r, (int)got_signal);
  got_signal = 0;
  r = kill(getpid(), SIGUSR1);
  printf("kill %d got %d\n", r, (int)got_signal);
  printf("alarm0 %u\n", alarm(0));
  alarm(5);
  printf("alarm returned\n");
  return 0;
}

static void *thread_main(void *arg) { return arg; }

static int thread(void) {
  pthread_t t;
  fflush(stdout);
  int r = pthread_create(&t, NULL, thread_main, NULL);
  printf("pthread_create returned %d\n", r);
  return 0;
}

static int unsupported_on_sim(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  fflush(stdout);
  struct mmsghdr msgs[1];
  memset(msgs, 0, sizeof msgs);
  sendmmsg(fd, msgs, 1, 0);
  printf("sendmmsg returned\n");
  return 0;
}

/* bench/exec_call: rounds of calls between forwarded markers (fcntl
 * F_GETFL on the simulated fd), which the bench timestamps on its side. */
static int loop(long n) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int real = open("/dev/null", O_RDONLY);
  struct timespec ts;
  long sum = 0;
  for (long i = 0; i < n; i++) sum += fcntl(fd, F_GETFL); /* wrapper */
  for (long i = 0; i < n; i++)
    sum += syscall(SYS_fcntl, fd, F_GETFL); /* trap */
  for (long i = 0; i < n; i++) sum += fcntl(real, F_GETFL);
  fcntl(fd, F_GETFL);
  for (long i = 0; i < n; i++) sum += syscall(SYS_fcntl, real, F_GETFL);
  fcntl(fd, F_GETFL);
  /* The shim's own answers: 100 times more, so that the marker's round
   * trip does not dominate. */
  for (long i = 0; i < 100 * n; i++) sum += getpid();
  fcntl(fd, F_GETFL);
  for (long i = 0; i < 100 * n; i++) sum += clock_gettime(CLOCK_MONOTONIC, &ts);
  fcntl(fd, F_GETFL);
  printf("loop %ld\n", sum);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) return 2;
  if (strcmp(argv[1], "sockets") == 0) return sockets();
  if (strcmp(argv[1], "server") == 0) return server();
  if (strcmp(argv[1], "vectors") == 0) return vectors();
  if (strcmp(argv[1], "clocks") == 0) return clocks();
  if (strcmp(argv[1], "rdtsc") == 0) return tsc();
  if (strcmp(argv[1], "random") == 0) return randomness();
  if (strcmp(argv[1], "efault") == 0) return efault();
  if (strcmp(argv[1], "fork") == 0) return forks();
  if (strcmp(argv[1], "thread") == 0) return thread();
  if (strcmp(argv[1], "signals") == 0) return signals();
  if (strcmp(argv[1], "unsupported") == 0) return unsupported_on_sim();
  if (strcmp(argv[1], "exit") == 0) return 42;
  if (strcmp(argv[1], "loop") == 0 && argc > 2) return loop(atol(argv[2]));
  return 2;
}
