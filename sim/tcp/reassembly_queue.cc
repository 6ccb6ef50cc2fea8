// ReassemblyQueue (see reassembly_queue.h).
#include "simsock/sim/tcp/reassembly_queue.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>
#include <utility>

namespace simsock::sim::tcp {

ReassemblyQueue::ReassemblyQueue(const ReassemblyQueue& other)
    : runs_(other.runs_ == nullptr ? nullptr
                                   : std::make_unique<Runs>(*other.runs_)),
      fin_off_(other.fin_off_) {}

ReassemblyQueue& ReassemblyQueue::operator=(const ReassemblyQueue& other) {
  if (this != &other) *this = ReassemblyQueue(other);
  return *this;
}

void ReassemblyQueue::Insert(uint64_t off, const uint8_t* data, size_t len) {
  if (runs_ == nullptr) runs_ = std::make_unique<Runs>();
  auto& segments = runs_->segments;
  size_t& held = runs_->bytes;
  // Merge with every entry that overlaps or touches [off, off + len), so
  // entries stay disjoint and the count of bytes held counts each once.
  uint64_t mstart = off;
  uint64_t mend = off + len;
  auto first = segments.lower_bound(off);
  if (first != segments.begin()) {
    auto prev = std::prev(first);
    if (prev->first + prev->second.size() >= off) first = prev;
  }
  auto last = first;
  while (last != segments.end() && last->first <= mend) {
    mstart = std::min(mstart, last->first);
    mend = std::max(mend, last->first + last->second.size());
    ++last;
  }
  std::vector<uint8_t> merged(static_cast<size_t>(mend - mstart));
  for (auto it = first; it != last; ++it) {
    std::memcpy(merged.data() + (it->first - mstart), it->second.data(),
                it->second.size());
    held -= it->second.size();
  }
  std::memcpy(merged.data() + (off - mstart), data, len);
  segments.erase(first, last);
  held += merged.size();
  segments.emplace(mstart, std::move(merged));
}

size_t ReassemblyQueue::Drain(uint64_t next, ByteQueue* in_order) {
  size_t appended = 0;
  if (runs_ == nullptr) return appended;
  auto& segments = runs_->segments;
  size_t& held = runs_->bytes;
  while (!segments.empty()) {
    auto it = segments.begin();
    if (it->first > next) break;
    const uint64_t end = it->first + it->second.size();
    if (end > next) {
      const size_t skip = static_cast<size_t>(next - it->first);
      const size_t n = static_cast<size_t>(end - next);
      in_order->Append(it->second.data() + skip, n);
      appended += n;
      next = end;
    }
    held -= it->second.size();
    segments.erase(it);
  }
  return appended;
}

void ReassemblyQueue::Clear() {
  runs_.reset();
  fin_off_ = kNoFin;
}

}  // namespace simsock::sim::tcp
