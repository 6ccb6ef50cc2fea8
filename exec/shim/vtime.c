/* Virtual time: the clocks read region.monotonic_ns (the simulator writes
 * it before every reply), as libc wrappers, as the trapped syscalls, through
 * the patched vDSO, and for rdtsc (PR_SET_TSC traps it into SIGSEGV,
 * seccomp.c emulates it from here). No virtual time passes while the
 * program computes. */
#include "exec/shim/vtime.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "exec/shim/shim.h"

int64_t shim_monotonic_ns(void) {
  return __atomic_load_n(&shim_region->monotonic_ns, __ATOMIC_RELAXED);
}

/* Spin loops. A program that waits for the clock to move by reading it
 * (a deadline loop on gettimeofday, a backoff on rdtsc) would wait
 * forever: the clock moves only while a thread is parked in the simulator.
 * After region.spin_reads clock reads in a row with no forwarded call in
 * between, the shim lets virtual time pass (SIMSOCK_MSG_SPIN_YIELD): 1 us,
 * then after each tenth as many further reads twice as long, up to 1 ms,
 * so a loop waiting for a deadline reaches it in one round trip per
 * millisecond and overshoots it by at most a millisecond, as a
 * descheduled thread may on Linux. (exec/spin_guard.h applies the same
 * rule to forwarded calls made at one instant.) The count is the program's own,
 * so the yields fall at the same reads in every run: deterministic, unlike a
 * wall-time bound. Only one managed thread runs at a time, so plain counters
 * suffice. */
static uint32_t clock_reads;
static int64_t next_yield_ns;

void shim_reset_spin(void) {
  clock_reads = 0;
  next_yield_ns = 0;
}

void shim_charge_clock_read(void) {
  const uint32_t limit = shim_region->spin_reads;
  if (limit == 0) return;
  /* After a yield of this run, a tenth as many reads: exec/spin_guard.h's
   * rule for calls, so that a long wait costs fewer round trips. */
  const uint32_t threshold =
      next_yield_ns == 0 ? limit : (limit / 10 > 0 ? limit / 10 : 1);
  if (++clock_reads < threshold) return;
  const int64_t ns = next_yield_ns > 0 ? next_yield_ns : 1000;
  const uint32_t reads = clock_reads;
  struct simsock_exec_slot *slot = shim_begin(0); /* resets the count */
  slot->kind = SIMSOCK_MSG_SPIN_YIELD;
  slot->args[0] = ns;
  slot->args[1] = reads;
  shim_roundtrip(slot);
  shim_end(slot);
  next_yield_ns = ns < 1000000 ? 2 * ns : 1000000;
}

/* The clock's virtual value without counting a read, or -1 for a clock
 * the shim does not virtualize (the CPU-time clocks: they run natively). */
static int64_t peek_clock_ns(long clock) {
  switch (clock) {
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_BOOTTIME_ALARM:
      return shim_monotonic_ns();
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_REALTIME_ALARM:
    case CLOCK_TAI:
      return shim_monotonic_ns() + shim_region->realtime_offset_ns;
    default:
      return -1;
  }
}

/* A read of the clock by the program: it counts towards the spin yield,
 * which comes first, so the read sees the time the yield let pass. */
static int64_t virtual_clock_ns(long clock) {
  if (peek_clock_ns(clock) < 0) return -1;
  shim_charge_clock_read();
  return peek_clock_ns(clock);
}

static struct timespec to_timespec(int64_t ns) {
  struct timespec ts = {ns / 1000000000, ns % 1000000000};
  return ts;
}

/* The vDSO's replacements: plain stores, as the vDSO's own functions do
 * (a bad pointer faults there too). */
int shim_vdso_clock_gettime(clockid_t clock, struct timespec *ts) {
  int64_t ns = shim_attached ? virtual_clock_ns(clock) : -1;
  if (ns < 0)
    return (int)shim_libc_ret(
        shim_raw_syscall(SYS_clock_gettime, clock, (long)ts, 0, 0, 0, 0));
  *ts = to_timespec(ns);
  return 0;
}

int shim_vdso_clock_getres(clockid_t clock, struct timespec *res) {
  if (!shim_attached || peek_clock_ns(clock) < 0)
    return (int)shim_libc_ret(
        shim_raw_syscall(SYS_clock_getres, clock, (long)res, 0, 0, 0, 0));
  if (res) *res = to_timespec(1);
  return 0;
}

int shim_vdso_gettimeofday(struct timeval *tv, void *tz) {
  if (!shim_attached)
    return (int)shim_libc_ret(
        shim_raw_syscall(SYS_gettimeofday, (long)tv, (long)tz, 0, 0, 0, 0));
  int64_t ns = virtual_clock_ns(CLOCK_REALTIME);
  if (tv) {
    tv->tv_sec = ns / 1000000000;
    tv->tv_usec = (ns % 1000000000) / 1000;
  }
  if (tz) memset(tz, 0, 2 * sizeof(int)); /* struct timezone: UTC */
  return 0;
}

time_t shim_vdso_time(time_t *t) {
  if (!shim_attached) return shim_raw_syscall(SYS_time, (long)t, 0, 0, 0, 0, 0);
  time_t now = virtual_clock_ns(CLOCK_REALTIME) / 1000000000;
  if (t) *t = now;
  return now;
}

/* The trapped syscalls: EFAULT-safe, as the kernel's own. */
long shim_clock_gettime(long clock, void *user_ts) {
  int64_t ns = virtual_clock_ns(clock);
  if (ns < 0)
    return shim_raw_syscall(SYS_clock_gettime, clock, (long)user_ts, 0, 0, 0,
                            0);
  struct timespec ts = to_timespec(ns);
  return shim_copy_to(user_ts, &ts, sizeof ts);
}

long shim_clock_getres(long clock, void *user_ts) {
  if (peek_clock_ns(clock) < 0)
    return shim_raw_syscall(SYS_clock_getres, clock, (long)user_ts, 0, 0, 0, 0);
  struct timespec ts = to_timespec(1);
  return user_ts ? shim_copy_to(user_ts, &ts, sizeof ts) : 0;
}

long shim_gettimeofday(void *user_tv, void *user_tz) {
  int64_t ns = virtual_clock_ns(CLOCK_REALTIME);
  struct timeval tv = {ns / 1000000000, (ns % 1000000000) / 1000};
  int zero[2] = {0, 0};
  if (user_tv && shim_copy_to(user_tv, &tv, sizeof tv) != 0) return -EFAULT;
  if (user_tz && shim_copy_to(user_tz, zero, sizeof zero) != 0) return -EFAULT;
  return 0;
}

long shim_time(void *user_t) {
  time_t now = virtual_clock_ns(CLOCK_REALTIME) / 1000000000;
  if (user_t && shim_copy_to(user_t, &now, sizeof now) != 0) return -EFAULT;
  return now;
}

uint64_t shim_virtual_tsc(void) {
  /* A nominal 1 GHz TSC: one tick per virtual nanosecond. */
  shim_charge_clock_read();
  return (uint64_t)shim_monotonic_ns();
}

void shim_trap_rdtsc(void) {
  if (shim_raw_syscall(SYS_prctl, PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0, 0) != 0)
    shim_fail(SIMSOCK_FAIL_VDSO,
              "prctl(PR_SET_TSC) refused: rdtsc would "
              "read the real clock",
              SYS_prctl);
}

/* --- the vDSO patch ------------------------------------------------------
 * Each time function's first bytes become `movabs $target, %rax; jmp *%rax`
 * (12 bytes). Written through /proc/self/mem (which may write a read-only
 * private mapping, FOLL_FORCE); mprotect of part of [vdso] is EINVAL on
 * recent kernels, so the fallback re-protects the whole mapping. */

static int write_code(void *at, const unsigned char *code, size_t len,
                      uintptr_t base, size_t size) {
  long fd = shim_raw_syscall(SYS_open, (long)"/proc/self/mem",
                             O_RDWR | O_CLOEXEC, 0, 0, 0, 0);
  if (fd >= 0) {
    long n = shim_raw_syscall(SYS_pwrite64, fd, (long)code, (long)len, (long)at,
                              0, 0);
    shim_raw_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
    if (n == (long)len) return 0;
  }
  if (shim_raw_syscall(SYS_mprotect, (long)base, (long)size,
                       PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0) != 0)
    return -1;
  memcpy(at, code, len);
  shim_raw_syscall(SYS_mprotect, (long)base, (long)size, PROT_READ | PROT_EXEC,
                   0, 0, 0);
  return 0;
}

static void *replacement(const char *name) {
  static const struct {
    const char *name;
    void *fn;
  } table[] = {
      {"__vdso_clock_gettime", (void *)shim_vdso_clock_gettime},
      {"__vdso_gettimeofday", (void *)shim_vdso_gettimeofday},
      {"__vdso_time", (void *)shim_vdso_time},
      {"__vdso_clock_getres", (void *)shim_vdso_clock_getres},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(name, table[i].name) == 0) return table[i].fn;
  return NULL;
}

void shim_patch_vdso(void) {
  uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
  if (base == 0) return; /* no vDSO: glibc makes the syscalls, trapped */
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
  const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
  uintptr_t load_bias = base;
  size_t size = 0;
  for (int i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_LOAD) {
      load_bias = base - ph[i].p_vaddr;
      size = (ph[i].p_memsz + 4095u) & ~(size_t)4095u;
      break;
    }
  const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);
  int patched = 0;
  for (int i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_DYNSYM) continue;
    const Elf64_Sym *syms = (const Elf64_Sym *)(load_bias + sh[i].sh_addr);
    const char *names = (const char *)(load_bias + sh[sh[i].sh_link].sh_addr);
    size_t count = sh[i].sh_size / sizeof(Elf64_Sym);
    for (size_t k = 0; k < count; k++) {
      void *target = replacement(names + syms[k].st_name);
      if (target == NULL || syms[k].st_value == 0) continue;
      if (syms[k].st_size < 12)
        shim_fail(SIMSOCK_FAIL_VDSO, "vDSO function too small to patch", 0);
      unsigned char code[12] = {0x48, 0xb8};
      uint64_t addr = (uint64_t)(uintptr_t)target;
      memcpy(code + 2, &addr, 8);
      code[10] = 0xff; /* jmp *%rax */
      code[11] = 0xe0;
      if (write_code((void *)(load_bias + syms[k].st_value), code, sizeof code,
                     base, size) != 0)
        shim_fail(SIMSOCK_FAIL_VDSO, "cannot write the vDSO", SYS_mprotect);
      patched++;
    }
  }
  if (patched == 0)
    shim_fail(SIMSOCK_FAIL_VDSO, "no vDSO time function found", 0);
}
