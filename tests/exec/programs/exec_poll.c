/* poll, select and ppoll on simulated sockets under simsock exec
 * (exec_world_test's PollSelectOnSimulatedSockets): timeouts on a quiet
 * listener take exactly their virtual time, stdout (a real file) polled
 * beside the listener is answered by the shim, then one client's lines are
 * echoed with poll waiting for each. Prints what it saw on stdout. */
#define _GNU_SOURCE /* ppoll */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 7100;
  setvbuf(stdout, NULL, _IONBF, 0);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 4) != 0) {
    perror("bind/listen");
    return 1;
  }
  long long t0 = now_ns();
  struct pollfd p[2] = {{s, POLLIN, 0}, {-1, POLLIN, 0}};
  int n = poll(p, 2, 1500);
  printf("poll %d revents %d after %lld ns\n", n, p[0].revents, now_ns() - t0);

  /* stdout beside the listener: a file is always writable. */
  struct pollfd q[2] = {{s, POLLIN, 0}, {1, POLLOUT, 0}};
  t0 = now_ns();
  n = poll(q, 2, 5000);
  printf("poll with stdout %d revents %d %d after %lld ns\n", n, q[0].revents,
         q[1].revents, now_ns() - t0);

  fd_set r;
  FD_ZERO(&r);
  FD_SET(s, &r);
  struct timeval tv = {0, 250000};
  t0 = now_ns();
  n = select(s + 1, &r, NULL, NULL, &tv);
  printf("select %d set %d left %ld.%06ld after %lld ns\n", n, FD_ISSET(s, &r),
         (long)tv.tv_sec, (long)tv.tv_usec, now_ns() - t0);

  struct timespec ts = {0, 750000000};
  t0 = now_ns();
  n = ppoll(p, 1, &ts, NULL);
  printf("ppoll %d after %lld ns\n", n, now_ns() - t0);

  /* A client: poll (no timeout) for it, then for each of its lines. */
  p[0].events = POLLIN;
  n = poll(p, 1, -1);
  int c = accept(s, NULL, NULL);
  printf("accepted after poll %d revents %d\n", n, p[0].revents);
  char buf[512];
  for (int rounds = 0; rounds < 1000; rounds++) {
    struct pollfd cp = {c, POLLIN, 0};
    if (poll(&cp, 1, 10000) != 1) {
      printf("poll timed out\n");
      break;
    }
    ssize_t k = read(c, buf, sizeof buf);
    if (k <= 0) {
      printf("client closed (revents %d)\n", cp.revents);
      break;
    }
    fd_set w;
    FD_ZERO(&w);
    FD_SET(c, &w);
    if (select(c + 1, NULL, &w, NULL, NULL) != 1 || !FD_ISSET(c, &w)) {
      printf("select for writing failed\n");
      break;
    }
    if (write(c, buf, (size_t)k) != k) break;
    printf("echoed %zd bytes\n", k);
  }
  close(c);
  close(s);
  return 0;
}
