// Process's dup, dup2 and dup3 (simsock exec, issue 13): Linux's
// fs/file.c (ksys_dup, ksys_dup3, do_dup2), in its order of checks.
#include <fcntl.h>

#include <cerrno>

#include "simsock/sim/kernel/process.h"

namespace simsock::sim {

int Process::dup(int fd) {
  const TraceArgs args = TraceArgs().Int(fd);
  return Syscall<int>("dup", args, [&](CallFiles&) {
    std::shared_ptr<File> f = fds_.GetShared(fd);
    if (f == nullptr) return -EBADF;
    return fds_.Install(std::move(f), /*cloexec=*/false);
  });
}

int Process::DupTo(int oldfd, int newfd, bool cloexec) {
  // newfd is unsigned in Linux: a negative one is past any limit.
  if (newfd < 0 || newfd >= fds_.limit()) return -EBADF;
  std::shared_ptr<File> f = fds_.GetShared(oldfd);
  if (f == nullptr) return -EBADF;
  // do_dup2: the file newfd held is closed as close(2) would, without an
  // error of its own reaching the caller.
  if (fds_.Get(newfd) != nullptr) fds_.Close(newfd, this);
  fds_.InstallAt(newfd, std::move(f), cloexec);
  return newfd;
}

int Process::dup2(int oldfd, int newfd) {
  const TraceArgs args = TraceArgs().Int(oldfd).Int(newfd);
  return Syscall<int>("dup2", args, [&](CallFiles&) {
    // dup2(fd, fd) only checks that fd is open.
    if (oldfd == newfd) return fds_.Get(oldfd) != nullptr ? newfd : -EBADF;
    return DupTo(oldfd, newfd, /*cloexec=*/false);
  });
}

int Process::dup3(int oldfd, int newfd, int flags) {
  const TraceArgs args = TraceArgs().Int(oldfd).Int(newfd).Int(flags);
  return Syscall<int>("dup3", args, [&](CallFiles&) {
    if ((flags & ~O_CLOEXEC) != 0) return -EINVAL;
    if (oldfd == newfd) return -EINVAL;
    return DupTo(oldfd, newfd, (flags & O_CLOEXEC) != 0);
  });
}

}  // namespace simsock::sim
