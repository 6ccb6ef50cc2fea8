/* A program that waits for time to move by reading the clock in a loop:
 * under simsock exec the clock never moves while it computes (docs/exec.md,
 * "Busy loops"). Bounded by a count, so that it ends on the real kernel. */
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < 20000000000L; ++i) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > start.tv_sec + 1) break;
  }
  printf("the clock moved\n");
  return 0;
}
