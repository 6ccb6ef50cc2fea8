/* AF_UNIX sockets under simsock exec (exec_world_test's
 * UnixSocketpairWakeUps), one thread: a socketpair is the event loop's
 * self-notification channel in one epoll beside a TCP listener; an
 * abstract-named AF_UNIX listener takes a connection from the program
 * itself. All of them are simulated fds at Linux's numbers. Prints what it
 * saw. */
#define _GNU_SOURCE /* accept4, struct ucred */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 7300;
  setvbuf(stdout, NULL, _IONBF, 0);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) !=
      0) {
    perror("socketpair");
    return 1;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  printf("fds pair %d %d socket %d\n", sv[0], sv[1], s);
  struct stat st;
  fstat(sv[0], &st);
  printf("pair is a socket %d, cloexec %d\n", S_ISSOCK(st.st_mode) ? 1 : 0,
         (fcntl(sv[0], F_GETFD) & FD_CLOEXEC) ? 1 : 0);
  struct ucred cred;
  socklen_t cl = sizeof cred;
  getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &cl);
  printf("peer cred pid is mine %d\n", cred.pid == getpid() ? 1 : 0);
  struct sockaddr_un un;
  socklen_t ul = sizeof un;
  getsockname(sv[0], (struct sockaddr *)&un, &ul);
  printf("pair name len %u\n", (unsigned)ul);

  /* A named AF_UNIX listener and a connection to it from here. */
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  memset(&un, 0, sizeof un);
  un.sun_family = AF_UNIX;
  memcpy(un.sun_path, "\0simsock-exec", 13);
  socklen_t named = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 13);
  if (bind(l, (struct sockaddr *)&un, named) != 0 || listen(l, 1) != 0) {
    perror("unix bind/listen");
    return 1;
  }
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  int r = connect(c, (struct sockaddr *)&un, named);
  int a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
  printf("unix connect %d accept %d\n", r, a >= 0 ? 1 : 0);
  if (write(c, "abc", 3) != 3) return 1;
  int inq = -1, outq = -1;
  ioctl(a, FIONREAD, &inq);
  ioctl(c, TIOCOUTQ, &outq);
  printf("unix FIONREAD %d SIOCOUTQ %d\n", inq, outq);
  char buf[512];
  printf("unix read %zd\n", read(a, buf, sizeof buf));
  close(c);
  printf("after close read %zd\n", read(a, buf, sizeof buf));
  close(a);
  close(l);

  struct sockaddr_in in;
  memset(&in, 0, sizeof in);
  in.sin_family = AF_INET;
  in.sin_port = htons((unsigned short)port);
  if (bind(s, (struct sockaddr *)&in, sizeof in) != 0 || listen(s, 4) != 0) {
    perror("bind/listen");
    return 1;
  }
  int ep = epoll_create1(0);
  struct epoll_event e;
  e.events = EPOLLIN;
  e.data.fd = sv[0];
  epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &e);
  e.data.fd = s;
  epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
  struct epoll_event out[4];
  if (write(sv[1], "x", 1) != 1) return 1;
  int n = epoll_wait(ep, out, 4, 1000);
  printf("after pair write: %d ready, fd %d\n", n, out[0].data.fd);
  char ch;
  printf("pair read %zd\n", read(sv[0], &ch, 1));

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
      } else if (fd == sv[0]) {
        while (read(sv[0], &ch, 1) == 1) wakes++;
      } else if (fd == c_fd) {
        ssize_t k = read(c_fd, buf, sizeof buf);
        if (k <= 0) {
          done = 1;
          break;
        }
        if (write(c_fd, buf, (size_t)k) != k) done = 1;
        if (write(sv[1], "w", 1) != 1) done = 1; /* wake the loop */
      }
    }
    if (done) break;
  }
  printf("client done, %d wake-ups through the pair\n", wakes);
  close(c_fd);
  close(sv[1]);
  n = epoll_wait(ep, out, 4, 0);
  printf("pair closed: %d ready, read %zd\n", n, read(sv[0], &ch, 1));
  errno = 0;
  ssize_t sent = send(sv[0], "z", 1, MSG_NOSIGNAL);
  printf("write to closed pair %zd errno %d\n", sent, errno);
  close(sv[0]);
  close(ep);
  close(s);
  return 0;
}
