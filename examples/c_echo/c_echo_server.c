/* A plain C echo server, the kind of program `simsock exec` runs unchanged
 * on a simulated host (docs/exec.md): socket, bind, listen, then an accept
 * loop serving one connection at a time with blocking reads and writes,
 * echoing every byte back. It prints what it does to stdout, one line per
 * event, so that a run's <host>.<n>.out shows it.
 *
 *   c_echo_server PORT [CONNECTIONS]
 *
 * CONNECTIONS > 0: exit(0) after serving that many (default: forever). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int serve(int conn) {
  char buf[4096];
  long total = 0;
  for (;;) {
    ssize_t n = read(conn, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      printf("read: %s\n", strerror(errno));
      return -1;
    }
    if (n == 0) break;
    printf("read %zd bytes: %.*s\n", n, (int)n, buf);
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(conn, buf + off, (size_t)(n - off));
      if (w < 0) {
        if (errno == EINTR) continue;
        printf("write: %s\n", strerror(errno));
        return -1;
      }
      off += w;
    }
    total += n;
  }
  printf("connection closed after %ld bytes\n", total);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT [CONNECTIONS]\n", argv[0]);
    return 2;
  }
  const int port = atoi(argv[1]);
  const long connections = argc > 2 ? atol(argv[2]) : 0;
  setvbuf(stdout, NULL, _IOLBF, 0);

  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0) {
    perror("socket");
    return 1;
  }
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons((unsigned short)port);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    perror("bind");
    return 1;
  }
  if (listen(lfd, 16) != 0) {
    perror("listen");
    return 1;
  }
  printf("listening on port %d (fd %d)\n", port, lfd);

  for (long served = 0; connections == 0 || served < connections;) {
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int conn = accept(lfd, (struct sockaddr *)&peer, &len);
    if (conn < 0) {
      if (errno == EINTR) continue;
      perror("accept");
      return 1;
    }
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
    printf("accepted %s:%d (fd %d)\n", ip, ntohs(peer.sin_port), conn);
    serve(conn);
    close(conn);
    ++served;
  }
  close(lfd);
  printf("served %ld connections, exiting\n", connections);
  return 0;
}
