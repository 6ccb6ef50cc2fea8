#include "simsock/sim/vfs/fd_table.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "simsock/sim/base/check.h"

namespace simsock::sim {

size_t FdTable::LowestFreeFrom(size_t fd) const {
  while (fd < entries_.size() && entries_[fd]) ++fd;
  return fd;
}

void FdTable::GrowFor(size_t fd) {
  // Capped where Linux caps sysctl_nr_open's range (2^30 on 64-bit).
  constexpr int kMaxFds = 1 << 30;
  while (static_cast<size_t>(max_fds_) <= fd && max_fds_ < kMaxFds)
    max_fds_ *= 2;
}

void FdTable::Resize(size_t n) {
  entries_.resize(n);
  cloexec_.resize(n);
}

bool FdTable::HasRoom() const {
  if (next_at_ >= 0) return next_at_ < limit_ && Get(next_at_) == nullptr;
  return static_cast<int>(LowestFreeFrom(next_fd_)) < limit_;
}

int FdTable::Install(std::shared_ptr<File> file, bool cloexec) {
  return InstallFrom(0, std::move(file), cloexec);
}

int FdTable::InstallFrom(int min_fd, std::shared_ptr<File> file, bool cloexec) {
  if (min_fd < 0 || min_fd >= limit_) return -EINVAL;
  if (next_at_ >= 0) {
    // The number the caller reserved (InstallNextAt), used once.
    const int at = std::exchange(next_at_, std::exchange(then_at_, -1));
    if (at >= limit_) return -EMFILE;
    if (Get(at) != nullptr) return -EBADF;
    InstallAt(at, std::move(file), cloexec);
    return at;
  }
  // Every fd below next_fd_ is open: the search starts at the higher of
  // the two (Linux's files->next_fd), and moves next_fd_ on when it
  // started there.
  size_t from = static_cast<size_t>(min_fd);
  bool from_next = from <= next_fd_;
  if (from_next) from = next_fd_;
  if (from > entries_.size()) Resize(from);
  size_t fd = LowestFreeFrom(from);
  if (from_next) next_fd_ = fd;
  if (static_cast<int>(fd) >= limit_) return -EMFILE;
  if (from_next) next_fd_ = fd + 1;
  if (fd == entries_.size()) Resize(fd + 1);
  GrowFor(fd);
  file->AddFdRef();
  entries_[fd] = std::move(file);
  cloexec_[fd] = cloexec;
  return static_cast<int>(fd);
}

void FdTable::InstallAt(int fd, std::shared_ptr<File> file, bool cloexec) {
  SIM_CHECK(fd >= 0 && Get(fd) == nullptr);  // a free fd
  if (static_cast<size_t>(fd) >= entries_.size()) Resize(fd + 1);
  GrowFor(static_cast<size_t>(fd));
  file->AddFdRef();
  entries_[fd] = std::move(file);
  cloexec_[fd] = cloexec;
}

File* FdTable::Get(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= entries_.size()) return nullptr;
  return entries_[fd].get();
}

std::shared_ptr<File> FdTable::GetShared(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= entries_.size()) return nullptr;
  return entries_[fd];
}

bool FdTable::Close(int fd, Waiter* closer) {
  if (Get(fd) == nullptr) return false;
  // The table lets go of the fd first, so a close that waits (SO_LINGER)
  // sees it closed; the file lives on until its last reference goes.
  std::shared_ptr<File> f = std::move(entries_[fd]);
  entries_[fd] = nullptr;
  cloexec_[fd] = false;
  next_fd_ = std::min(next_fd_, static_cast<size_t>(fd));
  while (!entries_.empty() && !entries_.back()) {
    entries_.pop_back();
    cloexec_.pop_back();
  }
  f->DropFdRef(closer);
  return true;
}

void FdTable::CloseAll() {
  for (int fd : OpenFds()) Close(fd);
}

int FdTable::open_count() const {
  int n = 0;
  for (const auto& f : entries_) n += f ? 1 : 0;
  return n;
}

std::vector<int> FdTable::OpenFds() const {
  std::vector<int> fds;
  for (size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i]) fds.push_back(static_cast<int>(i));
  return fds;
}

}  // namespace simsock::sim
