// Differential scenarios: bad arguments — EFAULT for NULL buffers with a
// non-zero length, accept4 flags, recv MSG_OOB, shutdown how, non-socket
// fds. docs/semantics.md §2.6, §2.7 (and the errnos of §2).
#include <fcntl.h>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(BadInput_NullBuffersGiveEfault) {
  Conn c = Establish(s);
  s.WriteNull(c.client, 5);
  s.SendToNull(c.client, 5, nullptr);
  s.Write(c.client, "abc");
  s.Settle();
  s.ReadNull(c.server, 10);
  s.RecvNull(c.server, 10, 0);
  s.Read(c.server, 10);      // the data is still there
  s.WriteNull(c.client, 0);  // zero length: 0
  s.ReadNull(c.server, 0);   // zero length: 0
  auto [port, dst, srv] = BindUdp(s, "udp");
  int u = s.Udp();
  s.SendToNull(u, 5, &dst);
  s.SendTo(u, "dgram", 0, &dst);
  s.Settle();
  s.RecvNull(srv, 5, 0);
}

DIFF_SCENARIO(BadInput_Accept4FlagsRecvOobAndShutdownHow) {
  Conn c = Establish(s);
  s.Accept(c.listener, 0x1);  // EINVAL
  s.Accept(c.listener, O_APPEND);
  s.Write(c.client, "data");
  s.Settle();
  s.Recv(c.server, 8, MSG_OOB);  // EINVAL
  s.Shutdown(c.server, 3);
  s.Shutdown(c.server, 100);
  s.Read(c.server, 8);
}

DIFF_SCENARIO(BadInput_NonSocketFdGivesEnotsock) {
  int ep = s.EpollCreate();
  s.Bind(ep, Lo(0));
  s.Listen(ep, 1);
  s.Accept(ep);
  s.Connect(ep, Lo(1));
  s.Shutdown(ep, SHUT_RD);
  s.GetInt(ep, SOL_SOCKET, SO_TYPE);
  s.SetInt(ep, SOL_SOCKET, SO_REUSEADDR, 1);
  s.GetSockName(ep);
  s.GetPeerName(ep);
  s.Recv(ep, 8, 0);
  s.Send(ep, "x");
}

}  // namespace
}  // namespace simsock::diff
