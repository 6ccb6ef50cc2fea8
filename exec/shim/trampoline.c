/* The shim's syscall trampoline: one small function alone in a page-aligned
 * section. The seccomp filter (seccomp.c) lets a syscall through only when
 * its instruction pointer lies between shim_trampoline_start and
 * shim_trampoline_end; every other syscall of the program traps (SIGSYS),
 * as in Shadow's shim_seccomp.c. */
#include "exec/shim/shim.h"

/* long shim_raw_syscall(nr, a0..a5): the SysV arguments moved to the
 * kernel's registers (rdi rsi rdx r10 r8 r9, nr in rax). The seventh
 * argument (a5) is on the stack above the return address. */
__asm__(
    "  .section .text.simsock_trampoline,\"ax\",@progbits\n"
    "  .balign 4096\n"
    "  .globl shim_trampoline_start\n"
    "  .hidden shim_trampoline_start\n"
    "shim_trampoline_start:\n"
    "  .globl shim_raw_syscall\n"
    "  .hidden shim_raw_syscall\n"
    "  .type shim_raw_syscall,@function\n"
    "shim_raw_syscall:\n"
    "  movq %rdi, %rax\n"
    "  movq %rsi, %rdi\n"
    "  movq %rdx, %rsi\n"
    "  movq %rcx, %rdx\n"
    "  movq %r8, %r10\n"
    "  movq %r9, %r8\n"
    "  movq 8(%rsp), %r9\n"
    "  syscall\n"
    "  ret\n"
    "  .size shim_raw_syscall, .-shim_raw_syscall\n"
    /* long shim_raw_clone3(struct clone_args *, size, start): the real
     * clone3 of a new thread (threads.c). The child comes back here with
     * rax 0 on its new stack (rdx, the start record, survives the
     * syscall) and calls shim_thread_child(start), which never returns. */
    "  .globl shim_raw_clone3\n"
    "  .hidden shim_raw_clone3\n"
    "  .type shim_raw_clone3,@function\n"
    "shim_raw_clone3:\n"
    "  movl $435, %eax\n" /* SYS_clone3 */
    "  syscall\n"
    "  testq %rax, %rax\n"
    "  jnz 1f\n"
    "  xorl %ebp, %ebp\n"
    "  andq $-16, %rsp\n"
    "  movq %rdx, %rdi\n"
    "  call shim_thread_child\n"
    "  ud2\n"
    "1:\n"
    "  ret\n"
    "  .size shim_raw_clone3, .-shim_raw_clone3\n"
    "  .globl shim_trampoline_end\n"
    "  .hidden shim_trampoline_end\n"
    "shim_trampoline_end:\n"
    "  .balign 4096\n"
    "  .text\n");
