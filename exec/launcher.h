/// \file
/// The launcher of `simsock exec` (docs/exec.md): the shared region a
/// managed program and the simulator talk through (exec/protocol.h), the
/// checks that refuse a program the shim cannot attach to (before any
/// fork), and the native child process itself, killed and reaped when its
/// owner goes (the world's end, a crash of its simulated host).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "simsock/exec/protocol.h"

namespace simsock::exec {

/// CLOCK_REALTIME at virtual time 0 (2026-01-01 00:00:00 UTC): a fixed
/// epoch, so that a replay shows the same dates.
inline constexpr int64_t kRealtimeEpochNs = int64_t{1767225600} * 1000000000;

/// What the launcher writes into a new region.
struct RegionInit {
  int32_t virtual_pid = 1;   ///< the pid the program sees
  uint64_t random_seed = 0;  ///< its getrandom / /dev/urandom stream's seed
  uint32_t debug = 0;        ///< the shim's log level
  /// Clock reads in a row without a call before the shim yields
  /// (simsock_exec_region::spin_reads; 0: never).
  uint32_t spin_reads = 1000;
  /// Polls of a slot before sleeping on it (simsock_exec_region::
  /// spin_polls): this machine's figure (slot_wait.h) unless set.
  std::optional<uint32_t> spin_polls;
  int64_t realtime_offset_ns = kRealtimeEpochNs;  ///< realtime - monotonic
};

/// One process's region (exec/protocol.h): a memfd mapped shared. The
/// launcher passes the fd to the child across exec (SIMSOCK_EXEC_FD).
class Region {
 public:
  /// A new region set up from init (magic, version, every slot FREE), or
  /// null with *error saying why (memfd_create, ftruncate or mmap failed).
  static std::unique_ptr<Region> Create(const RegionInit& init,
                                        std::string* error);
  /// Unmaps and closes the memfd.
  ~Region();
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;

  /// The mapped region.
  simsock_exec_region& get() const { return *region_; }
  /// The memfd (close-on-exec in this process).
  int fd() const { return fd_; }

 private:
  Region(int fd, simsock_exec_region* region) : fd_(fd), region_(region) {}
  int fd_;
  simsock_exec_region* region_;
};

/// The shim the children preload: $SIMSOCK_SHIM if set, else the build
/// tree's libsimsock_shim.so (configured by CMake).
std::string ShimPath();

/// The file `program` names: as given if it contains a '/', else the first
/// match in $PATH (as execvp searches); "" if none.
std::string FindProgram(const std::string& program);

/// Why `path` cannot run under the shim, or "" if it can: a missing or
/// non-executable file, a file that is not an ELF executable, or a static
/// binary (no PT_INTERP: the dynamic loader never runs, so LD_PRELOAD is
/// ignored).
std::string CheckProgram(const std::string& path);

/// How to start a managed program.
struct LaunchSpec {
  std::string path;               ///< the executable (CheckProgram passed)
  std::vector<std::string> argv;  ///< argv[0] first
  std::vector<std::string> env;   ///< KEY=VALUE added to the environment
  std::string stdout_path;        ///< the child's stdout (created, truncated)
  std::string stderr_path;        ///< the child's stderr (created, truncated)
  std::string shim;               ///< the shim to preload (ShimPath())
};

/// A native child process: SIGKILLed and reaped by Kill or the destructor,
/// so that no run leaks a process.
class Child {
 public:
  /// Owns the running child `pid`.
  explicit Child(pid_t pid) : pid_(pid) {}
  /// Kill().
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// The child's real pid (never shown in a trace: it differs per run).
  pid_t pid() const { return pid_; }
  /// How the child ended ("exited with status 3", "killed by signal 11
  /// (Segmentation fault)"), reaping it, or nullopt while it runs.
  std::optional<std::string> Poll();
  /// SIGKILL and reap (nothing if it already ended).
  void Kill();
  /// The child ended and was reaped.
  bool reaped() const { return reaped_; }
  /// Its wait status once reaped.
  int status() const { return status_; }

 private:
  pid_t pid_;
  bool reaped_ = false;
  int status_ = 0;
};

/// "exited with status 3" / "killed by signal 11 (Segmentation fault)".
std::string DescribeWaitStatus(int status);

/// Forks and execs spec in the child with ASLR off, stdin on /dev/null,
/// stdout and stderr to their files, the region's fd inherited and named by
/// SIMSOCK_EXEC_FD, LD_PRELOAD set to the shim, and SIGKILL as its parent-
/// death signal. Returns the child, or null with *error (an execve failure
/// in the child is reported here, through a close-on-exec pipe).
std::unique_ptr<Child> Launch(const LaunchSpec& spec, const Region& region,
                              std::string* error);

}  // namespace simsock::exec
