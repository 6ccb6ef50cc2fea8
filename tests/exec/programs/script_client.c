/* A scripted key-value client, plain C: the same binary runs on the real
 * kernel and under simsock exec, so that the replies of an unmodified
 * server (redis-server, memcached) can be compared between the two.
 *
 *   script_client [--after=MS] PROTOCOL HOST PORT REQUEST...
 *
 * PROTOCOL is `resp` (redis: each REQUEST is one command, its words
 * separated by spaces, sent as a RESP array) or `memcache` (each REQUEST
 * is one text-protocol line; `\n` in it separates the command line from a
 * data block, e.g. "set k 0 0 1\n5"). Each reply is printed on one line,
 * its CR and LF written as \r and \n. Connects once, retrying a refused or
 * unreachable connect for up to 50 attempts 100 ms apart (the server may
 * still be starting), then exits 0, or 1 with the error on stderr.
 * --after=MS sleeps that long first (a client that comes later). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char in[1 << 16];
static size_t in_len;

static int fill(int fd) {
  if (in_len == sizeof in) return -1;
  ssize_t n = read(fd, in + in_len, sizeof in - in_len);
  if (n <= 0) return -1;
  in_len += (size_t)n;
  return 0;
}

/* The end of the first line in in[from..], past its CRLF, or 0. */
static size_t line_end(size_t from) {
  for (size_t i = from; i + 1 < in_len; i++)
    if (in[i] == '\r' && in[i + 1] == '\n') return i + 2;
  return 0;
}

/* The length of one complete RESP value at in[from..], or 0 if more bytes
 * are needed. */
static size_t resp_value(size_t from) {
  size_t end = line_end(from);
  if (end == 0) return 0;
  long n = atol(in + from + 1);
  switch (in[from]) {
    case '$':
      if (n < 0) return end - from;
      return end + (size_t)n + 2 <= in_len ? end + (size_t)n + 2 - from : 0;
    case '*': {
      size_t at = end;
      for (long i = 0; i < n; i++) {
        size_t len = resp_value(at);
        if (len == 0) return 0;
        at += len;
      }
      return at - from;
    }
    default: /* + - : */
      return end - from;
  }
}

/* The length of one complete memcached reply, or 0. A reply ends with a
 * line that is not VALUE (whose data block follows). */
static size_t memcache_reply(void) {
  size_t at = 0;
  for (;;) {
    size_t end = line_end(at);
    if (end == 0) return 0;
    if (strncmp(in + at, "VALUE ", 6) != 0) return end;
    /* VALUE <key> <flags> <bytes>: the block and its CRLF follow. */
    const char *p = in + at + 6;
    int spaces = 0;
    while (p < in + end && spaces < 2)
      if (*p++ == ' ') spaces++;
    size_t bytes = (size_t)atol(p);
    if (end + bytes + 2 > in_len) return 0;
    at = end + bytes + 2;
  }
}

static void print_escaped(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '\r')
      fputs("\\r", stdout);
    else if (p[i] == '\n')
      fputs("\\n", stdout);
    else
      putchar(p[i]);
  }
  putchar('\n');
}

static int send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* The request as bytes on the wire, in out (size cap); its length or 0. */
static size_t encode(int resp, const char *request, char *out, size_t cap) {
  size_t len = 0;
  if (!resp) {
    for (const char *p = request; *p; p++) {
      if (len + 2 >= cap) return 0;
      if (*p == '\\' && p[1] == 'n') {
        out[len++] = '\r';
        out[len++] = '\n';
        p++;
      } else {
        out[len++] = *p;
      }
    }
    if (len + 2 >= cap) return 0;
    out[len++] = '\r';
    out[len++] = '\n';
    return len;
  }
  const char *words[64];
  size_t sizes[64];
  int count = 0;
  for (const char *p = request; *p && count < 64;) {
    while (*p == ' ') p++;
    if (!*p) break;
    words[count] = p;
    while (*p && *p != ' ') p++;
    sizes[count] = (size_t)(p - words[count]);
    count++;
  }
  int n = snprintf(out, cap, "*%d\r\n", count);
  if (n < 0 || (size_t)n >= cap) return 0;
  len = (size_t)n;
  for (int i = 0; i < count; i++) {
    n = snprintf(out + len, cap - len, "$%zu\r\n", sizes[i]);
    if (n < 0 || len + (size_t)n + sizes[i] + 2 >= cap) return 0;
    len += (size_t)n;
    memcpy(out + len, words[i], sizes[i]);
    len += sizes[i];
    out[len++] = '\r';
    out[len++] = '\n';
  }
  return len;
}

int main(int argc, char **argv) {
  if (argc > 1 && strncmp(argv[1], "--after=", 8) == 0) {
    long ms = atol(argv[1] + 8);
    struct timespec after = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&after, NULL);
    argv++;
    argc--;
  }
  if (argc < 4 || (strcmp(argv[1], "resp") && strcmp(argv[1], "memcache"))) {
    fprintf(stderr,
            "usage: script_client [--after=MS] resp|memcache HOST PORT "
            "REQUEST...\n");
    return 2;
  }
  const int resp = strcmp(argv[1], "resp") == 0;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)atoi(argv[3]));
  if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) {
    fprintf(stderr, "script_client: bad address %s\n", argv[2]);
    return 2;
  }
  int fd = -1;
  for (int attempt = 0; attempt < 50; attempt++) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) break;
    int e = errno;
    close(fd);
    fd = -1;
    if (e != ECONNREFUSED && e != ENETUNREACH && e != EHOSTUNREACH &&
        e != ETIMEDOUT) {
      errno = e;
      break;
    }
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  if (fd < 0) {
    perror("script_client: connect");
    return 1;
  }
  static char request[1 << 16];
  for (int i = 4; i < argc; i++) {
    size_t len = encode(resp, argv[i], request, sizeof request);
    if (len == 0 || send_all(fd, request, len) != 0) {
      perror("script_client: send");
      return 1;
    }
    size_t got;
    while ((got = resp ? resp_value(0) : memcache_reply()) == 0) {
      if (fill(fd) != 0) {
        fprintf(stderr, "script_client: the connection ended mid-reply\n");
        return 1;
      }
    }
    print_escaped(in, got);
    memmove(in, in + got, in_len - got);
    in_len -= got;
  }
  fflush(stdout);
  close(fd);
  return 0;
}
