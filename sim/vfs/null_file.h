/// \file
/// NullFile: a character device like /dev/null (drivers/char/mem.c), the
/// file behind a new simulated process's standard fds 0, 1 and 2, as a
/// daemon has them (open("/dev/null", O_RDWR) then dup2 onto 0, 1, 2: one
/// open file under three fds). Reads return 0 (end of file) and writes
/// succeed and discard. It is not a socket (socket calls are ENOTSOCK), has
/// no poll operation, so epoll refuses it (EPERM, file_can_poll), and poll
/// would report DEFAULT_POLLMASK. F_GETFL shows O_RDWR and O_LARGEFILE,
/// which open() adds on 64-bit kernels (force_o_largefile).
#pragma once

#include <fcntl.h>
#include <sys/epoll.h>

#include "simsock/sim/vfs/file.h"

namespace simsock::sim {

/// The null device behind fds 0, 1 and 2 (see the file comment).
class NullFile final : public File {
 public:
  /// O_LARGEFILE as the x86-64 kernel stores it in f_flags. glibc defines
  /// the userspace O_LARGEFILE as 0 on 64-bit targets, so spell it out.
  static constexpr int kKernelOLargefile = 0100000;

  Kind kind() const override { return Kind::kNull; }
  /// vfs_poll on a file without ->poll: DEFAULT_POLLMASK.
  uint32_t Poll() override {
    return EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM;
  }
  bool CanPoll() const override { return false; }
  int open_flags() const override { return O_RDWR | kKernelOLargefile; }
};

}  // namespace simsock::sim
