/// \file
/// Epoll: a simulated epoll instance (fs/eventpoll.c). Each registered
/// (file, fd) pair is an item that waits on its file's wait queue. Items are
/// keyed by both, as Linux's epitems are (epi->ffd, ep_find): after an fd is
/// closed while its file lives on through another fd, the old item stays,
/// and a new file that takes the same number is a separate item; epoll_ctl
/// resolves the number to the file it refers to now and acts only on that
/// file's item. A wakeup
/// whose key matches the item's events puts it on the ready list, in wakeup
/// order. epoll_wait walks the ready list, polls each file for its current
/// mask, reports what is set, and puts level-triggered items back at the
/// tail; edge-triggered items wait for the next wakeup; one-shot items are
/// disabled until EPOLL_CTL_MOD. EPOLLERR and EPOLLHUP are always watched.
/// Closing the last fd of a watched file removes it from every epoll.
//
// Nesting (an epoll watching another): the inner is readable (EPOLLIN |
// EPOLLRDNORM) while an item on its ready list is ready; polling it drops
// the not-ready items it meets before the first ready one (__ep_eventpoll_
// poll). Every wakeup an inner item takes wakes the inner's watchers with
// key EPOLLIN, even when the item was already on the ready list
// (ep_poll_callback -> ep_poll_safewake), so an edge-triggered outer
// reports again on each new event below it. ADD refuses a cycle and any
// chain of more than EP_MAX_NESTS (4) epoll-in-epoll links, counting the
// links below the target and above this epoll (ep_loop_check).
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "simsock/sim/base/time.h"
#include "simsock/sim/vfs/file.h"

namespace simsock::sim {

/// One epoll instance (see the file comment). Ctl is O(log n) in the items;
/// Collect O(k log n) for k ready items. Not thread-safe.
class Epoll final : public File {
 public:
  /// An epoll with no items (epoll_create1).
  Epoll() = default;
  /// Removes every item (as OnLastClose), unhooking it from its file.
  ~Epoll() override;

  Kind kind() const override { return Kind::kEpoll; }
  uint32_t Poll() override;
  void OnLastClose() override;

  /// epoll_ctl after the fds were resolved. `ev` is the copied-in event
  /// (null for DEL). Returns 0, or -EINVAL (file is this epoll, bad op, a
  /// bad EPOLLEXCLUSIVE use), -ELOOP (see LoopCheckFails), -EEXIST (ADD of
  /// an item already there), -ENOENT (MOD or DEL of no item). The caller
  /// has refused a file without a poll operation (EPERM, File::CanPoll).
  int Ctl(int op, int fd, const std::shared_ptr<File>& file,
          const epoll_event* ev);
  /// Collects up to maxevents ready events without waiting. With a null
  /// `out`, returns -EFAULT if any event is ready (and reports nothing).
  int Collect(epoll_event* out, int maxevents);
  /// True if Collect would report something now.
  bool HasReady();
  /// ep_poll: waits through `waiter` until something is ready or `timeout`
  /// passes (< 0: forever; 0: no wait), then collects. -EINTR if a signal
  /// ends the wait. `call` names the syscall for the trace.
  int Wait(Waiter& waiter, epoll_event* out, int maxevents, Duration timeout,
           const char* call);

  /// ep_loop_check: true if adding `to` into this epoll would close a
  /// cycle or make a chain longer than EP_MAX_NESTS (ELOOP).
  bool LoopCheckFails(const Epoll* to) const;

 private:
  struct Item {
    uint64_t id = 0;  // insertion number: the items' deterministic order
    int fd = -1;
    std::weak_ptr<File> file;
    const File* raw = nullptr;  // identity only, never dereferenced
    uint32_t events = 0;
    uint64_t data = 0;
    uint64_t waiter_id = 0;
    uint64_t hook_id = 0;
    bool queued = false;  // on the ready list
  };

  void OnWake(uint64_t id, uint32_t key);
  void Enqueue(Item& item);
  void Remove(uint64_t id);
  Item* Find(int fd, const File* file);
  // ep_loop_check_proc: the epoll-links below this one, or more than
  // kMaxNests when `inserting_into` is reachable or the walk goes too deep.
  int SubtreeDepth(const Epoll* inserting_into, int depth) const;
  // ep_get_upwards_depth_proc: the longest chain of epolls above this one.
  int UpwardDepth() const;

  // Items by insertion number, so that iteration never depends on pointer
  // values; `index_` finds one by (file, fd) (ep_find).
  std::map<uint64_t, Item> items_;
  std::map<std::pair<const File*, int>, uint64_t> index_;
  // Item ids in the order they became ready (the rdllist).
  std::deque<uint64_t> ready_;
  // Collect's scratch: the ready list being walked and the level-triggered
  // items to queue again, kept between calls to save their allocations.
  std::vector<uint64_t> scratch_pending_;
  std::vector<uint64_t> scratch_requeue_;
  uint64_t next_id_ = 0;
  // The epolls that have this one as an item, with how many items each
  // (Linux's file->f_ep list), for UpwardDepth.
  std::map<const Epoll*, int> parents_;
};

}  // namespace simsock::sim
