#include "simsock/fiber/stack_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIMSOCK_STACK_POOL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SIMSOCK_STACK_POOL_ASAN 1
#endif
#ifdef SIMSOCK_STACK_POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace simsock::fiber {

StackPool& StackPool::Instance() {
  // Leaked on purpose: a fiber destroyed by another static's destructor
  // must still find the pool.
  static StackPool* const pool = new StackPool();
  return *pool;
}

StackPool::SizeClass& StackPool::ClassOf(size_t size) {
  for (SizeClass& c : classes_) {
    if (c.size == size) return c;
  }
  classes_.push_back(SizeClass{});
  classes_.back().size = size;
  return classes_.back();
}

StackPool::Stack StackPool::Allocate(size_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  SizeClass& c = ClassOf(size);
  if (!c.free.empty()) {
    void* base = c.free.back();
    c.free.pop_back();
    c.cold_end = std::min(c.cold_end, c.free.size());
#ifdef SIMSOCK_STACK_POOL_ASAN
    // The previous fiber's frames may have left their redzones poisoned (a
    // fiber unwound, not returned): a reused stack starts clean, as a fresh
    // allocation would.
    ASAN_UNPOISON_MEMORY_REGION(base, size);
#endif
    return {base, size};
  }
  if (c.chunk_left == 0) {
    const size_t bytes = size * kStacksPerChunk;
    void* chunk = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (chunk == MAP_FAILED) {
      std::fprintf(stderr, "fiber: cannot map %zu bytes for stacks: %s\n",
                   bytes, std::strerror(errno));
      std::abort();
    }
    c.chunk_next = static_cast<char*>(chunk);
    c.chunk_left = kStacksPerChunk;
  }
  void* base = c.chunk_next;
  c.chunk_next += size;
  --c.chunk_left;
  return {base, size};
}

void StackPool::Release(Stack stack) {
  std::lock_guard<std::mutex> lock(mu_);
  SizeClass& c = ClassOf(stack.size);
  c.free.push_back(stack.base);
  if (c.free.size() - c.cold_end >= kHot + kBatch) Cool(c);
}

void StackPool::Cool(SizeClass& c) {
  const size_t end = c.free.size() - kHot;
  std::vector<char*> bases;
  bases.reserve(end - c.cold_end);
  for (size_t i = c.cold_end; i < end; ++i)
    bases.push_back(static_cast<char*>(c.free[i]));
  // By address, so that stacks side by side (as a chunk hands them out)
  // go back in one call. The order of the free list stays as it is.
  std::sort(bases.begin(), bases.end());
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  for (size_t i = 0; i < bases.size();) {
    size_t j = i + 1;
    while (j < bases.size() && bases[j] == bases[j - 1] + c.size) ++j;
    // Whole pages inside the stacks only (a size that is not a multiple
    // of the page must not reach a neighbour still in use).
    const uintptr_t lo =
        (reinterpret_cast<uintptr_t>(bases[i]) + page - 1) / page * page;
    const uintptr_t hi =
        (reinterpret_cast<uintptr_t>(bases[j - 1]) + c.size) / page * page;
    if (hi > lo) {
      // Only fails for a range that is not ours; the pages then stay.
      (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
    }
    i = j;
  }
  c.cold_end = end;
}

size_t StackPool::pooled() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const SizeClass& c : classes_) n += c.free.size();
  return n;
}

size_t StackPool::cold() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const SizeClass& c : classes_) n += c.cold_end;
  return n;
}

}  // namespace simsock::fiber
