/* A statically linked program: no PT_INTERP, so LD_PRELOAD never loads the
 * shim. The launcher (exec-sim) must refuse it before fork; this binary is
 * its test input. */
#include <stdio.h>

int main(void) {
  printf("static hello\n");
  return 0;
}
