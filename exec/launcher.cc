// The launcher (launcher.h): region, program checks, fork and exec.
#include "simsock/exec/launcher.h"

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

#include "simsock/exec/slot_wait.h"
#include "simsock/sim/kernel/signal_state.h"

extern char** environ;

namespace simsock::exec {

#ifndef SIMSOCK_SHIM_DEFAULT_PATH
#define SIMSOCK_SHIM_DEFAULT_PATH "libsimsock_shim.so"
#endif

std::unique_ptr<Region> Region::Create(const RegionInit& init,
                                       std::string* error) {
  const int fd = ::memfd_create("simsock-exec", MFD_CLOEXEC);
  if (fd < 0) {
    *error = std::string("memfd_create: ") + std::strerror(errno);
    return nullptr;
  }
  if (::ftruncate(fd, sizeof(simsock_exec_region)) != 0) {
    *error = std::string("ftruncate of the region: ") + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  void* p = ::mmap(nullptr, sizeof(simsock_exec_region), PROT_READ | PROT_WRITE,
                   MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    *error = std::string("mmap of the region: ") + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  // A fresh memfd reads as zeros: every slot is SIMSOCK_SLOT_FREE.
  auto* r = static_cast<simsock_exec_region*>(p);
  r->magic = SIMSOCK_EXEC_MAGIC;
  r->version = SIMSOCK_EXEC_VERSION;
  r->virtual_pid = init.virtual_pid;
  r->monotonic_ns = 0;
  r->realtime_offset_ns = init.realtime_offset_ns;
  r->random_seed = init.random_seed;
  r->debug = init.debug;
  r->spin_reads = init.spin_reads;
  r->spin_polls =
      init.spin_polls ? *init.spin_polls : SpinPollsForThisMachine();
  return std::unique_ptr<Region>(new Region(fd, r));
}

Region::~Region() {
  ::munmap(region_, sizeof(simsock_exec_region));
  ::close(fd_);
}

std::string ShimPath() {
  const char* env = std::getenv("SIMSOCK_SHIM");
  if (env != nullptr && *env != '\0') return env;
  return SIMSOCK_SHIM_DEFAULT_PATH;
}

std::string FindProgram(const std::string& program) {
  if (program.empty()) return "";
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string CheckProgram(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return path + ": " + std::strerror(errno);
  }
  if (!S_ISREG(st.st_mode)) return path + ": not a regular file";
  if (::access(path.c_str(), X_OK) != 0) {
    return path + ": not executable (" + std::strerror(errno) + ")";
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return path + ": " + std::strerror(errno);
  Elf64_Ehdr eh;
  const bool header = ::pread(fd, &eh, sizeof eh, 0) == sizeof eh;
  std::string why;
  if (!header || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
    why = path + ": not an ELF executable (a script: name its interpreter)";
  } else if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
    why = path + ": not an x86_64 ELF executable";
  } else {
    // The dynamic loader, which applies LD_PRELOAD, runs only for a
    // program with a PT_INTERP header (Linux's load_elf_binary).
    bool interp = false;
    for (int i = 0; i < eh.e_phnum && i < 4096; ++i) {
      Elf64_Phdr ph;
      const off_t at = static_cast<off_t>(eh.e_phoff) + i * eh.e_phentsize;
      if (::pread(fd, &ph, sizeof ph, at) != sizeof ph) break;
      if (ph.p_type == PT_INTERP) interp = true;
    }
    if (!interp) {
      why = path +
            ": static binary: the preload shim cannot attach; "
            "SECCOMP_RET_USER_NOTIF support is future work";
    }
  }
  ::close(fd);
  return why;
}

Child::~Child() { Kill(); }

std::optional<std::string> Child::Poll() {
  if (!reaped_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == 0) return std::nullopt;
    reaped_ = true;
    // ECHILD: someone else reaped it (SIGCHLD ignored): its status is lost.
    status_ = r == pid_ ? status : 0;
  }
  return DescribeWaitStatus(status_);
}

void Child::Kill() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  // EINTR only: a SIGKILLed child always ends.
  for (int i = 0; i < 1000; ++i) {
    const pid_t r = ::waitpid(pid_, &status, 0);
    if (r == pid_ || (r < 0 && errno != EINTR)) break;
  }
  reaped_ = true;
  status_ = status;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "killed by signal " + std::to_string(sig) + " (" +
           sim::SignalName(sig) + ": " + (name != nullptr ? name : "?") + ")" +
           (WCOREDUMP(status) ? ", core dumped" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

namespace {

// What the child needs, built before fork: after it only async-signal-safe
// calls may run.
struct ChildPlan {
  std::vector<std::string> argv_s, env_s;
  std::vector<char*> argv, env;
};

ChildPlan Plan(const LaunchSpec& spec, const Region& region) {
  ChildPlan p;
  p.argv_s = spec.argv;
  if (p.argv_s.empty()) p.argv_s.push_back(spec.path);
  const std::string fd_var =
      std::string(SIMSOCK_EXEC_ENV_FD) + "=" + std::to_string(region.fd());
  const std::string preload = "LD_PRELOAD=" + spec.shim;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view v(*e);
    if (v.starts_with("LD_PRELOAD=") || v.starts_with(SIMSOCK_EXEC_ENV_FD)) {
      continue;
    }
    p.env_s.emplace_back(v);
  }
  for (const std::string& e : spec.env) p.env_s.push_back(e);
  p.env_s.push_back(preload);
  p.env_s.push_back(fd_var);
  for (std::string& s : p.argv_s) p.argv.push_back(s.data());
  p.argv.push_back(nullptr);
  for (std::string& s : p.env_s) p.env.push_back(s.data());
  p.env.push_back(nullptr);
  return p;
}

// In the child: report errno through the pipe and end.
[[noreturn]] void ChildFails(int pipe_fd, int step) {
  const int e[2] = {step, errno};
  (void)!::write(pipe_fd, e, sizeof e);
  ::_exit(127);
}

const char* const kSteps[] = {"personality",
                              "open /dev/null",
                              "open the stdout file",
                              "open the stderr file",
                              "dup2",
                              "fcntl of the region's fd",
                              "execve"};

}  // namespace

std::unique_ptr<Child> Launch(const LaunchSpec& spec, const Region& region,
                              std::string* error) {
  ChildPlan plan = Plan(spec, region);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    *error = std::string("pipe2: ") + std::strerror(errno);
    return nullptr;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    ::close(report[0]);
    ::close(report[1]);
    return nullptr;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::personality(ADDR_NO_RANDOMIZE) == -1) ChildFails(report[1], 0);
    const int in = ::open("/dev/null", O_RDONLY);
    if (in < 0) ChildFails(report[1], 1);
    const int out =
        ::open(spec.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) ChildFails(report[1], 2);
    const int err =
        ::open(spec.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err < 0) ChildFails(report[1], 3);
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) {
      ChildFails(report[1], 4);
    }
    // Every other fd of the simulator goes at exec; the region stays.
    ::syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
    if (::fcntl(region.fd(), F_SETFD, 0) != 0) ChildFails(report[1], 5);
    ::fcntl(report[1], F_SETFD, FD_CLOEXEC);
    ::execve(spec.path.c_str(), plan.argv.data(), plan.env.data());
    ChildFails(report[1], 6);
  }
  ::close(report[1]);
  int e[2];
  ssize_t n;
  do {
    n = ::read(report[0], e, sizeof e);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  auto child = std::make_unique<Child>(pid);
  if (n == sizeof e) {
    child->Kill();
    *error = spec.path + ": " + kSteps[e[0]] + ": " + std::strerror(e[1]);
    return nullptr;
  }
  return child;
}

}  // namespace simsock::exec
