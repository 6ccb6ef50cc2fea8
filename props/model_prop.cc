// Model-based properties of the simulated kernel (rapidcheck rc::state).
//
// A small reference model of TCP sockets at the syscall level predicts every
// result of a random command sequence run on a simulated world of 1-3 hosts
// with 1-2 processes each, and after every command the model and the
// simulator must agree on:
//   - each result (fd number, byte count, errno) and each byte read;
//   - the set of open fds of every process (so fds are the lowest free);
//   - the epoll readiness of every open socket (so readiness agrees with what
//     the next read, write or accept does: the model predicts both);
//   - MSG_PEEK shows exactly the unread bytes the model expects.
// Accept order is checked against the peer address each client had when it
// connected; the accept queue of listen(n) admits exactly n+1. At the end
// every fd is closed, 61 s pass (TIME_WAIT is 60 s) and every host must have
// no connection and no bound port left.
//
// The model (Linux semantics, docs/semantics.md; tcp_poll, tcp_recvmsg,
// tcp_sendmsg, tcp_reset, __inet_stream_connect are followed step by step):
//   Sock   one open file: a TCP socket in a phase (fresh, listening, SYN_SENT
//          stuck on a full accept queue, refused, or one end of a
//          connection) or an epoll set with its interest list.
//   Conn   a connection: two ends (FIN sent/received, SHUT_RD, closed,
//          pending error, when the kernel forgets it) and two byte streams
//          (bytes written, bytes consumed per direction).
//
// Where the model refuses to predict (kept small on purpose), the command is
// not generated (preconditions), and the comment at the check says so:
//   - time never passes 900 ms beyond a SYN dropped by a full accept queue
//     (the SYN retransmission at 1 s would need the RTO schedule);
//   - connect() only from unbound sockets; listen() after a connect() and
//     connect() after a listen() are EINVAL (sticky roles, §2.14);
//   - shutdown() only on connection ends; at most 8 KiB per direction, so
//     default buffers never fill (windows: StreamIntegrityAcrossWindowEdges,
//     props/stream/window_edges_prop.cc);
//   - traffic between hosts is settled inside the command that sends it
//     (50 ms of virtual time with 1 ms latency), so nothing is in flight when
//     the next command runs.
//
// Replay: every failure logs the simulator seed; RC_PARAMS="seed=N" replays
// the whole rapidcheck run.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <chrono>
#include <memory>
#include <string>

#include "props/model/connect_cmds.h"
#include "props/model/io_cmds.h"
#include "props/model/model.h"
#include "props/model/sut.h"

namespace simsock::props::model {
namespace {

// --- the property
// ----------------------------------------------------------------

struct Config {
  int hosts;
  int procs_per_host;
  uint64_t seed;
};

std::unique_ptr<Sut> MakeSut(const Config& cfg) {
  auto sut = std::make_unique<Sut>();
  sut->seed = cfg.seed;
  sut->world = std::make_unique<sim::World>(cfg.seed);
  for (int h = 0; h < cfg.hosts; ++h) {
    sut->hosts.push_back(
        &sut->world->AddHost("h" + std::to_string(h), HostIpStr(h)));
  }
  for (int a = 0; a < cfg.hosts; ++a) {
    for (int b = a + 1; b < cfg.hosts; ++b) {
      sut->world->network().SetLatency(*sut->hosts[a], *sut->hosts[b],
                                       std::chrono::nanoseconds(kLatency));
    }
  }
  for (int h = 0; h < cfg.hosts; ++h) {
    for (int i = 0; i < cfg.procs_per_host; ++i) {
      sut->procs.push_back(&sut->hosts[h]->SpawnProcess());
    }
  }
  return sut;
}

// Closes every fd, lets TIME_WAIT pass, and checks that nothing is left.
void CheckNoLeaks(Sut& sut) {
  for (sim::Process* p : sut.procs) {
    for (int fd : p->fds().OpenFds()) RC_ASSERT(p->close(fd) == 0);
  }
  sut.world->RunFor(std::chrono::seconds(61));
  for (sim::Host* h : sut.hosts) {
    if (h->connection_count() != 0 || h->tcp_ports().size() != 0 ||
        h->udp_ports().size() != 0) {
      RC_LOG() << "host " << h->name() << " leaks: connections "
               << h->connection_count() << ", tcp ports "
               << h->tcp_ports().size() << ", udp ports "
               << h->udp_ports().size() << "\n";
    }
    RC_ASSERT(h->connection_count() == 0u);
    RC_ASSERT(h->tcp_ports().size() == 0u);
    RC_ASSERT(h->udp_ports().size() == 0u);
  }
}

RC_GTEST_PROP(ModelProp, SimKernelAgreesWithModel, ()) {
  Config cfg;
  cfg.hosts = *rc::gen::inRange(1, 4);
  cfg.procs_per_host = *rc::gen::inRange(1, 3);
  cfg.seed = *rc::gen::arbitrary<uint64_t>();
  RC_LOG() << ReplayHint(cfg.seed) << "; hosts " << cfg.hosts
           << ", processes per host " << cfg.procs_per_host << "\n";
  Model initial;
  initial.hosts = cfg.hosts;
  initial.procs_per_host = cfg.procs_per_host;
  initial.fds.resize(cfg.hosts * cfg.procs_per_host);
  auto sut = MakeSut(cfg);
  rc::state::check(
      initial, *sut,
      rc::state::gen::execOneOfWithArgs<
          SocketCmd, BindCmd, ListenCmd, ServeCmd, ConnectCmd, DialCmd, DialCmd,
          AcceptCmd, AcceptCmd, WriteCmd, WriteCmd, ReadCmd, ReadCmd,
          ShutdownCmd, CloseCmd, CloseCmd, EpollCreateCmd, EpollCtlCmd,
          EpollWaitCmd, AdvanceCmd>());
  RC_TAG(sut->steps < 10   ? "<10 steps"
         : sut->steps < 40 ? "10-39 steps"
                           : ">=40 steps");
  RC_TAG(sut->client_addr.size() == 0  ? "no connection"
         : sut->client_addr.size() < 4 ? "1-3 connections"
                                       : ">=4 connections");
  CheckNoLeaks(*sut);
}

}  // namespace
}  // namespace simsock::props::model
