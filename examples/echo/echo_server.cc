// echo_server --addr 127.0.0.1:PORT: the seed's server on the real kernel.
// Serves until killed; any TCP client (nc, Python's socket, echo_client)
// can talk to it.
#include <cstdio>
#include <cstring>
#include <string>

#include "examples/echo/echo.h"
#include "simsock/net/sys/linux_syscalls.h"

int main(int argc, char** argv) {
  simsock::echo::ServerOptions options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--addr") == 0 && i + 1 < argc) {
      options.addr = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--addr HOST:PORT]\n", argv[0]);
      return 2;
    }
  }
  options.on_listen = [](const simsock::net::Addr& a) {
    std::printf("listening on %s\n", a.String().c_str());
    std::fflush(stdout);
  };
  simsock::sys::LinuxSyscalls sys;
  simsock::net::Runtime rt(sys);
  int status = 0;
  rt.Go([&] {
    if (!simsock::echo::RunServer(rt, options).ok()) status = 1;
  });
  rt.Run();
  return status;
}
