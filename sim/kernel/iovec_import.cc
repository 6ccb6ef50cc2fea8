#include "simsock/sim/kernel/iovec_import.h"

#include <sys/types.h>

#include <algorithm>
#include <cerrno>

namespace simsock::sim {

size_t IovTotal(const iovec* iov, size_t count) {
  size_t total = 0;
  for (size_t i = 0; iov != nullptr && i < count; ++i)
    total += std::min(iov[i].iov_len, kMaxRwCount - total);
  return total;
}

int ImportIovec(const iovec* iov, size_t count, size_t* total) {
  if (iov == nullptr && count > 0) return -EFAULT;
  for (size_t i = 0; count > 1 && i < count; ++i) {
    if (static_cast<ssize_t>(iov[i].iov_len) < 0) return -EINVAL;
  }
  *total = IovTotal(iov, count);
  return 0;
}

}  // namespace simsock::sim
