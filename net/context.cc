// context: see context.h. Go's context.go: cancelCtx (done channel, err,
// children, propagateCancel), timerCtx (a deadline timer on the Runtime's
// heap), valueCtx, AfterFunc.
#include "simsock/net/context.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "simsock/net/runtime/check.h"
#include "simsock/net/runtime/timer_heap.h"

namespace simsock::net::context {
namespace internal {

struct Node : std::enable_shared_from_this<Node> {
  enum class Kind { kRoot, kCancel, kValue };

  Node(Runtime& r, Kind k, std::shared_ptr<Node> p)
      : rt(&r), kind(k), parent(std::move(p)) {
    if (parent) deadline = parent->deadline;
  }

  // The node that decides this one's Done and Err: itself if cancelable,
  // else the nearest cancelable ancestor; null under a bare root (never
  // done). Go's parentCancelCtx.
  Node* Canceler() {
    for (Node* n = this; n != nullptr; n = n->parent.get()) {
      if (n->kind == Kind::kCancel) return n;
    }
    return nullptr;
  }
  Node* Root() {
    Node* n = this;
    while (n->parent) n = n->parent.get();
    return n;
  }

  // Go's cancelCtx.cancel.
  void Cancel(bool remove_from_parent, const Error& e,
              std::optional<Error> why) {
    if (err) return;
    std::shared_ptr<Node> self = shared_from_this();  // outlive the calls
    err = e;
    cause = why ? std::move(why) : std::optional<Error>(e);
    done.Close();
    rt->StopTimer(&timer);
    timer.keep_alive.reset();
    std::vector<std::shared_ptr<Node>> kids;
    kids.swap(children);
    for (const auto& k : kids) k->Cancel(false, *err, cause);
    std::vector<Callback> cbs;
    cbs.swap(callbacks);
    for (Callback& cb : cbs) {
      *cb.finished = true;
      if (cb.async) {
        rt->Go(std::move(cb.fn));
      } else {
        cb.fn();
      }
    }
    if (remove_from_parent && parent) {
      if (Node* p = parent->Canceler()) {
        auto it = std::find(p->children.begin(), p->children.end(), self);
        if (it != p->children.end()) p->children.erase(it);
      }
    }
  }

  // Go's propagateCancel: a child of a done parent is done at once, else
  // the nearest cancelable ancestor will cancel it.
  void Propagate() {
    Node* p = parent ? parent->Canceler() : nullptr;
    if (p == nullptr) return;
    if (p->err) {
      Cancel(false, *p->err, p->cause);
    } else {
      p->children.push_back(shared_from_this());
    }
  }

  struct Callback {
    std::shared_ptr<bool> finished;  // run, or unregistered
    std::function<void()> fn;
    bool async;  // in a task of its own (AfterFunc), or synchronously
  };

  Runtime* rt;
  Kind kind;
  std::shared_ptr<Node> parent;
  std::optional<Time> deadline;
  // kRoot / kCancel:
  Chan<std::monostate> done{*rt};
  std::optional<Error> err;
  std::optional<Error> cause;
  std::vector<std::shared_ptr<Node>> children;
  std::vector<Callback> callbacks;
  ::simsock::net::internal::Timer timer;
  // kValue:
  std::string key;
  std::any value;
};

}  // namespace internal

using internal::Node;

// Reaches the node behind a Context (a friend of Context).
struct Access {
  static Node& Of(const Context& c) {
    SIMSOCK_NET_CHECK(c.n_ != nullptr, "context: use of a moved-from Context");
    return *c.n_;
  }
  static const std::shared_ptr<Node>& Ptr(const Context& c) {
    Of(c);
    return c.n_;
  }
  static Context Make(std::shared_ptr<Node> n) { return Context(std::move(n)); }
};

namespace {

std::shared_ptr<Node> NewCancelNode(const Context& parent) {
  const auto& p = Access::Ptr(parent);
  return std::make_shared<Node>(*p->rt, Node::Kind::kCancel, p);
}

}  // namespace

Chan<std::monostate> Context::Done() const {
  Node& n = Access::Of(*this);
  Node* c = n.Canceler();
  return c != nullptr ? c->done : n.Root()->done;
}

std::optional<Error> Context::Err() const {
  Node* c = Access::Of(*this).Canceler();
  return c != nullptr ? c->err : std::nullopt;
}

std::optional<Time> Context::Deadline() const {
  return Access::Of(*this).deadline;
}

std::any Context::Value(std::string_view key) const {
  for (Node* n = &Access::Of(*this); n != nullptr; n = n->parent.get()) {
    if (n->kind == Node::Kind::kValue && n->key == key) return n->value;
  }
  return {};
}

Runtime& Context::runtime() const { return *Access::Of(*this).rt; }

Context Background(Runtime& rt) {
  return Access::Make(std::make_shared<Node>(rt, Node::Kind::kRoot, nullptr));
}

Context TODO(Runtime& rt) { return Background(rt); }

WithCancelResult WithCancel(const Context& parent) {
  auto n = NewCancelNode(parent);
  n->Propagate();
  return {Access::Make(n), [n] { n->Cancel(true, Canceled, std::nullopt); }};
}

WithCancelCauseResult WithCancelCause(const Context& parent) {
  auto n = NewCancelNode(parent);
  n->Propagate();
  return {Access::Make(n),
          [n](const Error& cause) { n->Cancel(true, Canceled, cause); }};
}

WithCancelResult WithDeadline(const Context& parent, Time d) {
  const auto& p = Access::Ptr(parent);
  // Go: a parent deadline already earlier makes this a plain WithCancel.
  if (p->deadline && p->deadline->Before(d)) return WithCancel(parent);
  auto n = NewCancelNode(parent);
  n->deadline = d;
  n->Propagate();
  WithCancelResult r{Access::Make(n),
                     [n] { n->Cancel(true, Canceled, std::nullopt); }};
  if (n->err) return r;
  if (!p->rt->Now().Before(d)) {
    n->Cancel(true, DeadlineExceeded, std::nullopt);
    return r;
  }
  Node* raw = n.get();
  n->timer.when = d.Nanos();
  n->timer.fire = [raw] { raw->Cancel(true, DeadlineExceeded, std::nullopt); };
  n->timer.keep_alive = n;  // a context nobody holds still times out
  n->rt->StartTimer(&n->timer);
  return r;
}

WithCancelResult WithTimeout(const Context& parent, Duration timeout) {
  return WithDeadline(parent, Access::Of(parent).rt->Now().Add(timeout));
}

Context WithValue(const Context& parent, std::string key, std::any value) {
  const auto& p = Access::Ptr(parent);
  auto n = std::make_shared<Node>(*p->rt, Node::Kind::kValue, p);
  n->key = std::move(key);
  n->value = std::move(value);
  return Access::Make(std::move(n));
}

std::optional<Error> Cause(const Context& ctx) {
  Node* c = Access::Of(ctx).Canceler();
  return c != nullptr ? c->cause : std::nullopt;
}

namespace {

std::function<bool()> Register(const Context& ctx, std::function<void()> fn,
                               bool async) {
  Node& n = Access::Of(ctx);
  auto finished = std::make_shared<bool>(false);
  Node* c = n.Canceler();
  if (c == nullptr) {
    // Never done: nothing to run; stop succeeds once (Go's afterFuncCtx).
    return [finished] { return !std::exchange(*finished, true); };
  }
  if (c->err) {
    *finished = true;
    if (async) {
      c->rt->Go(std::move(fn));
    } else {
      fn();
    }
    return [] { return false; };
  }
  c->callbacks.push_back({finished, std::move(fn), async});
  std::weak_ptr<Node> weak = c->shared_from_this();
  return [weak, finished] {
    if (*finished) return false;
    *finished = true;
    if (auto node = weak.lock()) {
      auto& cbs = node->callbacks;
      cbs.erase(std::remove_if(cbs.begin(), cbs.end(),
                               [&](const Node::Callback& cb) {
                                 return cb.finished == finished;
                               }),
                cbs.end());
    }
    return true;
  };
}

}  // namespace

std::function<bool()> AfterFunc(const Context& ctx, std::function<void()> f) {
  SIMSOCK_NET_CHECK(f != nullptr, "context.AfterFunc with a null function");
  return Register(ctx, std::move(f), true);
}

namespace internal {

std::function<bool()> OnDone(const Context& ctx, std::function<void()> fn) {
  return Register(ctx, std::move(fn), false);
}

}  // namespace internal
}  // namespace simsock::net::context
