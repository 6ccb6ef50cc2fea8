/* A program that crashes on its own: a write through NULL after a line on
 * stdout. simsock exec must report the signal (tests/exec/exec_world_test). */
#include <stdio.h>

int main(void) {
  printf("about to crash\n");
  fflush(stdout);
  volatile int *p = NULL;
  *p = 1;
  return 0;
}
