/// \file
/// StackPool: where fibers' stacks come from and go back to. The simulator
/// and the net runtime make and end fibers by the thousand (an echo world
/// of N clients has 3N of them), so a stack is taken from a free list,
/// not mapped and unmapped each time.
//
// Stacks are carved from chunks of address space mapped kStacksPerChunk at
// a time (MAP_NORESERVE: only the pages a fiber touches become resident,
// and adjacent chunks merge into one mapping). A released stack goes on a
// LIFO free list and is never unmapped. The kHot most recently released
// stacks keep their pages, so a fiber that ends and a new one that starts
// reuse warm memory; older ones give their pages back to the kernel
// (madvise(MADV_DONTNEED)), in batches sorted by address so that adjacent
// stacks go in one call, which bounds the pool's resident memory to about
// kHot + kBatch stacks' touched pages whatever the number pooled. There is
// no guard page (Fiber::kDefaultStackSize says so): one per stack would
// split every stack into its own two mappings, and a world of 30,000
// fibers would need 60,000 of vm.max_map_count's 65,530.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

namespace simsock::fiber {

/// The process's pool of fiber stacks (one pool, locked: a fiber may end on
/// another thread than the one that made it). Internal to simsock::fiber;
/// public for its tests.
class StackPool {
 public:
  /// Stacks mapped at once when the free list of a size is empty.
  static constexpr size_t kStacksPerChunk = 64;
  /// The most recently released stacks that keep their pages.
  static constexpr size_t kHot = 64;
  /// Released stacks past kHot wait for this many to give their pages back
  /// in one sorted pass.
  static constexpr size_t kBatch = 256;

  /// A stack: [base, base + size), growing down from base + size.
  struct Stack {
    void* base = nullptr;  ///< the lowest address
    size_t size = 0;       ///< bytes
  };

  /// The process's pool (never destroyed: fibers may end during exit).
  static StackPool& Instance();

  /// A stack of `size` bytes (a multiple of the page size is best): the one
  /// released last, or a fresh one. Aborts if the kernel refuses the
  /// address space.
  Stack Allocate(size_t size);
  /// Gives a stack Allocate returned back to the pool.
  void Release(Stack stack);

  /// Stacks in the free lists, of every size.
  size_t pooled() const;
  /// Of those, the ones whose pages were given back to the kernel.
  size_t cold() const;

 private:
  // The stacks of one size.
  struct SizeClass {
    size_t size = 0;
    std::vector<void*> free;  // LIFO: the back is the warmest
    size_t cold_end = 0;      // free[0, cold_end) gave their pages back
    char* chunk_next = nullptr;
    size_t chunk_left = 0;  // stacks not yet handed out in the chunk
  };
  SizeClass& ClassOf(size_t size);
  // Gives back the pages of free[cold_end, free.size() - kHot).
  static void Cool(SizeClass& c);

  mutable std::mutex mu_;
  std::vector<SizeClass> classes_;
};

}  // namespace simsock::fiber
