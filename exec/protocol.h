/// \file
/// The channel between a managed program (an unmodified binary under
/// `simsock exec`, with the preloaded shim) and the simulator: one shared
/// memory region per managed process, made by the launcher (a memfd) and
/// mapped by both sides. Plain C, so that the shim (C, no C++ runtime) and
/// the simulator (C++) include the same layout.
///
/// One call: the shim writes a request into its thread's slot (the syscall
/// number, six arguments, which of them are offsets into the slot's data
/// area, the input bytes), stores SIMSOCK_SLOT_REQUEST into the slot's
/// state and wakes it (futex). The simulator's proxy for that thread runs
/// the call on the simulated kernel, writes the result and the output
/// bytes, stores SIMSOCK_SLOT_REPLY and wakes the slot. While a program
/// runs, the simulator waits for its next call: one party runs at a time,
/// so no virtual time passes while a program computes.
///
/// x86_64 Linux only (syscall numbers are the x86_64 ones, SYS_*).
#ifndef SIMSOCK_EXEC_PROTOCOL_H_
#define SIMSOCK_EXEC_PROTOCOL_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// "SIMSOCK1": the region's first bytes once the launcher has set it up.
#define SIMSOCK_EXEC_MAGIC 0x314b434f534d4953ULL
/// Bumped when the layout or a message's meaning changes.
#define SIMSOCK_EXEC_VERSION 4u
/// The environment variable naming the region's fd in the managed process
/// (the launcher passes the memfd across exec without FD_CLOEXEC).
#define SIMSOCK_EXEC_ENV_FD "SIMSOCK_EXEC_FD"
/// Slots per process: the managed threads a process may have at once.
#define SIMSOCK_EXEC_MAX_THREADS 64
/// The bytes of a slot's data area: the largest single read or write that
/// moves in one call (a larger one is a short read or write, which a
/// stream socket may always give).
#define SIMSOCK_EXEC_DATA_BYTES (256u * 1024u)
/// The most polls of a slot's state a party makes before it sleeps on the
/// futex, when the region's spin_polls allows (about 20-60 us of `pause`):
/// a hand-over that comes within them costs no futex call and no wake-up.
#define SIMSOCK_EXEC_SPIN_POLLS 2000u
/// An offset argument meaning a NULL pointer (the simulated kernel then
/// sees NULL and answers as Linux does, e.g. -EFAULT).
#define SIMSOCK_EXEC_NULL ((int64_t)-1)

/// A slot's state, its futex word.
enum simsock_slot_state {
  SIMSOCK_SLOT_FREE = 0,     ///< no thread owns the slot
  SIMSOCK_SLOT_RUNNING = 1,  ///< its thread runs program code
  SIMSOCK_SLOT_REQUEST = 2,  ///< a request waits for the simulator
  SIMSOCK_SLOT_REPLY = 3,    ///< the reply waits for the thread
};

/// What a request is. A syscall carries `nr`; the others are the shim's
/// own messages.
enum simsock_msg_kind {
  SIMSOCK_MSG_SYSCALL = 0,  ///< run syscall `nr` on the simulated kernel
  /// The first message of a process, from its first thread: the shim is
  /// attached (seccomp filter installed, vDSO patched); args[0] is the real
  /// pid. The reply (ret 0) lets the program's main() run.
  SIMSOCK_MSG_HELLO = 1,
  /// The thread's process ends: args[0] is the exit status (exit_group).
  /// No reply is awaited.
  SIMSOCK_MSG_EXIT = 2,
  /// The shim cannot go on (args[0]: a SIMSOCK_FAIL_* reason, data: a
  /// NUL-terminated message). The simulator reports it and kills the
  /// process. No reply is awaited.
  SIMSOCK_MSG_FAIL = 3,
  /// The first message of a new thread (clone emulation, docs/exec.md
  /// "Threads"), on the slot its parent claimed for it: args[0] is its real
  /// tid. The reply's ret is its virtual tid; until the reply the thread
  /// runs no program code.
  SIMSOCK_MSG_THREAD_START = 4,
  /// A thread that is not the last ends (SYS_exit): args[0] is its
  /// clear_child_tid address (0: none), to which the shim has already
  /// written 0. The kernel clears the slot's simsock_exec_thread.exit_word
  /// once the thread is off its stack; the proxy waits for that, then
  /// wakes the simulated futex at args[0] (pthread_join) and frees the
  /// slot. No reply is awaited.
  SIMSOCK_MSG_THREAD_EXIT = 5,
  /// The thread read the clock region.spin_reads times in a row without a
  /// forwarded call: it waits for time to move (a spin loop), which it
  /// never would, as no virtual time passes while a program computes. The
  /// simulator lets args[0] ns of virtual time pass (the proxy sleeps, other
  /// hosts run) and replies (ret 0); args[1] is the count of reads.
  /// Numbered apart, so that kinds added in order (from 6) never meet it.
  SIMSOCK_MSG_SPIN_YIELD = 16,
};

/// Nested pointers (the shim marshals them, the simulator's dispatcher,
/// exec/dispatch.cc, rebases them; docs/exec.md, "Marshalling"):
/// - recvmsg / sendmsg: args[1] is the offset of a struct msghdr in data
///   whose msg_name, msg_iov and msg_control fields hold data offsets (or
///   SIMSOCK_EXEC_NULL) instead of pointers; the iovec array at msg_iov
///   holds data offsets in each iov_base. After recvmsg the simulator
///   writes msg_namelen, msg_controllen and msg_flags into that msghdr.
/// - readv / writev: args[1] is the offset of such an iovec array.
/// - socklen_t* (accept, accept4, recvfrom, getsockname, getpeername,
///   getsockopt): an offset to a 4-byte length the simulator updates.
/// - epoll_event arrays: packed 12-byte structs, as on x86_64 Linux.
/// - pipe2 / socketpair: fd_hint[0] and fd_hint[1], the two new fds' numbers.
/// - pselect6: args[5] is the offset of the sigset itself (the shim reads
///   the kernel's {sigset*, size} pair and marshals the 8-byte set).
/// - poll / ppoll: entries on the program's real fds are sent with fd -1
///   (ignored, as Linux ignores a negative fd) and their revents merged by
///   the shim.
/// - clone3 / clone of a thread (the clone emulation, docs/exec.md
///   "Threads"): nr SYS_clone3, args[0] the child's slot, args[1] its real
///   tid, args[2] the clone flags. The reply's ret is the child's virtual
///   tid (the shim writes it to parent_tid / child_tid as CLONE_PARENT_SETTID
///   and CLONE_CHILD_SETTID ask).
/// - futex: nr SYS_futex, args[0] the program's futex address (a key, not a
///   pointer: never dereferenced by the simulator), args[1] the op, args[2]
///   val (WAKE: the count), args[3] the offset of a struct timespec or
///   SIMSOCK_EXEC_NULL (WAIT: relative; WAIT_BITSET: absolute, on
///   CLOCK_REALTIME with FUTEX_CLOCK_REALTIME), args[5] val3 (the bitset).
///   The shim has checked *uaddr == val itself (-EAGAIN locally): a WAIT
///   that arrives must sleep.
/// Every offset and length must lie within [0, data_len): one that does
/// not is -EFAULT, as a bad pointer is on Linux.
///
/// Signal calls (version 3; the shim performs rt_sigaction and
/// rt_sigprocmask for real first, then tells the simulator):
/// - rt_sigaction: args[0] the signal, args[1] its disposition (0 SIG_DFL,
///   1 SIG_IGN, 2 a handler), args[2] sa_flags; no pointers.
/// - rt_sigprocmask: args[0] SIG_SETMASK, args[1] the thread's new mask
///   (a value, bit sig - 1).
/// - setitimer / getitimer: which, then offsets of struct itimerval (or
///   SIMSOCK_EXEC_NULL); alarm: the seconds.
/// - kill / tgkill / tkill to the program itself: args[0] the signal (the
///   shim checked that the target is the program or its calling thread).
///
/// One managed thread's mailbox. Aligned to a page so slots never share a
/// cache line.
struct simsock_exec_slot {
  /// simsock_slot_state; the futex word both sides wait on.
  uint32_t state;
  /// simsock_msg_kind of the request.
  uint32_t kind;
  /// The syscall number (x86_64 SYS_*) when kind is SIMSOCK_MSG_SYSCALL.
  int64_t nr;
  /// The arguments, in the syscall's order. Where bit i of ptr_mask is set,
  /// args[i] is an offset into data (or SIMSOCK_EXEC_NULL) instead of a
  /// value: the simulator passes data + args[i] to the call.
  int64_t args[6];
  /// Which args are offsets into data (bit i: args[i]).
  uint32_t ptr_mask;
  /// Bytes of data the request uses (inputs and room for outputs).
  uint32_t data_len;
  /// For a call that creates fds (socket, accept4, epoll_create1, dup,
  /// fcntl F_DUPFD, pipe2, eventfd2, socketpair): the fd numbers the new
  /// fds must take, or -1. The shim reserves them in the real fd table with
  /// placeholders first (the lowest free real fds, as Linux would pick), so
  /// that simulated fds and the program's real files never share a number.
  int32_t fd_hint[2];
  /// The result: >= 0, or a negated errno.
  int64_t ret;
  /// The data area: argument bytes in, result bytes out.
  unsigned char data[SIMSOCK_EXEC_DATA_BYTES];
  /// Waking only a sleeper: each party first polls `state`
  /// (region.spin_polls times), then stores 1 here, re-reads `state` and
  /// sleeps on it (futex), and stores 0 once awake. The other party, after
  /// storing a new state, wakes the futex only if the flag is 1. Both the
  /// flag's store and the state's load are sequentially consistent on each
  /// side, so one of them always sees the other: no wake-up is lost, and a
  /// hand-over within the spin costs no syscall.
  uint32_t shim_sleeping;  ///< the shim's thread sleeps awaiting a reply
  uint32_t sim_sleeping;   ///< the simulator sleeps awaiting a request
  /// Each party's own poll budget (written only by that party): doubled,
  /// up to region.spin_polls, when a hand-over came within the polls, and
  /// halved when the party had to sleep, so that a loaded machine, where
  /// the other party is not running, stops paying for the spin.
  uint32_t shim_spin_budget;
  uint32_t sim_spin_budget;  ///< the simulator's, as shim_spin_budget
  /// Signals to deliver now (bit sig - 1), written with the
  /// reply: the simulated kernel generated them (a timer's SIGALRM, a
  /// SIGPIPE, a kill to itself) and the thread takes them. Once the slot
  /// is released, the shim raises each for real on its own thread (tgkill
  /// through the trampoline), so the program's handler runs, or the
  /// default action kills it, before the call returns to the program;
  /// once per generated signal (standard signals coalesce while pending).
  /// A reply of SIMSOCK_EXEC_RESTART asks the shim to make the same call
  /// again after delivering them (SA_RESTART).
  uint64_t deliver_mask;
} __attribute__((aligned(4096)));

/// A reply's ret meaning "deliver the signals, then make the call again"
/// (the kernel's -ERESTARTSYS, which never reaches a program).
#define SIMSOCK_EXEC_RESTART (-512)

/// Per slot: what a thread's exit needs in shared memory.
struct simsock_exec_thread {
  /// The exiting thread's real tid, then 0: the shim points the real
  /// set_tid_address at it before the real exit, so the kernel clears it
  /// (and futex-wakes it, shared) once the thread is off its stack
  /// (mm_release); the proxy waits for that before it lets another thread
  /// run (a joiner may free that stack).
  uint32_t exit_word;
  uint32_t reserved;  ///< 0
};

/// The whole region.
struct simsock_exec_region {
  uint64_t magic;    ///< SIMSOCK_EXEC_MAGIC
  uint32_t version;  ///< SIMSOCK_EXEC_VERSION
  /// The virtual pid the program sees (getpid), and its first thread's tid.
  int32_t virtual_pid;
  /// Virtual CLOCK_MONOTONIC in ns, written by the simulator before every
  /// reply: the shim answers time calls (clock_gettime, gettimeofday, time,
  /// the vDSO, rdtsc) from it without a round trip.
  int64_t monotonic_ns;
  /// CLOCK_REALTIME = monotonic_ns + realtime_offset_ns (a fixed epoch, so
  /// that a replay shows the same dates).
  int64_t realtime_offset_ns;
  /// The seed of the process's getrandom and /dev/urandom stream.
  uint64_t random_seed;
  /// The shim's log level (0: errors only) for SIMSOCK_EXEC_DEBUG output.
  uint32_t debug;
  /// Consecutive clock reads (clock_gettime, gettimeofday, time, the vDSO,
  /// rdtsc) without a forwarded call after which the shim yields
  /// (SIMSOCK_MSG_SPIN_YIELD); 0: never (a spin loop then hangs until the
  /// proxy's wall-time busy bound).
  uint32_t spin_reads;
  /// The most polls of a slot's state before sleeping on it (both
  /// parties; each adapts its own budget below it): 0 when the parties
  /// share one CPU, where a spin only delays the other.
  uint32_t spin_polls;
  uint32_t reserved0;
  /// Slot 0 is the first thread's.
  struct simsock_exec_slot slots[SIMSOCK_EXEC_MAX_THREADS]
      __attribute__((aligned(4096)));
  /// Per slot: a thread's exit word (clone emulation).
  struct simsock_exec_thread threads[SIMSOCK_EXEC_MAX_THREADS];
};

/// Why the shim gave up (SIMSOCK_MSG_FAIL's args[0]).
enum simsock_fail_reason {
  SIMSOCK_FAIL_UNSUPPORTED_SYSCALL = 1,  ///< a call simsock cannot emulate
  SIMSOCK_FAIL_TOO_MANY_THREADS = 2,     ///< no free slot
  SIMSOCK_FAIL_SECCOMP = 3,              ///< the filter could not be installed
  SIMSOCK_FAIL_VDSO = 4,                 ///< the vDSO could not be patched
};

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // SIMSOCK_EXEC_PROTOCOL_H_
