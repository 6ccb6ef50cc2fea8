/// \file
/// The syscall layer's import of a caller's iovec array (import_iovec,
/// iovec_from_user), shared by recvmsg, readv, writev and sendmsg.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "simsock/sim/base/io_span.h"  // kMaxRwCount

namespace simsock::sim {

/// UIO_MAXIOV: the most iovecs one call takes.
constexpr size_t kMaxIov = 1024;
/// MSG_CMSG_COMPAT (include/linux/socket.h; not in the C library's
/// headers): the kernel's own flag for 32-bit callers, refused from user
/// space by sendmsg and recvmsg.
inline constexpr int kMsgCmsgCompat = static_cast<int>(0x80000000u);

/// The bytes of iov[0..count), each length capped so that the sum stays
/// within MAX_RW_COUNT (__import_iovec); 0 for a null iov.
size_t IovTotal(const iovec* iov, size_t count);

/// import_iovec's checks of count iovecs (count <= kMaxIov, checked by the
/// caller with its own errno): -EFAULT for a null iov with count > 0,
/// -EINVAL for a length negative as an ssize_t when there is more than one
/// iovec (copy_iovec_from_user; one iovec goes through import_ubuf, which
/// caps it instead); else 0 with *total = IovTotal.
int ImportIovec(const iovec* iov, size_t count, size_t* total);

/// Scatters n bytes of `from` into iov's buffers in turn (the caller knows
/// they hold n bytes).
void Scatter(const uint8_t* from, size_t n, const iovec* iov);

/// The bytes of iov[0..count) before the first buffer with a NULL base and
/// a length: where copying to or from the vector faults (len caps it).
size_t BytesBeforeFault(const iovec* iov, size_t count, size_t len);

}  // namespace simsock::sim
