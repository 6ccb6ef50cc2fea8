// Differential scenarios: TCP_CONGESTION's lengths and names
// (do_tcp_setsockopt: optlen 0 is EINVAL, at most TCP_CA_NAME_MAX - 1 = 15
// bytes are read, a NUL ends the name early; do_tcp_getsockopt copies
// min(optlen, TCP_CA_NAME_MAX) bytes of the NUL-padded name and writes that
// length back), switching on a live connection, and TCP_INFO's
// tcpi_snd_cwnd / tcpi_snd_ssthresh where Linux fixes them: a socket that
// never connected (tcp_init_sock: 10 and "infinite") and both ends of a
// loopback connection before any data (TCP_INIT_CWND). Only names every
// kernel has are used ("reno", "cubic"); "nosuch" is refused everywhere.
// The default algorithm is the machine's (net.ipv4.tcp_congestion_control:
// the recording machine's is bbr), so every socket here chooses one before
// its name is read.
// docs/semantics.md, congestion control.
#include <netinet/tcp.h>

#include <cstring>
#include <string>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

// setsockopt(TCP_CONGESTION) with `len` bytes of `name` (which may hold
// NULs or run past its text).
void SetCc(Script& s, int fd, const char* name, socklen_t len,
           const std::string& label) {
  int r = s.sys().setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, len);
  s.Line("setsockopt(" + s.Fd(fd) + ", TCP_CONGESTION, " + label + ", len " +
         std::to_string(len) + ") = " + s.Result(r));
}

// getsockopt(TCP_CONGESTION) with room for `len` bytes: the result, the
// length written back, and the bytes (NULs as \0, the untouched rest of
// the buffer as '#').
void GetCc(Script& s, int fd, socklen_t len) {
  char buf[40];
  std::memset(buf, '#', sizeof buf);
  socklen_t got = len;
  int r = s.sys().getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, buf, &got);
  std::string bytes;
  for (size_t i = 0; i < 20; ++i) {
    if (buf[i] == '\0') {
      bytes += "\\0";
    } else {
      bytes += buf[i];
    }
  }
  s.Line("getsockopt(" + s.Fd(fd) + ", TCP_CONGESTION, len " +
         std::to_string(static_cast<int>(len)) + ") = " + s.Result(r) +
         " len " + std::to_string(static_cast<int>(got)) + " [" + bytes + "]");
}

void CwndLine(Script& s, int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  int r = s.sys().getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len);
  s.Line("tcp_info(" + s.Fd(fd) + ") = " + s.Result(r) + " snd_cwnd " +
         std::to_string(info.tcpi_snd_cwnd) + " snd_ssthresh " +
         std::to_string(info.tcpi_snd_ssthresh));
}

DIFF_SCENARIO(Congestion_SetLengthsAndNames) {
  int t = s.Tcp();
  SetCc(s, t, "cubic", 5, "cubic");
  SetCc(s, t, "reno", 0, "reno");  // EINVAL
  GetCc(s, t, 16);
  SetCc(s, t, "reno", 4, "reno");
  GetCc(s, t, 16);
  SetCc(s, t, "cubicXYZ", 5, "cubicXYZ");  // only 5 bytes read: cubic
  GetCc(s, t, 16);
  SetCc(s, t, "reno\0junk", 9, "reno\\0junk");  // the NUL ends it
  GetCc(s, t, 16);
  SetCc(s, t, "cubic\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20,
        "cubic + 15 NULs");  // 15 bytes read
  GetCc(s, t, 16);
  SetCc(s, t, "renorenorenorenoreno", 20, "renoreno...");  // 15: unknown
  SetCc(s, t, "Reno", 4, "Reno");                          // case matters
  SetCc(s, t, "nosuch", 6, "nosuch");
  SetCc(s, t, "", 1, "empty");
  GetCc(s, t, 16);  // still cubic
}

DIFF_SCENARIO(Congestion_GetCopiesAtMostTheNameMax) {
  int t = s.Tcp();
  SetCc(s, t, "cubic", 5, "cubic");
  GetCc(s, t, 0);
  GetCc(s, t, 3);
  GetCc(s, t, 5);
  GetCc(s, t, 6);
  GetCc(s, t, 16);
  GetCc(s, t, 40);
  GetCc(s, t, static_cast<socklen_t>(-1));  // EINVAL
  SetCc(s, t, "reno", 4, "reno");
  GetCc(s, t, 40);
}

DIFF_SCENARIO(Congestion_LiveConnectionSwitchesAndStartsAtTenSegments) {
  int fresh = s.Tcp();
  CwndLine(s, fresh);
  // Establish, with cubic chosen on the listener (the accepted socket
  // inherits it) and on the client.
  Conn c;
  c.port = s.Port("server");
  c.listener = s.Tcp();
  SetCc(s, c.listener, "cubic", 5, "cubic");
  s.Bind(c.listener, Lo(c.port));
  s.Listen(c.listener, 8);
  c.client = s.Tcp();
  SetCc(s, c.client, "cubic", 5, "cubic");
  s.Connect(c.client, Lo(c.port));
  s.Settle();
  s.NameLocalPort(c.client, "client");
  c.server = s.Accept(c.listener);
  CwndLine(s, c.client);
  CwndLine(s, c.server);
  GetCc(s, c.client, 16);
  SetCc(s, c.client, "reno", 4, "reno");
  GetCc(s, c.client, 16);
  GetCc(s, c.server, 16);
  CwndLine(s, c.client);  // the window carries over
  SetCc(s, c.server, "nosuch", 6, "nosuch");
  GetCc(s, c.server, 16);
}

}  // namespace
}  // namespace simsock::diff
