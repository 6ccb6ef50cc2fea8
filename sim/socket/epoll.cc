#include "sim/socket/epoll.h"

#include <cerrno>

namespace simsock::sim {
namespace {

// Flags that are not events (EP_PRIVATE_BITS).
constexpr uint32_t kPrivateBits =
    EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;

// What may accompany EPOLLEXCLUSIVE (EPOLLEXCLUSIVE_OK_BITS): no
// EPOLLONESHOT, EPOLLRDHUP or EPOLLPRI.
constexpr uint32_t kExclusiveOkBits = EPOLLIN | EPOLLOUT | EPOLLERR |
                                      EPOLLHUP | EPOLLWAKEUP | EPOLLET |
                                      EPOLLEXCLUSIVE;

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

void Epoll::Enqueue(Item& item) {
  if (item.queued) return;
  item.queued = true;
  ready_.push_back(item.id);
  Notify(EPOLLIN | EPOLLRDNORM);
}

void Epoll::OnWake(uint64_t id, uint32_t key) {
  auto it = items_.find(id);
  if (it == items_.end()) return;
  Item& item = it->second;
  if ((item.events & ~kPrivateBits) == 0) return;  // disabled one-shot
  if (key != 0 && (key & item.events) == 0) return;
  Enqueue(item);
}

void Epoll::Remove(uint64_t id) {
  auto it = items_.find(id);
  if (it == items_.end()) return;
  Item& item = it->second;
  if (auto f = item.file.lock()) {
    f->wait_queue().Remove(item.waiter_id);
    f->RemoveReleaseHook(item.hook_id);
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

bool Epoll::Reaches(const File* target, int depth) const {
  if (target == this) return true;
  if (depth > kMaxNests) return true;
  for (const auto& [id, item] : items_) {
    auto f = item.file.lock();
    if (f && f->kind() == Kind::kEpoll &&
        static_cast<const Epoll*>(f.get())->Reaches(target, depth + 1))
      return true;
  }
  return false;
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
  Item* item = Find(fd, file.get());
  switch (op) {
    case EPOLL_CTL_ADD: {
      if (item != nullptr) return -EEXIST;
      if (file->kind() == Kind::kEpoll &&
          static_cast<Epoll*>(file.get())->Reaches(this))
        return -ELOOP;
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

bool Epoll::HasReady() {
  for (uint64_t id : ready_) {
    auto it = items_.find(id);
    if (it == items_.end()) continue;
    auto f = it->second.file.lock();
    if (f && (f->Poll() & it->second.events & ~kPrivateBits)) return true;
  }
  return false;
}

// ep_send_events.
int Epoll::Collect(epoll_event* out, int maxevents) {
  std::deque<uint64_t> pending = std::move(ready_);
  ready_.clear();
  std::deque<uint64_t> requeue;
  int n = 0;
  while (!pending.empty() && n < maxevents) {
    uint64_t id = pending.front();
    pending.pop_front();
    auto it = items_.find(id);
    if (it == items_.end()) continue;
    Item& item = it->second;
    item.queued = false;
    auto f = item.file.lock();
    uint32_t revents = f ? (f->Poll() & item.events & ~kPrivateBits) : 0;
    if (revents == 0) continue;
    if (out == nullptr) {
      // Copying out faults: the item stays ready, the call fails.
      item.queued = true;
      pending.push_front(id);
      if (n == 0) {
        for (uint64_t r : pending) ready_.push_back(r);
        return -EFAULT;
      }
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
  for (uint64_t id : pending) ready_.push_back(id);
  for (uint64_t id : requeue) ready_.push_back(id);
  return n;
}

uint32_t Epoll::Poll() { return HasReady() ? (EPOLLIN | EPOLLRDNORM) : 0; }

}  // namespace simsock::sim
