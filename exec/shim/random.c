/* The process's random stream: getrandom and reads of /dev/urandom and
 * /dev/random, seeded by region.random_seed, so that the same seed gives
 * the same bytes. xoshiro256** (Blackman and Vigna) seeded by splitmix64.
 * Also the AT_RANDOM bytes. */
#include <errno.h>
#include <string.h>
#include <sys/auxv.h>

#include "exec/shim/shim.h"

static uint64_t state[4];

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next(void) {
  uint64_t result = rotl(state[1] * 5, 7) * 9;
  uint64_t t = state[1] << 17;
  state[2] ^= state[0];
  state[3] ^= state[1];
  state[1] ^= state[2];
  state[0] ^= state[3];
  state[2] ^= t;
  state[3] = rotl(state[3], 45);
  return result;
}

void shim_random_seed(uint64_t seed) {
  for (int i = 0; i < 4; i++) state[i] = splitmix64(&seed);
}

/* AT_RANDOM: the kernel's 16 random bytes on the initial stack, which the
 * auxv points at. glibc has read them before the shim's constructor runs
 * (the stack protector's canary, the pointer guard), but a program that
 * reads getauxval(AT_RANDOM) later (a hash seed, say) gets bytes drawn
 * from the seed: deterministic. A stream of their own (the seed mixed
 * with a constant), so getrandom's stream is the same with or without. */
void shim_random_auxv(uint64_t seed) {
  unsigned char *bytes = (unsigned char *)getauxval(AT_RANDOM);
  if (bytes == NULL) return;
  uint64_t x = seed ^ 0x4f444e41525f5441ULL; /* "AT_RANDO" */
  for (int i = 0; i < 16; i += 8) {
    uint64_t v = splitmix64(&x);
    memcpy(bytes + i, &v, 8);
  }
}

long shim_getrandom(void *user_buf, long len) {
  /* getrandom's size_t: a "negative" length is huge; Linux caps one call
   * at INT_MAX bytes (MAX_RW_COUNT-like), short but successful. */
  unsigned long want = (unsigned long)len;
  if (want > 0x7ffff000UL) want = 0x7ffff000UL;
  unsigned char chunk[256];
  unsigned long done = 0;
  while (done < want) {
    size_t n = want - done < sizeof chunk ? want - done : sizeof chunk;
    for (size_t i = 0; i < n; i += 8) {
      uint64_t v = next();
      memcpy(chunk + i, &v, n - i < 8 ? n - i : 8);
    }
    if (shim_copy_to((unsigned char *)user_buf + done, chunk, n) != 0)
      return done > 0 ? (long)done : -EFAULT;
    done += n;
  }
  return (long)done;
}
