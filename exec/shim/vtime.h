/* The shim's time functions that the vDSO patch jumps to and the libc
 * wrappers call (vtime.c). */
#ifndef SIMSOCK_EXEC_SHIM_VTIME_H_
#define SIMSOCK_EXEC_SHIM_VTIME_H_

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

int shim_vdso_clock_gettime(clockid_t clock, struct timespec *ts);
int shim_vdso_clock_getres(clockid_t clock, struct timespec *res);
int shim_vdso_gettimeofday(struct timeval *tv, void *tz);
time_t shim_vdso_time(time_t *t);
/* rdtsc's value: the virtual clock at a nominal 1 GHz. */
uint64_t shim_virtual_tsc(void);

#endif /* SIMSOCK_EXEC_SHIM_VTIME_H_ */
