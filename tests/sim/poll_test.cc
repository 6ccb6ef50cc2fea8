// poll, ppoll, select and pselect6 in the simulated kernel: a thread
// parked on several files wakes on the one that becomes ready, at the
// exact virtual time; timeouts are exact; select writes the exact time
// left back; the poll table's files outlive a close() in another thread
// until the call returns (get_file); eintr ends the wait; the fd table's
// size (select's nfds limit) grows as Linux's. docs/semantics.md, "poll
// and select".
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/select.h>

#include <cerrno>
#include <string>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/sockets.h"
#include "simsock/testing/trace_events.h"

namespace simsock::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Bind;
using testing::Connect;

// Two hosts 10 ms apart, a listener on the server and a connected pair.
struct Pair {
  World w{7};
  Host& sh = w.AddHost("server", "10.0.0.1");
  Host& ch = w.AddHost("client", "10.0.0.2");
  Process& server = sh.SpawnProcess();
  Process& client = ch.SpawnProcess();
  int listener = -1;
  int conn = -1;  // the server's accepted socket
  int sock = -1;  // the client's socket
  Pair() {
    w.network().SetLatency(sh, ch, milliseconds(10));
    listener = server.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    EXPECT_EQ(Bind(server, listener, "0.0.0.0", 80), 0);
    EXPECT_EQ(server.listen(listener, 4), 0);
    sock = client.socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(Connect(client, sock, "10.0.0.1", 80), 0);
    w.RunFor(milliseconds(50));
    conn = server.accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
    EXPECT_GE(conn, 0);
  }
};

TEST(SimPoll, ParkedPollWakesOnTheFileThatBecomesReady) {
  Pair t;
  const Time start = t.w.Now();
  int result = -100;
  Time returned_at{-1};
  pollfd fds[2] = {{t.listener, POLLIN, 0}, {t.conn, POLLIN, 0}};
  t.server.Spawn([&] {
    result = t.server.poll(fds, 2, -1);
    returned_at = t.w.Now();
  });
  t.client.Spawn([&] {
    t.client.nanosleep_ns(std::chrono::nanoseconds(seconds(1)).count());
    ASSERT_EQ(t.client.write(t.sock, "hi", 2), 2);
  });
  t.w.RunFor(seconds(5));
  EXPECT_EQ(result, 1);
  EXPECT_EQ(fds[0].revents, 0);
  EXPECT_EQ(fds[1].revents, POLLIN);
  // Written at 1 s after the start, 10 ms on the wire.
  EXPECT_EQ(returned_at, start + seconds(1) + milliseconds(10));
}

TEST(SimPoll, TimeoutsAreExactInVirtualTime) {
  Pair t;
  Time start{-1}, after_poll{-1}, after_ppoll{-1}, after_pselect{-1};
  int r1 = -100, r2 = -100, r3 = -100;
  t.server.Spawn([&] {
    start = t.w.Now();
    pollfd fd{t.conn, POLLIN, 0};
    r1 = t.server.poll(&fd, 1, 250);
    after_poll = t.w.Now();
    const timespec ts{0, 1500};
    r2 = t.server.ppoll(&fd, 1, &ts, nullptr);
    after_ppoll = t.w.Now();
    fd_set r;
    FD_ZERO(&r);
    FD_SET(t.conn, &r);
    const timespec two{2, 0};
    r3 = t.server.pselect6(t.conn + 1, &r, nullptr, nullptr, &two, nullptr);
    after_pselect = t.w.Now();
    EXPECT_FALSE(FD_ISSET(t.conn, &r));  // zeroed on timeout
  });
  t.w.RunFor(seconds(10));
  EXPECT_EQ(r1, 0);
  EXPECT_EQ(r2, 0);
  EXPECT_EQ(r3, 0);
  EXPECT_EQ(after_poll, start + milliseconds(250));
  EXPECT_EQ(after_ppoll, after_poll + std::chrono::nanoseconds(1500));
  EXPECT_EQ(after_pselect, after_ppoll + seconds(2));
}

TEST(SimPoll, SelectWritesTheExactTimeLeftBack) {
  Pair t;
  timeval tv{2, 0};
  timeval expired{0, 300};
  int r = -100, r_expired = -100;
  fd_set readable;
  t.server.Spawn([&] {
    FD_ZERO(&readable);
    FD_SET(t.conn, &readable);
    r = t.server.select(t.conn + 1, &readable, nullptr, nullptr, &tv);
    fd_set again;
    FD_ZERO(&again);
    FD_SET(t.listener, &again);
    r_expired =
        t.server.select(t.listener + 1, &again, nullptr, nullptr, &expired);
  });
  t.client.Spawn([&] {
    t.client.nanosleep_ns(std::chrono::nanoseconds(milliseconds(490)).count());
    ASSERT_EQ(t.client.write(t.sock, "x", 1), 1);
  });
  t.w.RunFor(seconds(10));
  EXPECT_EQ(r, 1);
  EXPECT_TRUE(FD_ISSET(t.conn, &readable));
  // Ready 500 ms in (490 ms + 10 ms on the wire).
  EXPECT_EQ(tv.tv_sec, 1);
  EXPECT_EQ(tv.tv_usec, 500000);
  EXPECT_EQ(r_expired, 0);
  EXPECT_EQ(expired.tv_sec, 0);
  EXPECT_EQ(expired.tv_usec, 0);
}

// close() in another thread while a poll waits on the socket: the poll
// table holds the file, so its last close (and the FIN) waits for the
// poll to end, as Linux's get_file in __pollwait.
TEST(SimPoll, PollTableHoldsItsFilesUntilTheCallReturns) {
  Pair t;
  const Time start = t.w.Now();
  int polled = -100;
  short revents = 0;
  Time eof_at{-1};
  t.server.Spawn([&] {
    pollfd fd{t.conn, POLLIN, 0};
    polled = t.server.poll(&fd, 1, 1000);
    revents = fd.revents;
  });
  t.server.Spawn([&] {
    t.server.nanosleep_ns(std::chrono::nanoseconds(milliseconds(100)).count());
    EXPECT_EQ(t.server.close(t.conn), 0);
  });
  t.client.Spawn([&] {
    char buf[4];
    EXPECT_EQ(t.client.read(t.sock, buf, sizeof buf), 0);
    eof_at = t.w.Now();
  });
  t.w.RunFor(seconds(5));
  // Nothing woke the poll; its last pass, at the timeout, finds the fd
  // closed: POLLNVAL (do_pollfd's fdget fails).
  EXPECT_EQ(polled, 1);
  EXPECT_EQ(revents, POLLNVAL);
  // The FIN leaves when the poll times out at 1 s; 10 ms on the wire.
  EXPECT_EQ(eof_at, start + seconds(1) + milliseconds(10));
}

TEST(SimPoll, EintrEndsTheWaitButNotAReadyCall) {
  World w(3);
  w.trace().KeepEvents(true);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  SyscallFaults f;
  f.eintr = 1;
  p.SetFaults(f);
  const int u = p.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(Bind(p, u, "127.0.0.1", 53), 0);
  pollfd in{u, POLLIN, 0x5a};
  EXPECT_EQ(p.poll(&in, 1, 1000), -EINTR);
  EXPECT_EQ(in.revents, 0);
  EXPECT_EQ(p.poll(&in, 1, 0), 0);  // no sleep, no signal
  pollfd out{u, POLLOUT, 0};
  EXPECT_EQ(p.poll(&out, 1, 1000), 1);  // ready: never sleeps
  fd_set r;
  FD_ZERO(&r);
  FD_SET(u, &r);
  timeval tv{3, 0};
  EXPECT_EQ(p.select(u + 1, &r, nullptr, nullptr, &tv), -EINTR);
  EXPECT_TRUE(FD_ISSET(u, &r));  // the sets are not written
  EXPECT_EQ(tv.tv_sec, 3);       // all of the time is left
  EXPECT_EQ(tv.tv_usec, 0);
  EXPECT_EQ(w.Now(), Time(0));
  EXPECT_EQ(testing::FindEvents(w.trace().events(),
                                testing::TextHas("fault: EINTR in poll"))
                .size(),
            1u);
}

TEST(SimPoll, SelectCutsNfdsToTheFdTableSize) {
  World w(5);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  EXPECT_EQ(p.fds().max_fds(), 64);
  // A bit for fd 70, not open, past the table's 64 fds: not looked at.
  uint64_t words[4] = {0, uint64_t{1} << 6, 0, 0};
  auto* set = reinterpret_cast<fd_set*>(words);
  timeval zero{0, 0};
  EXPECT_EQ(p.select(200, set, nullptr, nullptr, &zero), 0);
  EXPECT_EQ(words[1], uint64_t{1} << 6);  // past the table: not written
  int last = -1;
  for (int i = 0; i < 62; ++i) last = p.socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(last, 64);
  EXPECT_EQ(p.fds().max_fds(), 128);
  EXPECT_EQ(p.select(200, set, nullptr, nullptr, &zero), -EBADF);
  for (int fd = 3; fd <= 64; ++fd) p.close(fd);
  EXPECT_EQ(p.fds().max_fds(), 128);  // never shrinks
}

}  // namespace
}  // namespace simsock::sim
