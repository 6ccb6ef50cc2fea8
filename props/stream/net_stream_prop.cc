// Net-layer stream integrity on both backends (docs/props.md): random write
// and read sizes through TCPConn, without and (in the simulator) with
// syscall faults. Each property runs on the real kernel over 127.0.0.1 and
// in a simulated world whose seed is drawn by rapidcheck.
//
// Replay: RC_PARAMS="seed=<rapidcheck seed>" (the simulator's seed is part
// of the shrunk counterexample).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "props/net_prop_util.h"
#include "simsock/net/net.h"

namespace simsock::net {
namespace {

using prop::MakeBackend;
using prop::MakePair;
using prop::Pair;
using prop::PatternByte;
using prop::RunOn;
using prop::SimBackend;

// --- Stream integrity
// ----------------------------------------------------------

// Sizes that sit on buffer and page edges as often as anywhere else.
rc::Gen<size_t> EdgySize(size_t max) {
  return rc::gen::oneOf(
      rc::gen::inRange<size_t>(1, max + 1),
      rc::gen::element<size_t>(1, 2, 255, 256, 257, 1023, 1024, 1025, 4095,
                               4096, 4097, 8191, 8192, 8193));
}

// With syscall_faults (simulator only), short reads and writes and EINTR
// in the runtime's epoll wait are injected: the net layer must hide them.
void StreamIntegrity(bool sim, bool syscall_faults = false) {
  const auto seed = *rc::gen::inRange<uint64_t>(1, 1'000'000);
  const auto writes = *rc::gen::container<std::vector<size_t>>(
      *rc::gen::inRange<size_t>(0, 12), EdgySize(20000));
  const auto reads = *rc::gen::nonEmpty(
      rc::gen::container<std::vector<size_t>>(EdgySize(9000)));
  size_t total = 0;
  for (size_t w : writes) total += w;
  auto backend = MakeBackend(sim, seed);
  if (syscall_faults) {
    sim::SyscallFaults f;
    f.short_io = *rc::gen::inRange(0, 90) / 100.0;
    f.eintr = *rc::gen::inRange(0, 50) / 100.0;
    static_cast<SimBackend&>(*backend).process().SetFaults(f);
  }
  std::vector<uint8_t> got;
  bool eof = false;
  bool write_ok = true;
  std::string failure;
  bool finished = RunOn(*backend, 20 * kSecond, [&](Runtime& rt) {
    Pair p = MakePair(rt);
    if (!p.ok) {
      failure = "could not connect";
      return;
    }
    WaitGroup wg(rt);
    wg.Add(1);
    rt.Go([&] {
      size_t off = 0;
      for (size_t w : writes) {
        std::vector<uint8_t> chunk(w);
        for (size_t i = 0; i < w; ++i) chunk[i] = PatternByte(off + i);
        off += w;
        if (!p.client.Write(chunk.data(), chunk.size()).ok()) write_ok = false;
      }
      (void)p.client.CloseWrite();
      wg.Done();
    });
    std::vector<uint8_t> buf(9000);
    for (size_t i = 0; got.size() <= total && i < 100000; ++i) {
      size_t want = reads[i % reads.size()];
      auto n = p.server.Read(buf.data(), want);
      if (!n.ok()) {
        eof = n.error().IsEOF();
        if (!eof) failure = n.error().ToString();
        break;
      }
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(*n));
    }
    wg.Wait();
    (void)p.client.Close();
    (void)p.server.Close();
    (void)p.listener.Close();
  });
  RC_ASSERT(finished);
  RC_ASSERT(failure.empty());
  RC_ASSERT(write_ok);
  RC_ASSERT(eof);
  RC_ASSERT(got.size() == total);
  for (size_t i = 0; i < got.size(); ++i) RC_ASSERT(got[i] == PatternByte(i));
}

RC_GTEST_PROP(NetProp, StreamIntegrity_Sim, ()) { StreamIntegrity(true); }
RC_GTEST_PROP(NetProp, StreamIntegrity_Linux, ()) { StreamIntegrity(false); }
RC_GTEST_PROP(NetProp, StreamIntegrityUnderSyscallFaults_Sim, ()) {
  StreamIntegrity(true, /*syscall_faults=*/true);
}

}  // namespace
}  // namespace simsock::net
