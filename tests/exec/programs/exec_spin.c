/* A program that waits for time to move by reading the clock in a loop.
 * Under simsock exec the clock moves only while a thread is parked in the
 * simulator: the shim's spin yield lets virtual time pass after a run of
 * clock reads without a call (docs/exec.md, "Spin loops"); with the yield
 * off (`spin 0`) the loop never ends and the busy bound reports it.
 * Bounded by a count, so that it ends on the real kernel too. */
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  long reads = 0;
  for (; reads < 20000000000L; ++reads) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > start.tv_sec + 1) break;
  }
  long long elapsed = (long long)(now.tv_sec - start.tv_sec) * 1000000000LL +
                      (now.tv_nsec - start.tv_nsec);
  printf("the clock moved: %lld ns after %ld reads\n", elapsed, reads);
  return 0;
}
