// PollDesc: see poll_desc.h.
#include "simsock/net/runtime/poll_desc.h"

#include <sys/epoll.h>

#include "simsock/net/runtime/check.h"

namespace simsock::net::internal {

PollDesc::PollDesc(Runtime& rt, int fd) : rt_(&rt), fd_(fd) {
  read_.timer.fire = [this] {
    read_.deadline = -1;
    Wake(read_, false);
  };
  write_.timer.fire = [this] {
    write_.deadline = -1;
    Wake(write_, false);
  };
}

PollDesc::~PollDesc() {
  if (rt_ != nullptr) {
    rt_->StopTimer(&read_.timer);
    rt_->StopTimer(&write_.timer);
    if (registered_) rt_->Unregister(this);
  }
}

int PollDesc::Init() {
  SIMSOCK_NET_CHECK(rt_ != nullptr, "PollDesc::Init after its Runtime died");
  int r = rt_->Register(this);
  if (r == 0) registered_ = true;
  return r;
}

void PollDesc::Close() {
  if (rt_ == nullptr) return;
  rt_->StopTimer(&read_.timer);
  rt_->StopTimer(&write_.timer);
  if (registered_) rt_->Unregister(this);
  registered_ = false;
}

void PollDesc::Evict() {
  if (closing_) return;
  closing_ = true;
  Wake(read_, false);
  Wake(write_, false);
}

void PollDesc::Detach() {
  closing_ = true;
  registered_ = false;
  if (rt_ != nullptr) {
    rt_->StopTimer(&read_.timer);
    rt_->StopTimer(&write_.timer);
  }
  rt_ = nullptr;
}

int PollDesc::Check(const Side& side) const {
  if (closing_) return kErrClosing;
  if (side.deadline < 0) return kErrTimeout;
  return kOk;
}

int PollDesc::Wait(Side& side) {
  SIMSOCK_NET_CHECK(rt_ != nullptr && rt_->InTask(),
                    "a blocking net call outside a task of its Runtime");
  while (true) {
    if (int err = Check(side); err != kOk) return err;
    if (side.ready) {
      side.ready = false;
      return kOk;
    }
    Waiter w;
    w.task = rt_->CurrentTask();
    Link(side, w);
    // Unlinks the waiter if the task is unwound while parked.
    struct Guard {
      Side& side;
      Waiter& w;
      Runtime& rt;
      ~Guard() {
        rt.AddFdWaiter(-1);
        if (w.linked) Unlink(side, w);
      }
    } guard{side, w, *rt_};
    rt_->AddFdWaiter(1);
    while (w.linked) rt_->Park("IO wait", this);
    if (closing_) return kErrClosing;
    if (w.io) return kOk;
    // Woken by a deadline or eviction: re-check (a deadline may have been
    // extended again before this task ran, as Go's pollWait loop allows).
  }
}

void PollDesc::Link(Side& side, Waiter& w) {
  w.linked = true;
  w.prev = side.tail;
  w.next = nullptr;
  (side.tail != nullptr ? side.tail->next : side.head) = &w;
  side.tail = &w;
}

void PollDesc::Unlink(Side& side, Waiter& w) {
  (w.prev != nullptr ? w.prev->next : side.head) = w.next;
  (w.next != nullptr ? w.next->prev : side.tail) = w.prev;
  w.prev = w.next = nullptr;
  w.linked = false;
}

// Wakes every waiter, oldest first. Ready() only queues a task (none runs
// here), so the waiters stay alive while the list is walked.
void PollDesc::Wake(Side& side, bool io) {
  if (side.head == nullptr) {
    if (io) side.ready = true;
    return;
  }
  Waiter* w = side.head;
  side.head = side.tail = nullptr;
  while (w != nullptr) {
    Waiter* next = w->next;
    w->prev = w->next = nullptr;
    w->linked = false;
    w->io = w->io || io;
    rt_->Ready(w->task);
    w = next;
  }
}

void PollDesc::SetDeadline(Side& side, Time t) {
  if (rt_ == nullptr) return;
  rt_->StopTimer(&side.timer);
  if (t.IsZero()) {
    side.deadline = 0;
    return;
  }
  if (!rt_->Now().Before(t)) {
    side.deadline = -1;
    Wake(side, false);
    return;
  }
  side.deadline = t.Nanos();
  side.timer.when = t.Nanos();
  rt_->StartTimer(&side.timer);
}

void PollDesc::OnEvents(uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) Wake(read_, true);
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) Wake(write_, true);
}

}  // namespace simsock::net::internal
