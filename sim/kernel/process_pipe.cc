// Process: pipe2 and eventfd2 (do_pipe2, do_eventfd), read and write on
// their files with the process's faults, and pipe_fcntl. The files' own
// rules are in sim/vfs/pipe.h and sim/vfs/eventfd.h; docs/semantics.md,
// "Pipes and eventfds".
#include <fcntl.h>

#include <cerrno>
#include <string>

#include "simsock/net/sys/names.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/sim/vfs/eventfd.h"
#include "simsock/sim/vfs/pipe.h"

namespace simsock::sim {
namespace {

// EFD_SEMAPHORE (sys/eventfd.h's value, without the header's other names).
constexpr int kEfdSemaphore = 1;

// How pipe2's array reads in the trace: "[3, 4]" once filled.
std::string FdPair(int64_t a, int64_t b) {
  return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
}
// ... and before (a failed call leaves it unwritten).
std::string FdPairUnset(int64_t, int64_t) { return "[?, ?]"; }

}  // namespace

// do_pipe2 / __do_pipe_flags: the flags (EINVAL), the two files, the two
// fds (EMFILE), then the copy of the fds out (EFAULT: both fds and files
// are released, nothing stays open).
int Process::pipe2(int fds[2], int flags) {
  TraceArgs args;
  return Syscall<int>("pipe2", args, [&](CallFiles&) {
    args = (fds == nullptr ? TraceArgs().Null()
                           : TraceArgs().With(&FdPairUnset, 0, 0))
               .Named<sys::PipeFlagsName>(flags);
    if (dead_) return -ESRCH;
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_EXCL)) return -EINVAL;
    // O_NOTIFICATION_PIPE (O_EXCL): a watch queue, which the simulator
    // does not have: answered as a kernel built without
    // CONFIG_WATCH_QUEUE.
    if (flags & O_EXCL) return -ENOPKG;
    auto [r, w] = PipeEnd::MakePipe();
    r->set_nonblocking(flags & O_NONBLOCK);
    w->set_nonblocking(flags & O_NONBLOCK);
    // O_DIRECT: a packet pipe (create_pipe_files gives it to the write
    // end only; reads follow the packets the write end made).
    w->set_extra_status_flags(flags & O_DIRECT);
    const bool cloexec = (flags & O_CLOEXEC) != 0;
    const int rfd = fds_.Install(r, cloexec);
    if (rfd < 0) return rfd;
    const int wfd = fds_.Install(w, cloexec);
    if (wfd < 0) {
      fds_.Close(rfd);
      return wfd;
    }
    if (fds == nullptr) {
      fds_.Close(rfd);
      fds_.Close(wfd);
      return -EFAULT;
    }
    fds[0] = rfd;
    fds[1] = wfd;
    args = TraceArgs().With(&FdPair, rfd, wfd).Named<sys::PipeFlagsName>(flags);
    return 0;
  });
}

// do_eventfd: the flags (EINVAL), then the fd (EMFILE).
int Process::eventfd2(unsigned int initval, int flags) {
  const TraceArgs args =
      TraceArgs().Int(initval).Named<sys::EventFdFlagsName>(flags);
  return Syscall<int>("eventfd2", args, [&](CallFiles&) {
    if (dead_) return -ESRCH;
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | kEfdSemaphore)) return -EINVAL;
    auto e = std::make_shared<EventFd>(initval, flags & kEfdSemaphore);
    e->set_nonblocking(flags & O_NONBLOCK);
    return fds_.Install(e, flags & O_CLOEXEC);
  });
}

ssize_t Process::FileRead(CallFiles& files, int fd, void* buf, size_t count) {
  std::shared_ptr<File> f = fds_.GetShared(fd);
  files.Hold(f);
  auto* bytes = static_cast<uint8_t*>(buf);
  if (f->kind() == File::Kind::kEventFd)
    return static_cast<EventFd&>(*f).Read(*this, bytes, count);
  auto& pipe = static_cast<PipeEnd&>(*f);
  // read or readv: the fault rules name the call in progress.
  const char* call = CallSlot() != nullptr ? CallSlot() : "read";
  // A short read: the pipe returns fewer bytes than it could (a signal
  // once some were copied). Asked of a read end only: a write end's read
  // is EBADF whatever the length.
  if (pipe.is_read_end() && count > 1)
    count = PipeShortFault(pipe, call, count, "read");
  return pipe.Read(*this, bytes, count);
}

ssize_t Process::FileWrite(CallFiles& files, int fd, const void* buf,
                           size_t count) {
  std::shared_ptr<File> f = fds_.GetShared(fd);
  files.Hold(f);
  const auto* bytes = static_cast<const uint8_t*>(buf);
  if (f->kind() == File::Kind::kEventFd)
    return static_cast<EventFd&>(*f).Write(*this, bytes, count);
  auto& pipe = static_cast<PipeEnd&>(*f);
  // write or writev: the fault rules name the call in progress.
  const char* call = CallSlot() != nullptr ? CallSlot() : "write";
  // A short write: only of more than PIPE_BUF bytes (the injector's rule),
  // which Linux may split; a smaller one stays atomic.
  if (!pipe.is_read_end()) count = PipeShortFault(pipe, call, count, "write");
  const ssize_t r = pipe.Write(*this, bytes, count);
  // pipe_write: no reader is EPIPE and SIGPIPE to the writer.
  if (r == -EPIPE) SendSignal(SIGPIPE, CurrentTid(), "EPIPE");
  return r;
}

size_t Process::PipeShortFault(const PipeEnd& pipe, const char* call,
                               size_t count, const char* what) {
  if (injector_.empty() || !injector_.MayHit(call)) return count;
  faults::CallSite site{call};
  site.asked_at = faults::AskedAt::kStart;
  site.pipe = true;
  site.len = count;
  site.blocking = !pipe.nonblocking();
  auto hit = injector_.Pick(site);
  if (!hit) return count;
  const size_t shorter = injector_.ShortLength(count);
  TraceFault(
      *hit, call,
      "at most " + std::to_string(shorter) + " of " + std::to_string(count) +
          " bytes",
      std::string("short ") + what + " of at most " + std::to_string(count));
  return shorter;
}

int Process::PipeFcntl(File& f, int cmd, long arg) {
  // pipe_fcntl: get_pipe_info finds no pipe behind any other file.
  if (f.kind() != File::Kind::kPipe) return -EBADF;
  auto& pipe = static_cast<PipeEnd&>(f);
  if (cmd == F_GETPIPE_SZ) return pipe.capacity();
  return pipe.SetCapacity(static_cast<unsigned int>(arg));
}

}  // namespace simsock::sim
