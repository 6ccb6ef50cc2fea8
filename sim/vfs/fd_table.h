/// \file
/// FdTable: one process's file descriptors. Allocation hands out the lowest
/// free number (as Linux's alloc_fd) and refuses past the RLIMIT_NOFILE
/// limit (EMFILE). Each entry holds a reference to its open file and its own
/// FD_CLOEXEC flag.
#pragma once

#include <memory>
#include <vector>

#include "simsock/sim/vfs/file.h"

namespace simsock::sim {

/// One process's fd table: a vector indexed by fd. Install is amortised O(1)
/// (the search starts at the lowest possibly free fd); Get is O(1). Not
/// thread-safe.
class FdTable {
 public:
  /// An empty table refusing fds at or above limit (RLIMIT_NOFILE).
  explicit FdTable(int limit) : limit_(limit) {}

  /// Installs `file` at the lowest free fd; returns it, or -EMFILE.
  int Install(std::shared_ptr<File> file, bool cloexec);
  /// The same, at the lowest free fd >= min_fd (F_DUPFD); -EINVAL when
  /// min_fd is outside [0, limit), -EMFILE when nothing is free.
  int InstallFrom(int min_fd, std::shared_ptr<File> file, bool cloexec);
  /// Installs `file` at `fd`, which must be free, whatever the limit: the
  /// fds a process starts with (as inherited fds, they stay open even above
  /// a lower RLIMIT_NOFILE).
  void InstallAt(int fd, std::shared_ptr<File> file, bool cloexec);
  /// True if an fd could be installed now.
  bool HasRoom() const;
  /// The next Install or InstallFrom puts its file at exactly `fd` instead
  /// of the lowest free number (once; -1 cancels): how `simsock exec`
  /// gives a simulated fd the number the managed program reserved for it
  /// in its real fd table (exec/protocol.h, fd_hint). That install
  /// returns -EMFILE when fd is at or above the limit and -EBADF when fd
  /// is already open; every other install keeps Linux's lowest-free rule.
  /// `then` (>= 0) is the number the install after that one takes (the
  /// second fd of a pipe2).
  void InstallNextAt(int fd, int then = -1) {
    next_at_ = fd;
    then_at_ = then;
  }
  /// The fd InstallNextAt set and no install has used yet, or -1.
  int next_install_at() const { return next_at_; }
  /// The file at fd, or null.
  File* Get(int fd) const;
  /// The file at fd as a new reference, or null when fd is not open.
  std::shared_ptr<File> GetShared(int fd) const;
  /// Closes fd: removes it and drops its reference to the file (the last
  /// closes the file, File::DropFdRef; `closer` is close(2)'s Waiter, null
  /// when the fd goes without a call). False if fd was not open.
  bool Close(int fd, Waiter* closer = nullptr);
  /// Closes every fd, lowest first (a process's exit or death).
  void CloseAll();

  /// fd's FD_CLOEXEC; fd must be open.
  bool cloexec(int fd) const { return cloexec_[fd]; }
  /// Sets fd's FD_CLOEXEC; fd must be open.
  void set_cloexec(int fd, bool on) { cloexec_[fd] = on; }
  /// The RLIMIT_NOFILE in force.
  int limit() const { return limit_; }
  /// setrlimit(RLIMIT_NOFILE): applies to later allocations; open fds above it
  /// stay.
  void set_limit(int limit) { limit_ = limit; }
  /// The size of Linux's fd table (fdtable->max_fds), which select(2)
  /// cuts its nfds to: NR_OPEN_DEFAULT (64) at first, grown as
  /// alloc_fdtable grows it (the smallest power of two above the highest
  /// fd installed) and never shrunk.
  int max_fds() const { return max_fds_; }
  /// The number of open fds. O(number of fds).
  int open_count() const;
  /// Every open fd, lowest first.
  std::vector<int> OpenFds() const;

 private:
  // The lowest fd >= `fd` that is not open (may be entries_.size()).
  size_t LowestFreeFrom(size_t fd) const;
  // expand_files: the table grows to hold fd.
  void GrowFor(size_t fd);
  // entries_ and cloexec_ hold n fds (the new ones free).
  void Resize(size_t n);

  // Kept the same length: the open files by fd, and their FD_CLOEXEC
  // flags apart (a bit each rather than a bool padded to 8 bytes beside
  // every file pointer: a process holding 100,000 sockets has a table of
  // 131,072 entries).
  std::vector<std::shared_ptr<File>> entries_;
  std::vector<bool> cloexec_;
  // No fd below this one is free: where the search for the lowest free
  // fd starts (Linux's next_fd), so that a process with 100 000 sockets
  // does not walk them all for its next one.
  size_t next_fd_ = 0;
  int limit_;
  int next_at_ = -1;  // InstallNextAt's fd, or -1
  int then_at_ = -1;  // InstallNextAt's second fd, or -1
  int max_fds_ = 64;
};

}  // namespace simsock::sim
