/// \file
/// InlineCallback: the `void()` callable that the world's agenda and its
/// immediate queue hold. Unlike `std::function` (whose buffer holds 16
/// bytes, and only trivially copyable callables), a capture of up to
/// kInlineBytes that can be moved without throwing is kept inside the
/// object: a timer's lambda (a `weak_ptr`) or a deferred step costs no
/// allocation. Bigger captures fall back to one heap allocation. Move-only,
/// so a callable may own what it captures (a packet, a unique_ptr).
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace simsock::sim {

/// A move-only `void()` callable with a small-object buffer.
class InlineCallback {
 public:
  /// Captures up to this many bytes are stored inline (no allocation).
  static constexpr size_t kInlineBytes = 48;

  /// An empty callback (calling it is a bug, checked by the callers).
  InlineCallback() noexcept = default;
  /// \see InlineCallback()
  InlineCallback(std::nullptr_t) noexcept {}  // NOLINT: like std::function

  /// Wraps `f`: stored inline when it fits (size, alignment, a move that
  /// cannot throw), otherwise moved into one heap allocation.
  template <typename F, typename D = std::decay_t<F>,
            typename = std::enable_if_t<!std::is_same_v<D, InlineCallback> &&
                                        std::is_invocable_r_v<void, D&>>>
  InlineCallback(F&& f) {  // NOLINT: implicit, as std::function's
    if constexpr (FitsInline<D>()) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      ops_ = &kInlineOps<D>;
    } else {
      D* heap = new D(std::forward<F>(f));
      ::new (static_cast<void*>(buf_)) D*(heap);
      ops_ = &kHeapOps<D>;
    }
  }

  /// Takes `other`'s callable; `other` is left empty.
  InlineCallback(InlineCallback&& other) noexcept { MoveFrom(other); }
  /// Destroys this callable (without calling it) and takes `other`'s.
  InlineCallback& operator=(InlineCallback&& other) noexcept {
    if (this != &other) {
      Reset();
      MoveFrom(other);
    }
    return *this;
  }
  /// Destroys the callable without calling it.
  InlineCallback& operator=(std::nullptr_t) noexcept {
    Reset();
    return *this;
  }
  InlineCallback(const InlineCallback&) = delete;
  InlineCallback& operator=(const InlineCallback&) = delete;
  ~InlineCallback() { Reset(); }

  /// True when a callable is held.
  explicit operator bool() const { return ops_ != nullptr; }
  /// True when the held callable lives in the object's own buffer (false
  /// when empty or on the heap).
  bool is_inline() const { return ops_ != nullptr && !ops_->on_heap; }

  /// Calls the callable (which stays held). Must not be empty.
  void operator()() { ops_->call(buf_); }

 private:
  struct Ops {
    void (*call)(void* buf);
    // Moves the callable from `src` to uninitialised `dst` and destroys
    // what is left in `src`.
    void (*relocate)(void* dst, void* src) noexcept;
    void (*destroy)(void* buf) noexcept;
    bool on_heap;
  };

  template <typename D>
  static constexpr bool FitsInline() {
    return sizeof(D) <= kInlineBytes &&
           alignof(D) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<D>;
  }

  template <typename D>
  static constexpr Ops kInlineOps = {
      [](void* buf) { (*std::launder(static_cast<D*>(buf)))(); },
      [](void* dst, void* src) noexcept {
        D* from = std::launder(static_cast<D*>(src));
        ::new (dst) D(std::move(*from));
        from->~D();
      },
      [](void* buf) noexcept { std::launder(static_cast<D*>(buf))->~D(); },
      false};

  template <typename D>
  static constexpr Ops kHeapOps = {
      [](void* buf) { (**std::launder(static_cast<D**>(buf)))(); },
      [](void* dst, void* src) noexcept {
        ::new (dst) D*(*std::launder(static_cast<D**>(src)));
      },
      [](void* buf) noexcept { delete *std::launder(static_cast<D**>(buf)); },
      true};

  void MoveFrom(InlineCallback& other) noexcept {
    if (other.ops_ == nullptr) return;
    other.ops_->relocate(buf_, other.buf_);
    ops_ = other.ops_;
    other.ops_ = nullptr;
  }
  void Reset() noexcept {
    if (ops_ == nullptr) return;
    const Ops* ops = ops_;
    ops_ = nullptr;
    ops->destroy(buf_);
  }

  alignas(std::max_align_t) unsigned char buf_[kInlineBytes];
  const Ops* ops_ = nullptr;
};

}  // namespace simsock::sim
