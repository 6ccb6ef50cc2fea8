// A user's test with simsock's testing library (docs/testing.md shows it):
// one check on both kernels through a backend, with the syscall matchers,
// and one assertion on a simulated world's trace events.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/testing.h"

namespace st = simsock::testing;
using st::SyscallFailsWithErrno;
using st::SyscallSucceeds;

// Nothing listens on a free port: connect() is refused, on Linux and in the
// simulator alike.
TEST(Consumer, ConnectToAFreePortIsRefusedOnBothKernels) {
  for (bool sim : {false, true}) {
    std::unique_ptr<st::Backend> backend;
    if (sim) {
      backend = std::make_unique<st::SimBackend>(/*seed=*/7);
    } else {
      backend = std::make_unique<st::LinuxBackend>();
    }
    SCOPED_TRACE(backend->Describe());
    simsock::sys::Syscalls& s = backend->sys();
    int fd = s.socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_THAT(fd, SyscallSucceeds());
    EXPECT_THAT(st::Connect(s, fd, "127.0.0.1", backend->FreePort()),
                SyscallFailsWithErrno(ECONNREFUSED));
    EXPECT_THAT(s.close(fd), SyscallSucceeds());
  }
}

// A client that closes its end sends a FIN: found among the trace's events,
// not in its text.
TEST(Consumer, ClosingAConnectionSendsAFin) {
  simsock::sim::World w(1);
  w.trace().KeepEvents(true);
  simsock::sim::Process& server = w.AddHost("a", "10.0.0.1").SpawnProcess();
  simsock::sim::Process& client = w.AddHost("b", "10.0.0.2").SpawnProcess();
  int l = server.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_THAT(st::Bind(server, l, "0.0.0.0", 80), SyscallSucceeds());
  ASSERT_THAT(server.listen(l, 8), SyscallSucceeds());
  int c = client.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT_THAT(st::Connect(client, c, "10.0.0.1", 80),
              SyscallFailsWithErrno(EINPROGRESS));
  w.RunFor(std::chrono::milliseconds(10));
  EXPECT_THAT(client.close(c), SyscallSucceeds());
  w.RunFor(std::chrono::milliseconds(10));
  EXPECT_THAT(w.trace().events(),
              ::testing::Contains(::testing::AllOf(
                  st::PacketFrom("b"), st::TcpFlags(simsock::sim::tcp::kFin))));
}
