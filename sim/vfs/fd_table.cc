#include "simsock/sim/vfs/fd_table.h"

#include <cerrno>

#include "simsock/sim/base/check.h"

namespace simsock::sim {

bool FdTable::HasRoom() const {
  for (size_t i = 0; i < entries_.size(); ++i)
    if (!entries_[i].file) return static_cast<int>(i) < limit_;
  return static_cast<int>(entries_.size()) < limit_;
}

int FdTable::Install(std::shared_ptr<File> file, bool cloexec) {
  return InstallFrom(0, std::move(file), cloexec);
}

int FdTable::InstallFrom(int min_fd, std::shared_ptr<File> file, bool cloexec) {
  if (min_fd < 0 || min_fd >= limit_) return -EINVAL;
  size_t fd = static_cast<size_t>(min_fd);
  if (fd > entries_.size()) entries_.resize(fd);
  while (fd < entries_.size() && entries_[fd].file) ++fd;
  if (static_cast<int>(fd) >= limit_) return -EMFILE;
  if (fd == entries_.size()) entries_.emplace_back();
  file->AddFdRef();
  entries_[fd] = {std::move(file), cloexec};
  return static_cast<int>(fd);
}

void FdTable::InstallAt(int fd, std::shared_ptr<File> file, bool cloexec) {
  SIM_CHECK(fd >= 0 && Get(fd) == nullptr);  // a free fd
  if (static_cast<size_t>(fd) >= entries_.size()) entries_.resize(fd + 1);
  file->AddFdRef();
  entries_[fd] = {std::move(file), cloexec};
}

File* FdTable::Get(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= entries_.size()) return nullptr;
  return entries_[fd].file.get();
}

std::shared_ptr<File> FdTable::GetShared(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= entries_.size()) return nullptr;
  return entries_[fd].file;
}

bool FdTable::Close(int fd, Waiter* closer) {
  if (Get(fd) == nullptr) return false;
  // The table lets go of the fd first, so a close that waits (SO_LINGER)
  // sees it closed; the file lives on until its last reference goes.
  std::shared_ptr<File> f = std::move(entries_[fd].file);
  entries_[fd] = {};
  while (!entries_.empty() && !entries_.back().file) entries_.pop_back();
  f->DropFdRef(closer);
  return true;
}

void FdTable::CloseAll() {
  for (int fd : OpenFds()) Close(fd);
}

int FdTable::open_count() const {
  int n = 0;
  for (const Entry& e : entries_) n += e.file ? 1 : 0;
  return n;
}

std::vector<int> FdTable::OpenFds() const {
  std::vector<int> fds;
  for (size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].file) fds.push_back(static_cast<int>(i));
  return fds;
}

}  // namespace simsock::sim
