/* Wake-up fds under simsock exec (exec_world_test's
 * PipeAndEventfdWakeUps): a self-pipe and an eventfd in one epoll beside a
 * listening socket, all simulated. The program writes to its own pipe and
 * eventfd and sees each wake epoll_wait at once (no virtual time passes),
 * then serves one client's lines, waking itself through the pipe after
 * each (as an event loop's wake-up pipe does). Prints what it saw. */
#define _GNU_SOURCE /* pipe2, accept4 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 7200;
  setvbuf(stdout, NULL, _IONBF, 0);
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) {
    perror("pipe2");
    return 1;
  }
  int ev = eventfd(0, EFD_NONBLOCK);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  printf("fds pipe %d %d eventfd %d socket %d\n", p[0], p[1], ev, s);
  struct stat pst, est;
  fstat(p[0], &pst);
  fstat(ev, &est);
  printf("pipe is a fifo %d, eventfd mode %o\n", S_ISFIFO(pst.st_mode) ? 1 : 0,
         (unsigned)est.st_mode);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 4) != 0) {
    perror("bind/listen");
    return 1;
  }
  int ep = epoll_create1(0);
  struct epoll_event e;
  e.events = EPOLLIN;
  e.data.fd = p[0];
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
  e.data.fd = ev;
  epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e);
  e.data.fd = s;
  epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);

  struct epoll_event out[4];
  long long t0 = now_ns();
  int n = epoll_wait(ep, out, 4, 300);
  printf("quiet wait %d after %lld ns\n", n, now_ns() - t0);
  if (write(p[1], "x", 1) != 1) return 1;
  n = epoll_wait(ep, out, 4, 1000);
  printf("after pipe write: %d ready, fd %d\n", n, out[0].data.fd);
  char c;
  printf("pipe read %zd\n", read(p[0], &c, 1));
  uint64_t v = 5;
  if (write(ev, &v, 8) != 8) return 1;
  v = 2;
  if (write(ev, &v, 8) != 8) return 1;
  n = epoll_wait(ep, out, 4, 1000);
  v = 0;
  ssize_t got = read(ev, &v, 8);
  printf("after eventfd writes: %d ready, fd %d, counter %zd %llu\n", n,
         out[0].data.fd, got, (unsigned long long)v);
  printf("eventfd empty: %zd\n", read(ev, &v, 8));

  int c_fd = -1, wakes = 0;
  for (int rounds = 0; rounds < 1000; rounds++) {
    n = epoll_wait(ep, out, 4, 20000);
    if (n <= 0) {
      printf("epoll_wait %d\n", n);
      break;
    }
    int done = 0;
    for (int i = 0; i < n; i++) {
      int fd = out[i].data.fd;
      if (fd == s) {
        c_fd = accept4(s, NULL, NULL, SOCK_NONBLOCK);
        e.data.fd = c_fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, c_fd, &e);
        printf("accepted\n");
      } else if (fd == p[0]) {
        while (read(p[0], &c, 1) == 1) wakes++;
      } else if (fd == c_fd) {
        char buf[512];
        ssize_t k = read(c_fd, buf, sizeof buf);
        if (k <= 0) {
          done = 1;
          break;
        }
        if (write(c_fd, buf, (size_t)k) != k) done = 1;
        if (write(p[1], "w", 1) != 1) done = 1; /* wake the loop */
      }
    }
    if (done) break;
  }
  printf("client done, %d wake-ups through the pipe\n", wakes);
  close(c_fd);
  close(p[1]);
  n = epoll_wait(ep, out, 4, 0);
  printf("writer closed: %d ready, read %zd\n", n, read(p[0], &c, 1));
  close(p[0]);
  close(ev);
  close(ep);
  close(s);
  return 0;
}
