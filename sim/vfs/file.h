/// \file
/// File: an open file description of the simulated kernel (a socket, an
/// epoll instance, the null device behind a process's standard fds, a pipe
/// end or an eventfd). Several fds may refer to one File; it holds the
/// status flags (O_NONBLOCK) that they share, its wait queue, and a count of
/// fd references so that "the last close" can be told apart from other
/// owners (the host keeps TCP sockets alive after their last fd closes).
#pragma once

#include <fcntl.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "simsock/sim/vfs/wait_queue.h"
#include "simsock/sim/vfs/waiter.h"

namespace simsock::sim {

/// An open file description: what an fd points to. Shared (std::shared_ptr) by
/// the fd tables, the syscalls in progress and, for TCP, the host; not
/// thread-safe (one world runs on one thread).
class File : public std::enable_shared_from_this<File> {
 public:
  /// What the file is.
  enum class Kind {
    kTcp,    ///< a TCP socket (TcpSocket)
    kUdp,    ///< a UDP socket (UdpSocket)
    kEpoll,  ///< an epoll instance (Epoll)
    kNull,   ///< the null device (NullFile)
    // pipes and eventfds
    kPipe,     ///< one end of a pipe (PipeEnd)
    kEventFd,  ///< an eventfd (EventFd)
    // AF_UNIX sockets
    kUnix  ///< an AF_UNIX stream socket (UnixSocket)
  };

  virtual ~File() = default;
  /// What the file is.
  virtual Kind kind() const = 0;
  /// A TCP or UDP socket (a sim::Socket; AF_UNIX sockets are kUnix).
  bool IsSocket() const { return kind() == Kind::kTcp || kind() == Kind::kUdp; }

  /// The readiness mask poll(2) would report now (EPOLLIN | EPOLLOUT | ...).
  virtual uint32_t Poll() = 0;
  /// Whether the file has a poll operation (file_can_poll); epoll_ctl
  /// refuses one that has not with EPERM.
  virtual bool CanPoll() const { return true; }
  /// The f_flags that F_SETFL never changes: the access mode and, for files
  /// opened by path, O_LARGEFILE. Sockets and epolls are O_RDWR.
  virtual int open_flags() const { return O_RDWR; }
  /// Called when the last fd referring to this file is closed.
  virtual void OnLastClose() {}
  /// close(2)'s wait after the last close, with the closing call's Waiter
  /// (SO_LINGER's sk_stream_wait_close for TCP); nothing for other files.
  virtual void WaitAfterLastClose(Waiter& /*closer*/) {}

  /// The queue of those waiting on the file: blocked calls, epoll items.
  WaitQueue& wait_queue() { return wait_queue_; }
  /// O_NONBLOCK is set (shared by every fd of the file).
  bool nonblocking() const { return nonblocking_; }
  /// Sets or clears O_NONBLOCK (F_SETFL, SOCK_NONBLOCK, FIONBIO).
  void set_nonblocking(bool on) { nonblocking_ = on; }
  /// O_APPEND and the like: stored per open file, shown by F_GETFL, no
  /// effect on a socket.
  int extra_status_flags() const { return extra_status_flags_; }
  /// Stores the other F_SETFL flags.
  void set_extra_status_flags(int flags) { extra_status_flags_ = flags; }

  /// Hooks run when the last fd is closed, before OnLastClose (epoll uses
  /// them to drop the file from its interest lists, as eventpoll_release).
  uint64_t AddReleaseHook(std::function<void()> fn) {
    if (release_hooks_ == nullptr)
      release_hooks_ = std::make_unique<ReleaseHooks>();
    const uint64_t id = ++release_hooks_->last_id;
    release_hooks_->hooks.emplace(id, std::move(fn));
    return id;
  }
  /// Removes the hook AddReleaseHook returned id for; an unknown id does
  /// nothing.
  void RemoveReleaseHook(uint64_t id) {
    if (release_hooks_ != nullptr) release_hooks_->hooks.erase(id);
  }

  /// References held by fds and calls in progress.
  int fd_refs() const { return fd_refs_; }
  /// Takes one more fd reference (an fd installed, dup, a call's fdget).
  void AddFdRef() { ++fd_refs_; }
  /// Drops one fd reference: a closed fd, the end of a syscall's own
  /// reference (fdget), a process's exit. The last one closes the file, in
  /// __fput's order: the release hooks (eventpoll_release), then the
  /// file's release (OnLastClose), then, for close(2) itself (`closer`
  /// given: the closing call may wait), WaitAfterLastClose.
  void DropFdRef(Waiter* closer = nullptr) {
    if (--fd_refs_ != 0) return;
    if (release_hooks_ != nullptr) {
      auto hooks = std::move(release_hooks_->hooks);
      release_hooks_->hooks.clear();
      for (auto& [id, fn] : hooks) fn();
    }
    OnLastClose();
    if (closer != nullptr) WaitAfterLastClose(*closer);
  }

 protected:
  /// Wakes the waiters with a readiness key (0 = any change).
  void Notify(uint32_t key) { wait_queue_.Wake(key); }

 private:
  WaitQueue wait_queue_;
  // Only a file in an epoll set has release hooks: they live in a block
  // allocated by the first AddReleaseHook, so that every other file (an
  // idle connection's socket) carries one pointer for them.
  struct ReleaseHooks {
    std::map<uint64_t, std::function<void()>> hooks;
    uint64_t last_id = 0;  // ids are never reused
  };
  std::unique_ptr<ReleaseHooks> release_hooks_;
  bool nonblocking_ = false;
  int extra_status_flags_ = 0;
  int fd_refs_ = 0;
};

}  // namespace simsock::sim
