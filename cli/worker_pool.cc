#include "simsock/cli/worker_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <optional>

namespace simsock::cli {

namespace {

bool WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

struct Worker {
  pid_t pid = -1;
  int to_child = -1;             // the worker's stdin
  int from_child = -1;           // its fd 3
  std::string buffer;            // a partial line
  std::optional<uint64_t> seed;  // the run in flight
};

bool Spawn(const std::vector<std::string>& argv, Worker* w,
           std::string* error) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (::pipe2(out, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    ::close(in[0]);
    ::close(in[1]);
    return false;
  }
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return false;
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec. dup2 clears
    // O_CLOEXEC on the copies; every other pipe end closes at exec.
    int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (::dup2(in[0], 0) < 0 || ::dup2(out[1], kWorkerResultFd) < 0 ||
        devnull < 0 || ::dup2(devnull, 1) < 0) {
      ::_exit(127);
    }
    ::execv(args[0], args.data());
    const char msg[] = "simsock: cannot start a sweep worker\n";
    [[maybe_unused]] ssize_t n = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  w->pid = pid;
  w->to_child = in[1];
  w->from_child = out[0];
  w->buffer.clear();
  w->seed.reset();
  return true;
}

std::string HowItEnded(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "the run's process was killed by SIG" +
           std::string(name ? name : std::to_string(sig).c_str());
  }
  if (WIFEXITED(status)) {
    return "the run's process exited with status " +
           std::to_string(WEXITSTATUS(status));
  }
  return "the run's process ended";
}

void Close(Worker* w) {
  if (w->to_child >= 0) ::close(w->to_child);
  if (w->from_child >= 0) ::close(w->from_child);
  w->to_child = w->from_child = -1;
}

int Reap(Worker* w) {
  int status = 0;
  while (::waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
  }
  w->pid = -1;
  return status;
}

}  // namespace

bool RunInWorkers(const std::vector<uint64_t>& seeds,
                  const PoolOptions& options, std::vector<SeedRecord>* results,
                  std::string* error) {
  // A worker that dies makes its stdin a broken pipe: the parent hears of
  // it as EPIPE from write, not as a signal that ends the sweep.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);

  std::deque<uint64_t> pending(seeds.begin(), seeds.end());
  size_t jobs = std::max<size_t>(1, std::min(options.jobs, seeds.size()));
  std::vector<Worker> workers(jobs);
  // Replacing dead workers is bounded: a worker that cannot even start
  // (exit 127) would otherwise be restarted forever.
  size_t spawns_left = jobs + seeds.size();
  bool ok = true;

  auto record_crash = [&](uint64_t seed, const std::string& how) {
    SeedRecord r;
    r.result.scenario = options.scenario;
    r.result.summary.seed = seed;
    r.faults = options.faults;
    r.params = options.params;
    r.result.violations.push_back(
        {.invariant = "crash", .at = {}, .message = how, .last_trace = {}});
    results->push_back(r);
    if (options.on_result) options.on_result(r);
  };
  // Gives an idle worker its next seed (false when none is left).
  auto feed = [&](Worker& w) {
    while (!pending.empty()) {
      uint64_t seed = pending.front();
      pending.pop_front();
      if (WriteAll(w.to_child, std::to_string(seed) + "\n")) {
        w.seed = seed;
        return true;
      }
      pending.push_front(seed);  // it died: the read side reports it
      return false;
    }
    ::close(w.to_child);  // no more seeds: the worker exits
    w.to_child = -1;
    return false;
  };

  for (Worker& w : workers) {
    if (!Spawn(options.worker_argv, &w, error)) {
      ok = false;
      break;
    }
    --spawns_left;
    feed(w);
  }

  while (ok) {
    std::vector<pollfd> fds;
    std::vector<Worker*> polled;
    for (Worker& w : workers) {
      if (w.from_child >= 0) {
        fds.push_back({w.from_child, POLLIN, 0});
        polled.push_back(&w);
      }
    }
    if (fds.empty()) break;
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      *error = std::string("poll: ") + std::strerror(errno);
      ok = false;
      break;
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Worker& w = *polled[i];
      char buf[65536];
      ssize_t n = ::read(w.from_child, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        w.buffer.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = w.buffer.find('\n')) != std::string::npos) {
          std::string line = w.buffer.substr(0, nl);
          w.buffer.erase(0, nl + 1);
          std::string parse_error;
          std::optional<SeedRecord> r = FromJsonLine(line, &parse_error);
          uint64_t seed = w.seed.value_or(0);
          w.seed.reset();
          if (r) {
            results->push_back(*r);
            if (options.on_result) options.on_result(*r);
          } else {
            record_crash(seed,
                         "the run's answer was not a result: " + parse_error);
          }
          feed(w);
        }
        continue;
      }
      // End of file: the worker is gone (done, or died mid-run).
      Close(&w);
      int status = Reap(&w);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        *error = "cannot start a sweep worker (" + options.worker_argv[0] + ")";
        ok = false;
        break;
      }
      if (w.seed) {
        record_crash(*w.seed, HowItEnded(status));
        w.seed.reset();
      }
      if (!pending.empty()) {
        if (spawns_left == 0) {
          *error = "sweep workers keep dying (" + HowItEnded(status) + ")";
          ok = false;
          break;
        }
        --spawns_left;
        if (!Spawn(options.worker_argv, &w, error)) {
          ok = false;
          break;
        }
        feed(w);
      }
    }
  }

  for (Worker& w : workers) {
    Close(&w);
    if (w.pid > 0) {
      if (!ok) ::kill(w.pid, SIGTERM);
      Reap(&w);
    }
  }
  ::sigaction(SIGPIPE, &old, nullptr);
  return ok;
}

int WorkerLoop(int in_fd, int out_fd,
               const std::function<SeedRecord(uint64_t seed)>& run) {
  std::string buffer;
  char buf[256];
  while (true) {
    size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      char* end = nullptr;
      errno = 0;
      uint64_t seed = std::strtoull(line.c_str(), &end, 10);
      if (line.empty() || *end != '\0' || errno != 0) return 2;
      if (!WriteAll(out_fd, ToJsonLine(run(seed)) + "\n")) return 1;
    }
    ssize_t n = ::read(in_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return 1;
    if (n == 0) return buffer.empty() ? 0 : 2;
    buffer.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace simsock::cli
