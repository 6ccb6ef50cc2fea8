#include "simsock/sim/kernel/iovec_import.h"

#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

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

void Scatter(const uint8_t* from, size_t n, const iovec* iov) {
  for (size_t i = 0; n > 0; ++i) {
    const size_t take = std::min(n, iov[i].iov_len);
    if (take > 0) std::memcpy(iov[i].iov_base, from, take);
    from += take;
    n -= take;
  }
}

size_t BytesBeforeFault(const iovec* iov, size_t count, size_t len) {
  size_t ok = 0;
  for (size_t i = 0; i < count && ok < len; ++i) {
    if (iov[i].iov_len == 0) continue;
    if (iov[i].iov_base == nullptr) break;
    ok += std::min(iov[i].iov_len, len - ok);
  }
  return ok;
}

}  // namespace simsock::sim
