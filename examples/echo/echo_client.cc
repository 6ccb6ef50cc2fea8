// echo_client --addr 127.0.0.1:PORT [--count N] [--interval-ms M]: the
// seed's client on the real kernel. Exits 0 after N exchanges, 1 on error.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "examples/echo/echo.h"
#include "simsock/net/sys/linux_syscalls.h"

int main(int argc, char** argv) {
  simsock::echo::ClientOptions options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--addr") == 0 && i + 1 < argc) {
      options.addr = argv[++i];
    } else if (std::strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
      options.count = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--interval-ms") == 0 && i + 1 < argc) {
      options.interval = std::atoll(argv[++i]) * simsock::net::kMillisecond;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--addr HOST:PORT] [--count N] "
                   "[--interval-ms M]\n",
                   argv[0]);
      return 2;
    }
  }
  simsock::sys::LinuxSyscalls sys;
  simsock::net::Runtime rt(sys);
  int status = 0;
  rt.Go([&] {
    if (!simsock::echo::RunClient(rt, options).ok()) status = 1;
  });
  rt.Run();
  return status;
}
