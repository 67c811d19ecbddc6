/* rng.h — a small deterministic pseudo-random generator (splitmix64) for
 * data generators and tests: the same seed gives the same stream on every
 * machine.  Not for anything secret. */
#ifndef TF_RNG_H
#define TF_RNG_H

#include <stdint.h>

typedef struct tf_rng {
    uint64_t s;
} tf_rng;

static inline uint64_t tf_rng_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}
/* a stream for (seed, stream): different streams are independent */
static inline void tf_rng_seed(tf_rng *r, uint64_t seed, uint64_t stream)
{
    r->s = tf_rng_mix(seed + UINT64_C(0x9e3779b97f4a7c15)) ^ tf_rng_mix(stream * UINT64_C(0xd1b54a32d192ed03) + 1);
}
static inline uint64_t tf_rng_next(tf_rng *r) { return tf_rng_mix(r->s += UINT64_C(0x9e3779b97f4a7c15)); }
/* uniform in [0, n) */
static inline uint64_t tf_rng_below(tf_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)tf_rng_next(r) * n) >> 64);
}
/* uniform in [0, 1) */
static inline double tf_rng_unit(tf_rng *r) { return (double)(tf_rng_next(r) >> 11) * 0x1.0p-53; }

#endif
