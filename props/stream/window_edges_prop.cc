// Stream integrity across window edges (docs/props.md): one connection
// (loopback, or between two hosts with latency) with small receive and send
// buffers, so that the receive window closes and reopens many times. Random
// nonblocking writes, reads of random sizes and random waits; every read
// must return exactly the next bytes written, and after the writer shuts
// down, the reader gets every accepted byte and then EOF.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cerrno>
#include <chrono>
#include <ostream>
#include <vector>

#include "props/prop_util.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::props {
namespace {

struct StreamOp {
  enum Kind { kWrite, kRead, kAdvance } kind;
  int amount;  // bytes, or microseconds
};

[[maybe_unused]] void showValue(const StreamOp& op, std::ostream& os) {
  switch (op.kind) {
    case StreamOp::kWrite:
      os << "write " << op.amount;
      break;
    case StreamOp::kRead:
      os << "read " << op.amount;
      break;
    case StreamOp::kAdvance:
      os << "advance " << op.amount << "us";
      break;
  }
}

}  // namespace
}  // namespace simsock::props

namespace rc {
template <>
struct Arbitrary<simsock::props::StreamOp> {
  static Gen<simsock::props::StreamOp> arbitrary() {
    using simsock::props::StreamOp;
    return gen::oneOf(gen::construct<StreamOp>(gen::just(StreamOp::kWrite),
                                               gen::inRange(1, 20000)),
                      gen::construct<StreamOp>(gen::just(StreamOp::kRead),
                                               gen::inRange(1, 20000)),
                      gen::construct<StreamOp>(gen::just(StreamOp::kAdvance),
                                               gen::inRange(0, 50000)));
  }
};
}  // namespace rc

namespace simsock::props {
namespace {

RC_GTEST_PROP(ModelProp, StreamIntegrityAcrossWindowEdges,
              (const std::vector<StreamOp>& ops)) {
  uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  bool cross = *rc::gen::arbitrary<bool>();
  int rcvbuf = *rc::gen::inRange(1, 20000);  // doubled, floored at 2304
  int sndbuf = *rc::gen::inRange(1, 20000);  // doubled, floored at 4608
  RC_LOG() << ReplayHint(seed) << "; " << (cross ? "two hosts" : "loopback")
           << ", SO_RCVBUF " << rcvbuf << ", SO_SNDBUF " << sndbuf << "\n";
  sim::World world(seed);
  sim::Host& a = world.AddHost("a", "10.0.0.1");
  sim::Host& b = cross ? world.AddHost("b", "10.0.0.2") : a;
  if (cross) world.network().SetLatency(a, b, std::chrono::milliseconds(1));
  sim::Process& server = a.SpawnProcess();
  sim::Process& client = b.SpawnProcess();
  int l = server.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  RC_ASSERT(
      server.setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) == 0);
  RC_ASSERT(Bind(server, l, kAnyAddr, 7001) == 0);
  RC_ASSERT(server.listen(l, 4) == 0);
  int c = client.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  RC_ASSERT(
      client.setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) == 0);
  RC_ASSERT(Connect(client, c, cross ? HostIp(0) : kLoopback, 7001) ==
            -EINPROGRESS);
  world.RunFor(std::chrono::milliseconds(10));
  int s = server.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  RC_ASSERT(s >= 0);

  int64_t written = 0, read = 0;
  std::vector<char> buf;
  auto check_read = [&](const std::vector<char>& data, ssize_t r) {
    for (ssize_t i = 0; i < r; ++i) {
      if (data[i] != PatternByte(0, 0, read + i)) {
        RC_LOG() << "byte " << read + i << " is wrong (read of " << r
                 << " bytes at offset " << read << ", " << written
                 << " written)\n";
        RC_FAIL("bytes read are not a prefix of the bytes written");
      }
    }
    read += r;
  };
  for (const StreamOp& op : ops) {
    if (op.kind == StreamOp::kWrite) {
      buf.resize(op.amount);
      for (int i = 0; i < op.amount; ++i)
        buf[i] = PatternByte(0, 0, written + i);
      ssize_t r = client.write(c, buf.data(), buf.size());
      RC_ASSERT(r == -EAGAIN || (r > 0 && r <= op.amount));
      if (r > 0) written += r;
    } else if (op.kind == StreamOp::kRead) {
      buf.assign(op.amount, 0);
      ssize_t r = server.read(s, buf.data(), buf.size());
      RC_ASSERT(r == -EAGAIN || (r > 0 && r <= op.amount));
      if (r > 0) check_read(buf, r);
      RC_ASSERT(read <= written);
    } else {
      world.RunFor(std::chrono::microseconds(op.amount));
    }
  }
  RC_ASSERT(client.shutdown(c, SHUT_WR) == 0);
  buf.assign(65536, 0);
  ssize_t last = -EAGAIN;
  for (int round = 0; round < 2000 && last != 0; ++round) {
    last = server.read(s, buf.data(), buf.size());
    if (last > 0) {
      check_read(buf, last);
    } else if (last == -EAGAIN) {
      world.RunFor(std::chrono::milliseconds(5));
    } else {
      RC_ASSERT(last == 0);
    }
  }
  if (read != written) {
    RC_LOG() << "reader got " << read << " of " << written << " bytes before "
             << ResultStr(last) << "\n";
  }
  RC_ASSERT(last == 0);  // EOF only after every byte
  RC_ASSERT(read == written);
}

}  // namespace
}  // namespace simsock::props
