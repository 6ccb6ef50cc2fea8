#include "simsock/sim/vfs/epoll.h"

#include <algorithm>
#include <cerrno>

namespace simsock::sim {
namespace {

// Flags that are not events (EP_PRIVATE_BITS).
constexpr uint32_t kPrivateBits =
    EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;

// What may accompany EPOLLEXCLUSIVE (EPOLLEXCLUSIVE_OK_BITS): no
// EPOLLONESHOT, EPOLLRDHUP or EPOLLPRI.
constexpr uint32_t kExclusiveOkBits = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP |
                                      EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

// Nested epolls deeper than this are refused (EP_MAX_NESTS).
constexpr int kMaxNests = 4;

}  // namespace

Epoll::~Epoll() { OnLastClose(); }

void Epoll::OnLastClose() {
  while (!items_.empty()) Remove(items_.begin()->first);
}

// ep_find: the item for this file under this fd number, if any.
Epoll::Item* Epoll::Find(int fd, const File* file) {
  auto it = index_.find({file, fd});
  if (it == index_.end()) return nullptr;
  return &items_.at(it->second);
}

// ep_insert / ep_modify: a ready item joins the ready list, and the
// epoll's own watchers are woken only when it was not on it already.
void Epoll::Enqueue(Item& item) {
  if (item.queued) return;
  item.queued = true;
  ready_.push_back(item.id);
  Notify(EPOLLIN);
}

// ep_poll_callback: the item joins the ready list if it is not on it, and
// the watchers of this epoll (an outer epoll, a blocked epoll_wait) are
// woken in either case, with key EPOLLIN (ep_poll_safewake), so an outer
// item that asked only for EPOLLRDNORM is not woken.
void Epoll::OnWake(uint64_t id, uint32_t key) {
  auto it = items_.find(id);
  if (it == items_.end()) return;
  Item& item = it->second;
  if ((item.events & ~kPrivateBits) == 0) return;  // disabled one-shot
  if (key != 0 && (key & item.events) == 0) return;
  if (!item.queued) {
    item.queued = true;
    ready_.push_back(item.id);
  }
  Notify(EPOLLIN);
}

void Epoll::Remove(uint64_t id) {
  auto it = items_.find(id);
  if (it == items_.end()) return;
  Item& item = it->second;
  if (auto f = item.file.lock()) {
    f->wait_queue().Remove(item.waiter_id);
    f->RemoveReleaseHook(item.hook_id);
    if (f->kind() == Kind::kEpoll) {
      auto& parents = static_cast<Epoll*>(f.get())->parents_;
      auto p = parents.find(this);
      if (p != parents.end() && --p->second == 0) parents.erase(p);
    }
  }
  if (item.queued) {
    for (auto r = ready_.begin(); r != ready_.end(); ++r) {
      if (*r == id) {
        ready_.erase(r);
        break;
      }
    }
  }
  index_.erase({item.raw, item.fd});
  items_.erase(it);
}

int Epoll::SubtreeDepth(const Epoll* inserting_into, int depth) const {
  int result = 0;
  for (const auto& [id, item] : items_) {
    auto f = item.file.lock();
    if (!f || f->kind() != Kind::kEpoll) continue;
    const auto* child = static_cast<const Epoll*>(f.get());
    if (child == inserting_into || depth > kMaxNests) {
      result = kMaxNests + 1;
    } else {
      result =
          std::max(result, child->SubtreeDepth(inserting_into, depth + 1) + 1);
    }
    if (result > kMaxNests) break;
  }
  return result;
}

int Epoll::UpwardDepth() const {
  int result = 0;
  for (const auto& [parent, count] : parents_)
    result = std::max(result, parent->UpwardDepth() + 1);
  return result;
}

// ep_loop_check: the links below `to`, plus the new one, plus the links
// above this epoll, may be at most EP_MAX_NESTS; reaching this epoll from
// `to` is a cycle.
bool Epoll::LoopCheckFails(const Epoll* to) const {
  int depth = to->SubtreeDepth(this, 0);
  if (depth > kMaxNests) return true;
  return depth + 1 + UpwardDepth() > kMaxNests;
}

// do_epoll_ctl, from the point where both fds are known.
int Epoll::Ctl(int op, int fd, const std::shared_ptr<File>& file,
               const epoll_event* ev) {
  if (file.get() == this) return -EINVAL;
  if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_DEL && op != EPOLL_CTL_MOD)
    return -EINVAL;
  if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
    if (op == EPOLL_CTL_MOD || file->kind() == Kind::kEpoll ||
        (ev->events & ~kExclusiveOkBits) != 0)
      return -EINVAL;
  }
  // The loop check comes before the lookup (ELOOP before EEXIST).
  if (op == EPOLL_CTL_ADD && file->kind() == Kind::kEpoll &&
      LoopCheckFails(static_cast<Epoll*>(file.get())))
    return -ELOOP;
  Item* item = Find(fd, file.get());
  switch (op) {
    case EPOLL_CTL_ADD: {
      if (item != nullptr) return -EEXIST;
      if (file->kind() == Kind::kEpoll)
        ++static_cast<Epoll*>(file.get())->parents_[this];
      const uint64_t id = ++next_id_;
      Item& it = items_[id];
      index_[{file.get(), fd}] = id;
      it.id = id;
      it.fd = fd;
      it.file = file;
      it.raw = file.get();
      it.events = ev->events | EPOLLERR | EPOLLHUP;
      it.data = ev->data.u64;
      std::weak_ptr<Epoll> self =
          std::static_pointer_cast<Epoll>(shared_from_this());
      it.waiter_id = file->wait_queue().Add([self, id](uint32_t key) {
        if (auto ep = self.lock()) ep->OnWake(id, key);
      });
      // The file's last close removes this item only (eventpoll_release
      // drops the file's items, not other files' items under the same
      // number).
      it.hook_id = file->AddReleaseHook([self, id]() {
        if (auto ep = self.lock()) ep->Remove(id);
      });
      if (file->Poll() & it.events) Enqueue(it);
      return 0;
    }
    case EPOLL_CTL_DEL:
      if (item == nullptr) return -ENOENT;
      Remove(item->id);
      return 0;
    case EPOLL_CTL_MOD:
      if (item == nullptr) return -ENOENT;
      // An exclusive registration cannot be modified, only deleted.
      if (item->events & EPOLLEXCLUSIVE) return -EINVAL;
      item->events = ev->events | EPOLLERR | EPOLLHUP;
      item->data = ev->data.u64;
      if (file->Poll() & item->events) Enqueue(*item);
      return 0;
  }
  return -EINVAL;
}

// The ready-list scan of __ep_eventpoll_poll: items that are no longer
// ready are dropped from the list until the first ready one is found (so a
// later wakeup puts them back at the tail).
bool Epoll::HasReady() {
  while (!ready_.empty()) {
    uint64_t id = ready_.front();
    auto it = items_.find(id);
    if (it != items_.end()) {
      Item& item = it->second;
      auto f = item.file.lock();
      if (f && (f->Poll() & item.events & ~kPrivateBits)) return true;
      item.queued = false;
    }
    ready_.pop_front();
  }
  return false;
}

// ep_send_events. The ready list is taken whole (a wakeup during the walk
// queues on ready_ anew), walked from its front, and what is left is put
// back behind such wakeups, then the level-triggered items to report
// again. The walk works in two scratch vectors kept by the epoll, so that
// a call allocates nothing once they have grown (each epoll_wait used to
// build and free three deques).
int Epoll::Collect(epoll_event* out, int maxevents) {
  // The scratch vectors are moved out for the walk and back at its end: a
  // Collect nested in a file's Poll (none does today) would find them
  // empty and grow its own.
  std::vector<uint64_t> pending = std::move(scratch_pending_);
  std::vector<uint64_t> requeue = std::move(scratch_requeue_);
  pending.assign(ready_.begin(), ready_.end());
  ready_.clear();
  requeue.clear();
  size_t next = 0;  // pending[next..] are not walked yet
  int n = 0;
  bool fault = false;
  while (next < pending.size() && n < maxevents) {
    uint64_t id = pending[next++];
    auto it = items_.find(id);
    if (it == items_.end()) continue;
    Item& item = it->second;
    item.queued = false;
    auto f = item.file.lock();
    uint32_t revents = f ? (f->Poll() & item.events & ~kPrivateBits) : 0;
    if (revents == 0) continue;
    if (out == nullptr) {
      // Copying out faults (on the first event, with nothing reported):
      // the item stays ready, the call fails.
      item.queued = true;
      --next;
      fault = true;
      break;
    }
    out[n].events = revents;
    out[n].data.u64 = item.data;
    ++n;
    if (item.events & EPOLLONESHOT) {
      item.events &= kPrivateBits;
    } else if (!(item.events & EPOLLET)) {
      item.queued = true;
      requeue.push_back(id);
    }
  }
  // Items not reached keep their place; level-triggered ones follow.
  for (size_t i = next; i < pending.size(); ++i) ready_.push_back(pending[i]);
  for (uint64_t id : requeue) ready_.push_back(id);
  scratch_pending_ = std::move(pending);
  scratch_requeue_ = std::move(requeue);
  return fault ? -EFAULT : n;
}

// ep_eventpoll_poll: readable while something on the ready list is ready.
uint32_t Epoll::Poll() { return HasReady() ? (EPOLLIN | EPOLLRDNORM) : 0; }

int Epoll::Wait(Waiter& waiter, epoll_event* out, int maxevents,
                Duration timeout, const char* call) {
  // What the call has made due now (loopback packets) is ready first.
  waiter.DrainImmediate();
  if (timeout != Duration::zero()) {
    const Time deadline = timeout < Duration::zero()
                              ? kNever
                              : DeadlineAfter(waiter.Now(), timeout);
    while (!HasReady()) {
      const Waiter::Result w = waiter.Wait(*this, deadline, call);
      if (w == Waiter::Result::kInterrupted) return -EINTR;
      if (w != Waiter::Result::kWoken) break;
    }
  }
  return Collect(out, maxevents);
}

}  // namespace simsock::sim
