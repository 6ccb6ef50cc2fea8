// Built against the installed package: one simulated UDP exchange and one
// real-kernel call, through the same interface.
#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "net/sys/linux_syscalls.h"
#include "sim/host.h"
#include "sim/process.h"
#include "sim/world.h"

int main() {
  simsock::sim::World world(7);
  simsock::sim::Host& host = world.AddHost("h", "10.0.0.1");
  simsock::sys::Syscalls& sys = host.SpawnProcess();
  int a = sys.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(9000);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (sys.bind(a, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 1;
  int b = sys.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (sys.sendto(b, "ping", 4, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 4) return 1;
  char buf[8];
  if (sys.read(a, buf, sizeof buf) != 4 || std::memcmp(buf, "ping", 4) != 0) return 1;
  simsock::sys::LinuxSyscalls linux_sys;
  if (linux_sys.clock_gettime_ns() <= 0) return 1;
  std::puts("consumer: ok");
  return 0;
}
