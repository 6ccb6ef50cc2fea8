// Differential scenarios: pipe2(2) — pipe_read, pipe_write, pipe_poll,
// pipe_release and pipe_fcntl (sim/vfs/pipe.h; docs/semantics.md, "Pipes
// and eventfds"). The ends are nonblocking: nothing here may wait.
#include <fcntl.h>
#include <sys/epoll.h>

#include <string>

#include "simsock/testing/diff/harness.h"

namespace simsock::diff {
namespace {

constexpr uint32_t kInOut = EPOLLIN | EPOLLOUT;

// An epoll instance watching both ends (IN|OUT), so each wait shows the
// readiness of both.
int WatchBoth(Script& s, const int fds[2]) {
  const int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, fds[0], kInOut);
  s.EpollCtl(ep, EPOLL_CTL_ADD, fds[1], kInOut);
  return ep;
}

DIFF_SCENARIO(Pipe_RoundTripAndFlags) {
  int p[2];
  s.Pipe2(0, p);
  s.Fcntl(p[0], F_GETFL);  // O_RDONLY
  s.Fcntl(p[1], F_GETFL);  // O_WRONLY
  s.Fcntl(p[0], F_GETFD);
  s.Fcntl(p[1], F_GETPIPE_SZ);
  s.Write(p[1], "hello");
  s.Write(p[1], " world");
  s.Read(p[0], 3);
  s.Read(p[0], 100);  // what is there, across writes
  s.Write(p[1], "");  // a null write
  s.Read(p[0], 0);    // a null read
  s.Close(p[0]);
  s.Close(p[1]);
  int q[2];
  s.Pipe2(O_NONBLOCK | O_CLOEXEC, q);
  s.Fcntl(q[0], F_GETFL);
  s.Fcntl(q[1], F_GETFL);
  s.Fcntl(q[0], F_GETFD);
  s.Fcntl(q[1], F_GETFD);
  s.Fcntl(q[1], F_SETFL, 0);  // the ends' flags are their own
  s.Fcntl(q[0], F_GETFL);
  s.Fcntl(q[1], F_GETFL);
}

DIFF_SCENARIO(Pipe_BadFlagsAndCalls) {
  int p[2];
  s.Pipe2(0x1, p);  // an unknown flag
  s.Pipe2(O_NONBLOCK | O_ASYNC, p);
  s.Pipe2(O_NONBLOCK, p);
  s.Read(p[1], 4);  // the write end: EBADF
  s.Write(p[0], "x");
  s.Recv(p[0], 4, 0);  // not a socket
  s.Send(p[1], "x");
  s.GetInt(p[0], SOL_SOCKET, SO_TYPE);
  s.Shutdown(p[1], SHUT_WR);
  s.Fcntl(p[0], F_SETFL, O_NONBLOCK | O_DIRECT);  // packet mode, kept
  s.Fcntl(p[0], F_GETFL);
  const int t = s.Tcp();
  s.Fcntl(t, F_GETPIPE_SZ);  // not a pipe
  s.Fcntl(t, F_SETPIPE_SZ, 8192);
}

DIFF_SCENARIO(Pipe_NonblockingEmptyAndEof) {
  int p[2];
  s.Pipe2(O_NONBLOCK, p);
  const int ep = WatchBoth(s, p);
  s.EpollWait(ep);   // the write end only
  s.Read(p[0], 16);  // EAGAIN
  s.Write(p[1], "abc");
  s.EpollWait(ep);
  s.Close(p[1]);    // the writer goes: the rest, then the end
  s.EpollWait(ep);  // IN|HUP
  s.Read(p[0], 2);
  s.Read(p[0], 16);
  s.EpollWait(ep);   // HUP
  s.Read(p[0], 16);  // 0: no writer
  s.Read(p[0], 16);
}

DIFF_SCENARIO(Pipe_EpipeAfterTheReaderCloses) {
  int p[2];
  s.Pipe2(O_NONBLOCK, p);
  const int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, p[1], kInOut);
  s.Write(p[1], "unread");
  s.Close(p[0]);
  s.EpollWait(ep);     // OUT|ERR
  s.Write(p[1], "x");  // EPIPE (Linux also sends SIGPIPE; ignored here)
  s.Write(p[1], "");   // a null write still succeeds
  s.Fcntl(p[1], F_GETPIPE_SZ);
}

DIFF_SCENARIO(Pipe_AtomicWritesWhenNearlyFull) {
  int p[2];
  s.Pipe2(O_NONBLOCK, p);
  const int ep = WatchBoth(s, p);
  // 15 full pages and 100 bytes: one slot left, partly used.
  for (int i = 0; i < 15; ++i) s.WriteFill(p[1], 4096, 'a');
  s.WriteFill(p[1], 100, 'b');
  s.EpollWait(ep);
  s.WriteFill(p[1], 3996, 'c');  // fills the last page exactly
  s.EpollWait(ep);               // the write end not writable
  s.WriteFill(p[1], 1, 'd');     // EAGAIN
  s.WriteFill(p[1], 4096, 'd');  // EAGAIN: atomic
  s.Read(p[0], 10);
  s.WriteFill(p[1], 10, 'e');  // EAGAIN: the slots are still all used
  s.EpollWait(ep);
  s.ReadAll(p[0], 4096, 64);
  s.EpollWait(ep);
  // A large nonblocking write takes what fits: 16 pages.
  s.WriteFill(p[1], 100000, 'f');
  s.WriteFill(p[1], 5000, 'g');  // EAGAIN
  s.Read(p[0], 5000);            // frees one page (the second is partly read)
  s.WriteFill(p[1], 5000, 'h');  // one page: 4096
  s.WriteFill(p[1], 100, 'i');   // does not fit in the last page: EAGAIN
  s.ReadAll(p[0], 65536, 8);
  // Small writes share a page: 4096 one-byte writes fill one slot.
  int n = 0;
  for (int i = 0; i < 4096; ++i) n += s.sys().write(p[1], "z", 1) == 1;
  s.Check("4096 one-byte writes all taken", n == 4096);
  s.Fcntl(p[1], F_SETPIPE_SZ, 4096);  // one slot: just enough
  s.EpollWait(ep);                    // full
  s.WriteFill(p[1], 1, 'j');          // EAGAIN
  s.ReadAll(p[0], 65536, 8);
}

// O_DIRECT: each write is packets of at most a page; a read takes one
// packet and drops the rest of it.
DIFF_SCENARIO(Pipe_PacketMode) {
  int p[2];
  s.Pipe2(O_NONBLOCK | O_DIRECT, p);
  s.Fcntl(p[0], F_GETFL);
  s.Fcntl(p[1], F_GETFL);
  s.Write(p[1], "abc");
  s.Write(p[1], "defgh");
  s.Read(p[0], 2);               // "ab": "c" is dropped
  s.Read(p[0], 100);             // one packet only
  s.Read(p[0], 100);             // EAGAIN
  s.WriteFill(p[1], 5000, 'x');  // two packets
  s.Read(p[0], 10000);
  s.Read(p[0], 10000);
  s.Fcntl(p[1], F_SETFL, O_NONBLOCK);  // a byte stream again
  s.Write(p[1], "x");
  s.Write(p[1], "y");
  s.Read(p[0], 100);
  s.Write(p[1], "z");
  s.Fcntl(p[1], F_SETFL, O_NONBLOCK | O_DIRECT);
  s.Write(p[1], "packet");  // merges into the byte stream's last page
  s.Write(p[1], "next");
  s.Read(p[0], 3);
  s.Read(p[0], 100);
  s.Read(p[0], 100);
}

DIFF_SCENARIO(Pipe_SetSize) {
  int p[2];
  s.Pipe2(O_NONBLOCK, p);
  s.Fcntl(p[0], F_SETPIPE_SZ, 1);  // a page at least
  s.Fcntl(p[0], F_GETPIPE_SZ);
  s.Fcntl(p[1], F_SETPIPE_SZ, 12288);  // rounds up to 4 pages
  s.Fcntl(p[1], F_SETPIPE_SZ, 65537);
  s.Fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
  s.Fcntl(p[1], F_SETPIPE_SZ, (1L << 31) + 1);  // too large
  s.Fcntl(p[1], F_SETPIPE_SZ, 16384);
  s.WriteFill(p[1], 9000, 'a');       // three slots
  s.Fcntl(p[1], F_SETPIPE_SZ, 8192);  // EBUSY
  s.Fcntl(p[1], F_GETPIPE_SZ);
  s.WriteUntilEagain(p[1], 4096, 16);
  s.Fcntl(p[1], F_SETPIPE_SZ, 65536);  // room again
  s.WriteFill(p[1], 4096, 'b');
  s.ReadAll(p[0], 65536, 8);
}

DIFF_SCENARIO(Pipe_EpollEdgeTriggered) {
  int p[2];
  s.Pipe2(O_NONBLOCK, p);
  const int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET);
  s.EpollWait(ep);
  s.Write(p[1], "a");
  s.EpollWait(ep);
  s.EpollWait(ep);     // no new edge
  s.Write(p[1], "b");  // every write is an edge once the pipe is polled
  s.EpollWait(ep);
  s.Read(p[0], 1);
  s.EpollWait(ep);
  s.Close(p[1]);
  s.EpollWait(ep);  // the writer's close wakes: IN|HUP
  s.EpollWait(ep);
}

}  // namespace
}  // namespace simsock::diff
