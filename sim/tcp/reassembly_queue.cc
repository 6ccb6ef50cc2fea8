// ReassemblyQueue (see reassembly_queue.h).
#include "simsock/sim/tcp/reassembly_queue.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

namespace simsock::sim::tcp {

void ReassemblyQueue::Insert(uint64_t off, const uint8_t* data, size_t len) {
  // Merge with every entry that overlaps or touches [off, off + len), so
  // entries stay disjoint and bytes_ counts each byte once.
  uint64_t mstart = off;
  uint64_t mend = off + len;
  auto first = segments_.lower_bound(off);
  if (first != segments_.begin()) {
    auto prev = std::prev(first);
    if (prev->first + prev->second.size() >= off) first = prev;
  }
  auto last = first;
  while (last != segments_.end() && last->first <= mend) {
    mstart = std::min(mstart, last->first);
    mend = std::max(mend, last->first + last->second.size());
    ++last;
  }
  std::vector<uint8_t> merged(static_cast<size_t>(mend - mstart));
  for (auto it = first; it != last; ++it) {
    std::memcpy(merged.data() + (it->first - mstart), it->second.data(),
                it->second.size());
    bytes_ -= it->second.size();
  }
  std::memcpy(merged.data() + (off - mstart), data, len);
  segments_.erase(first, last);
  bytes_ += merged.size();
  segments_.emplace(mstart, std::move(merged));
}

size_t ReassemblyQueue::Drain(uint64_t next, ByteQueue* in_order) {
  size_t appended = 0;
  while (!segments_.empty()) {
    auto it = segments_.begin();
    if (it->first > next) break;
    const uint64_t end = it->first + it->second.size();
    if (end > next) {
      const size_t skip = static_cast<size_t>(next - it->first);
      const size_t n = static_cast<size_t>(end - next);
      in_order->Append(it->second.data() + skip, n);
      appended += n;
      next = end;
    }
    bytes_ -= it->second.size();
    segments_.erase(it);
  }
  return appended;
}

void ReassemblyQueue::Clear() {
  segments_.clear();
  bytes_ = 0;
  fin_valid_ = false;
}

}  // namespace simsock::sim::tcp
