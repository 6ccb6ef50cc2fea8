/// \file
/// UnixNameTable: the names AF_UNIX sockets are bound to on one host (its
/// network namespace's abstract names, and its file system's socket
/// files). The simulator has no file system (docs/semantics.md §10, D34):
/// a pathname is a key in this table, made by bind and never removed
/// (there is no unlink), as a socket file outlives its socket; every
/// directory exists. An abstract name goes with its socket's release.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace simsock::sim {

class UnixSocket;

/// The bound AF_UNIX names of one host (see the file comment). Keys are the
/// address bytes after the family: a pathname's characters, or an abstract
/// name with its leading NUL byte.
class UnixNameTable {
 public:
  /// Whether `name` is taken (a pathname stays taken after its socket).
  bool Taken(const std::string& name) const { return names_.count(name) > 0; }
  /// Binds `name` to `s` (the caller checked Taken).
  void Add(const std::string& name, const std::shared_ptr<UnixSocket>& s) {
    names_[name] = s;
  }
  /// Looks `name` up: the live socket bound to it, or null (*exists tells a
  /// pathname left by a closed socket from no name at all).
  std::shared_ptr<UnixSocket> Find(const std::string& name,
                                   bool* exists) const {
    auto it = names_.find(name);
    *exists = it != names_.end();
    return *exists ? it->second.lock() : nullptr;
  }
  /// Unbinds an abstract name (unix_release_sock: unix_remove_socket).
  void RemoveAbstract(const std::string& name) {
    if (!name.empty() && name[0] == '\0') names_.erase(name);
  }
  /// unix_autobind's next name: "\0" and five hex digits. Linux draws the
  /// first from get_random_u32 and then counts; the simulator counts from
  /// 0 (deterministic; docs D34).
  std::string NextAutobindName() {
    for (uint32_t tries = 0; tries <= 0xFFFFF; ++tries) {
      char buf[8];
      const uint32_t n = next_autobind_++ & 0xFFFFF;
      for (int i = 4; i >= 0; --i)
        buf[4 - i] = "0123456789abcdef"[(n >> (4 * i)) & 0xF];
      std::string name = std::string(1, '\0') + std::string(buf, 5);
      if (!Taken(name)) return name;
    }
    return {};  // all 2^20 names taken: Linux's -ENOSPC
  }

 private:
  std::map<std::string, std::weak_ptr<UnixSocket>> names_;
  uint32_t next_autobind_ = 0;
};

}  // namespace simsock::sim
