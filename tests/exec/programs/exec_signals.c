/* Signals under simsock exec (exec_world_test's Signals* tests), by mode:
 * - "eintr": a SIGALRM handler without SA_RESTART and setitimer(1 s, every
 *   1 s); accept blocks and fails with EINTR at each tick; after 5 ticks
 *   it prints the virtual time and exits.
 * - "restart": the same with SA_RESTART, blocked in a pipe read that
 *   restarts after each tick; the fifth tick's handler writes to the pipe,
 *   so the read returns.
 * - "sigpipe": writes to a peer that closed until a write fails: SIGPIPE
 *   at its default kills the program.
 * - "sigpipe-ign": the same with SIGPIPE ignored: the write fails with
 *   EPIPE and the program exits 0. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static int wake_fd = -1;

static void on_alarm(int sig) {
  (void)sig;
  ticks++;
  if (ticks == 5 && wake_fd >= 0) {
    const int saved = errno;
    (void)write(wake_fd, "!", 1);
    errno = saved;
  }
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int listener(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 4) != 0) {
    perror("bind/listen");
    return -1;
  }
  return s;
}

static int ticking(int restart) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval every = {{1, 0}, {1, 0}};
  const double start = now_s();
  if (setitimer(ITIMER_REAL, &every, NULL) != 0) {
    perror("setitimer");
    return 1;
  }
  if (restart) {
    int p[2];
    if (pipe(p) != 0) return 1;
    wake_fd = p[1];
    char c = 0;
    ssize_t n = read(p[0], &c, 1);
    printf("read %zd byte '%c' after %d ticks at %.3f s\n", n, c, (int)ticks,
           now_s() - start);
  } else {
    int s = listener(7300);
    if (s < 0) return 1;
    while (ticks < 5) {
      int c = accept(s, NULL, NULL);
      printf("accept = %d (%s) at tick %d, %.3f s\n", c,
             c < 0 ? strerror(errno) : "ok", (int)ticks, now_s() - start);
    }
  }
  struct itimerval left;
  getitimer(ITIMER_REAL, &left);
  printf("next tick in %ld.%06ld s, every %ld s\n", (long)left.it_value.tv_sec,
         (long)left.it_value.tv_usec, (long)left.it_interval.tv_sec);
  return 0;
}

static int broken_pipe(int ignore) {
  if (ignore) signal(SIGPIPE, SIG_IGN);
  int l = listener(7301);
  if (l < 0) return 1;
  int c = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  getsockname(l, (struct sockaddr *)&a, &len);
  if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("connect");
    return 1;
  }
  int s = accept(l, NULL, NULL);
  close(s); /* the peer is gone */
  for (int i = 0; i < 3; i++) {
    ssize_t n = write(c, "data", 4);
    printf("write %d = %zd (%s)\n", i, n, n < 0 ? strerror(errno) : "ok");
    if (n < 0) break;
  }
  printf("still alive\n");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "eintr";
  if (strcmp(mode, "eintr") == 0) return ticking(0);
  if (strcmp(mode, "restart") == 0) return ticking(1);
  if (strcmp(mode, "sigpipe") == 0) return broken_pipe(0);
  if (strcmp(mode, "sigpipe-ign") == 0) return broken_pipe(1);
  fprintf(stderr, "unknown mode %s\n", mode);
  return 2;
}
